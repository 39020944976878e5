/**
 * A page's main thread cut into frames, from a DevTools trace: what a frame's script took, what
 * the whole frame took, and the longest task.
 *
 * A frame is the time from one `BeginMainThreadFrame` of the page's renderer to the next (the
 * page keeps a requestAnimationFrame loop going, so one begins every vsync, about 16.7 ms apart,
 * while the main thread is free). In each frame:
 *
 * - script: the union of the intervals of the JavaScript the main thread ran (`FunctionCall`,
 *   `EvaluateScript`, `TimerFire`, `FireAnimationFrame`, `EventDispatch`, microtask checkpoints,
 *   and the garbage collections inside them), clipped to the frame;
 * - work: the union of the main thread's tasks (`ThreadControllerImpl::RunTask`), clipped to the
 *   frame: script, style, layout, paint, and the browser's own work on that thread.
 *
 * A busy main thread delays the next `BeginMainThreadFrame`: a frame is then longer, and all the
 * work in it counts against it.
 */
import type { Page } from '../scripts/devtools-browser.js';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

export interface FrameStats {
  /** The page's renderer process. */
  pid: number;
  frames: number;
  /** Script time per frame (ms), in frame order. */
  script: number[];
  /** Main-thread work per frame (ms), in frame order. */
  work: number[];
  /** The same two on the thread's CPU clock (the trace's `tdur`): without the time the thread waited for a core. */
  scriptCpu: number[];
  workCpu: number[];
  /** The longest main-thread task (ms), and its CPU time. */
  longestTask: number;
  longestTaskCpu: number;
  /** All script (CPU, ms), and the style recalculation and layout it forced (inside script, CPU, ms). */
  scriptTotal: number;
  forcedLayout: number;
}

const CATEGORIES = ['devtools.timeline', 'toplevel', 'v8.execute', 'disabled-by-default-devtools.timeline.frame'];
const SCRIPT = new Set(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch', 'BlinkScheduler_PerformMicrotaskCheckpoint', 'RunMicrotasks', 'v8.run', 'MajorGC', 'MinorGC']);
const TASK = 'ThreadControllerImpl::RunTask';

/** The page's CDP connection, for the trace's events (Page keeps it to itself). */
type Events = { on(event: string, handler: (params: any) => void): () => void };

/** Runs `work` while the page's renderer is traced; returns its result and the main thread's frames. */
export async function traceFrames<T>(page: Page, work: () => Promise<T>): Promise<{ result: T; frames: FrameStats }> {
  const cdp = (page as unknown as { cdp: Events }).cdp;
  const events: TraceEvent[] = [];
  const offData = cdp.on('Tracing.dataCollected', (params: { value: TraceEvent[] }) => {
    for (const e of params.value) events.push(e);
  });
  let offDone: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => (offDone = cdp.on('Tracing.tracingComplete', () => resolve())));
  await page.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
  let result: T;
  try {
    result = await work();
  } finally {
    await page.send('Tracing.end');
    await complete;
    offData();
    offDone();
  }
  return { result, frames: analyse(events) };
}

const fnName = (e: TraceEvent): string | undefined => (e.args as { data?: { functionName?: string } } | undefined)?.data?.functionName;

/** Merges [start, end) intervals (sorted by start). */
function merge(intervals: [number, number][]): [number, number][] {
  intervals.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of intervals) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The outermost of properly nested events (sorted by start) as [start, end, cpu]: events on one
 * thread nest, so one inside another adds nothing.
 */
function outermost(events: TraceEvent[]): [number, number, number][] {
  events.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const out: [number, number, number][] = [];
  let end = -Infinity;
  for (const e of events) {
    if (e.ts + e.dur! <= end) continue;
    out.push([e.ts, e.ts + e.dur!, e.tdur ?? e.dur!]);
    end = e.ts + e.dur!;
  }
  return out;
}

/** Per window: the CPU time of the intervals, each's `cpu` spread evenly over its wall time. */
function cpuPerWindow(bounds: number[], intervals: [number, number, number][]): number[] {
  const out = new Array<number>(Math.max(0, bounds.length - 1)).fill(0);
  let j = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    while (j < intervals.length && intervals[j]![1] <= from) j++;
    for (let k = j; k < intervals.length && intervals[k]![0] < to; k++) {
      const [a, b, cpu] = intervals[k]!;
      const wall = b - a;
      if (wall > 0) out[i]! += (cpu * (Math.min(b, to) - Math.max(a, from))) / wall / 1000;
    }
  }
  return out;
}

/** Per window [bounds[i], bounds[i+1]): the time of the merged intervals inside it, in ms. */
function perWindow(bounds: number[], intervals: [number, number][]): number[] {
  const out = new Array<number>(Math.max(0, bounds.length - 1)).fill(0);
  let j = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    while (j < intervals.length && intervals[j]![1] <= from) j++;
    for (let k = j; k < intervals.length && intervals[k]![0] < to; k++) {
      const [a, b] = intervals[k]!;
      out[i]! += (Math.min(b, to) - Math.max(a, from)) / 1000;
    }
  }
  return out;
}

export function analyse(events: TraceEvent[]): FrameStats {
  // The page's renderer: the main thread with the most frames begun.
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const beginsBy = new Map<string, number[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.name === 'BeginMainThreadFrame' && mains.has(key)) {
      let list = beginsBy.get(key);
      if (!list) beginsBy.set(key, (list = []));
      list.push(e.ts);
    }
  }
  const [main, bounds] = [...beginsBy].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
  bounds.sort((a, b) => a - b);
  const script: TraceEvent[] = [];
  const tasks: TraceEvent[] = [];
  const layouts: TraceEvent[] = [];
  let longestTask = 0;
  let longestTaskCpu = 0;
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || `${e.pid}:${e.tid}` !== main) continue;
    if (SCRIPT.has(e.name)) script.push(e);
    if (e.name === 'UpdateLayoutTree' || e.name === 'Layout') layouts.push(e);
    if (e.name === TASK) {
      tasks.push(e);
      if (e.dur / 1000 > longestTask) {
        longestTask = e.dur / 1000;
        longestTaskCpu = (e.tdur ?? e.dur) / 1000;
      }
    }
  }
  const scriptOuter = outermost(script);
  const taskOuter = outermost(tasks);
  const wall = (list: [number, number, number][]) => list.map(([a, b]) => [a, b] as [number, number]);
  // Style and layout inside script: forced by a read of geometry (or a call that needs it).
  let forcedLayout = 0;
  for (const [a, b, cpu] of outermost(layouts)) {
    let lo = 0;
    let hi = scriptOuter.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (scriptOuter[mid]![0] <= a) lo = mid;
      else hi = mid - 1;
    }
    const outer = scriptOuter[lo];
    if (outer && outer[0] <= a && b <= outer[1]) forcedLayout += cpu / 1000;
  }
  const scriptTotal = scriptOuter.reduce((sum, [, , cpu]) => sum + cpu / 1000, 0);
  const scriptPerFrame = perWindow(bounds, merge(wall(scriptOuter)));
  // TRACE_DEBUG=1: the worst frame's events over 2 ms, and every frame's script (to see what a figure is made of).
  if (process.env.TRACE_DEBUG) {
    const worst = scriptPerFrame.indexOf(Math.max(...scriptPerFrame));
    const from = bounds[worst]!;
    const to = bounds[worst + 1]!;
    const inside = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur !== undefined && e.ts < to && e.ts + e.dur > from && e.dur > 2000);
    console.log(`worst frame ${worst}/${bounds.length - 1}: ${((to - from) / 1000).toFixed(1)} ms`, inside.map((e) => `${e.name}(${(e.dur! / 1000).toFixed(1)}${e.args && fnName(e) ? ' ' + fnName(e) : ''})`).join(' '));
    console.log('frames script:', scriptPerFrame.map((x) => x.toFixed(1)).join(' '));
    console.log('frames script cpu:', cpuPerWindow(bounds, scriptOuter).map((x) => x.toFixed(1)).join(' '));
  }
  return {
    pid: Number(main.split(':')[0]),
    frames: Math.max(0, bounds.length - 1),
    script: scriptPerFrame,
    work: perWindow(bounds, merge(wall(taskOuter))),
    scriptCpu: cpuPerWindow(bounds, scriptOuter),
    workCpu: cpuPerWindow(bounds, taskOuter),
    longestTask,
    longestTaskCpu,
    scriptTotal,
    forcedLayout,
  };
}

/** The p-th percentile (0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
