/**
 * `<task-log>` in Chromium beside what pages use today to show terminal output: an
 * @xterm/xterm 6 Terminal (scrollback set to hold the whole log) and a plain `<pre>` that appends.
 * The three are fed the same stream: the reference server (its memory output store keeping every
 * line) publishes `output` events; the element follows the task on the page's shared client,
 * xterm and the `<pre>` are written to by that same client's event listener
 * (bench/browser/task-log-page.ts). Each view runs in a page of its own, one after the other, so
 * that a trace of the page's main thread holds one view's work (bench/trace-frames.ts).
 *
 * - throughput: the stream at a rising rate (lines/s, in chunks of at most 50 lines, every
 *   10 ms), `stepMs` per rate; a view keeps up with a rate when no frame's script exceeds 8 ms
 *   while it comes and the view shows the last line within 2 s of the last publish. The figure:
 *   the highest rate kept up with; a view drops out at its first miss.
 * - memory: `lines` lines (about 80 characters) fed in bursts of 20,000, each when the view has
 *   taken the last in (xterm: parsed it, its flow control); JS heap
 *   growth (after full collections; the ArrayBuffers' backing stores counted as well) against
 *   the log's UTF-8 size.
 * - DOM: nodes in the element's shadow root (the others: nodes in their container).
 * - scrolling top to bottom in `scrollSteps` moves, one a frame: the p95 of the frames' main-thread
 *   work; a jump to the middle line: whether the next frame shows it.
 * - search: the element counts a literal's matches (typed into its field); its time and the
 *   longest main-thread task meanwhile. xterm and the <pre> have no search: the page reads their
 *   buffer / text (context).
 * - late join: the element mounted for a task with `lateJoinLines` lines already kept: from its
 *   connection to its last line in view; then scrolled to the top, until an earlier range is drawn.
 *
 *   node --import tsx bench/task-log.ts [--quick]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer, MemoryOutputStore, type ProgressServer } from '../src/server/index.js';
import { Browser, type Page } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import type { ViewKind } from './browser/task-log-page.js';
import { logText } from './log-lines.js';
import { fmt, row, single, sleep, withTimeout, type ResultRow } from './stats.js';
import { percentile, traceFrames } from './trace-frames.js';
import { runTaskLogSize } from './task-log-size.js';

export interface TaskLogOptions {
  /** Lines of the long log (memory, DOM, scrolling, search). */
  lines: number;
  /** Lines kept before the element joins (late join). */
  lateJoinLines: number;
  lateJoinRepeats: number;
  /** Throughput: the rates tried, lines/s, rising. */
  rates: number[];
  stepMs: number;
  scrollSteps: number;
  /** The long log's feeding stops after this long (a view that cannot take the whole log in time is measured with what it has). */
  feedBudgetMs: number;
  /** Also the size figure (a Vite build in memory). */
  size: boolean;
}

export const TASK_LOG_DEFAULTS: TaskLogOptions = {
  lines: 1_000_000,
  lateJoinLines: 200_000,
  lateJoinRepeats: 3,
  rates: [50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000],
  stepMs: 2000,
  scrollSteps: 300,
  feedBudgetMs: 150_000,
  size: true,
};

/** A smoke run (`--quick`): small logs, two rates. */
export const TASK_LOG_QUICK: TaskLogOptions = { lines: 20_000, lateJoinLines: 20_000, lateJoinRepeats: 1, rates: [1000, 5000], stepMs: 1000, scrollSteps: 60, feedBudgetMs: 60_000, size: false };

const KINDS: ViewKind[] = ['element', 'xterm', 'pre'];
const LABEL: Record<ViewKind, string> = { element: '<task-log>', xterm: 'xterm.js 6', pre: 'plain <pre>' };
const CHUNK_LINES = 50;
const FEED_CHUNK_LINES = 200;
const FEED_BURST_LINES = 20_000;
const SEARCH = 'module_99';
const WARM_LINES = 200;

const output = (projectId: string, taskId: string, text: string): ProgressEvent =>
  ({ type: 'output', projectId, taskId, timestamp: new Date().toISOString(), output: text }) as ProgressEvent;

/** Publishes lines `from`..`from + count - 1` of the task in events of `perEvent` lines. */
function publishLines(server: ProgressServer, projectId: string, taskId: string, from: number, count: number, perEvent: number): number {
  let events = 0;
  for (let n = from; n < from + count; n += perEvent) {
    void server.publish(output(projectId, taskId, logText(n, Math.min(perEvent, from + count - n))));
    events++;
  }
  return events;
}

/** The private memory (resident) of a process, from /proc (Linux); NaN elsewhere. */
async function privateMemory(pid: number): Promise<number> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    let kb = 0;
    for (const m of text.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
    return kb * 1024;
  } catch {
    return NaN;
  }
}

/** The JS heap in use after full collections, with the ArrayBuffers' backing stores when the browser says. */
async function heap(page: Page): Promise<number> {
  await page.send('HeapProfiler.collectGarbage');
  await page.send('HeapProfiler.collectGarbage');
  const usage = await page.send<{ usedSize: number; backingStorageSize?: number }>('Runtime.getHeapUsage');
  return usage.usedSize + (usage.backingStorageSize ?? 0);
}

interface RateStep {
  rate: number;
  /** The most script in one frame on the main thread's CPU clock (ms); and on the wall clock. */
  maxScript: number;
  maxScriptWall: number;
  p99Script: number;
  frames: number;
  kept: boolean;
  lagMs: number;
  /** Script in the step (CPU ms), and the style and layout it forced. */
  scriptTotal: number;
  forcedLayout: number;
  /** The element's renders in the step, the time they took (ms), and the page's frames meanwhile. */
  renders: { count: number; ms: number; frames: number; max: number };
}

interface LongLog {
  /** Lines held: all of them, or what the view took within the feed's time budget. */
  held: number;
  bytes: number;
  heapGrowth: number;
  /** Growth of the renderer process's private memory (the <pre>'s text is in the DOM, not the JS heap). */
  processGrowth: number;
  nodes: number;
  feedMs: number;
  /** p95 of the frames' main-thread work, CPU clock; the same on the wall clock; p95 of their script (CPU). */
  scrollP95: number;
  scrollP95Wall: number;
  scrollP95Script: number;
  scrollFrames: number;
  jump: { nextFrame: boolean; afterTwo: boolean; updateMs: number };
  /** The search's time, its count, and the longest main-thread task meanwhile (wall; CPU). */
  search: { ms: number; count: number; longestTask: number; longestTaskCpu: number; scriptCpu: number };
}

export async function runTaskLog(options: TaskLogOptions = TASK_LOG_DEFAULTS): Promise<ResultRow[]> {
  // Every line of a task kept; past 320 MiB in all, the oldest tasks' logs go (the long logs follow one another).
  const store = new MemoryOutputStore({ maxLines: Math.max(options.lines, options.lateJoinLines) + 1000, maxBytes: 256 * 1048576, maxTotalBytes: 320 * 1048576 });
  const server = await createProgressServer({ heartbeatInterval: 0, output: store, maxBufferedBytes: 64 * 1048576 });
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['task-log-page']);
  const xtermCss = await readFile(fileURLToPath(new URL('../node_modules/@xterm/xterm/css/xterm.css', import.meta.url)), 'utf8');
  const apiBase = `${server.url.replace(/^ws/, 'http')}/api`;
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  task-log: ${text}`);
  let run = 0;
  try {
    const page = await browser.newPage();
    const open = async (kind: ViewKind, scrollback: number) => {
      const projectId = `log-${run++}`;
      await page.goto(pages.pageUrl('task-log-page'));
      await page.call('configure', apiBase);
      await withTimeout(page.call('mount', kind, projectId, 't', scrollback, kind === 'xterm' ? xtermCss : ''), 30000, `${kind}: mount`);
      return projectId;
    };
    const received = () => page.call<{ events: number; lines: number; taken: number }>('received');

    // Throughput: rising rates, each view until its first miss.
    const steps: Record<ViewKind, RateStep[]> = { element: [], xterm: [], pre: [] };
    const out = new Set<ViewKind>();
    for (const rate of options.rates) {
      for (const kind of KINDS) {
        if (out.has(kind)) continue;
        const projectId = await open(kind, Math.ceil((rate * options.stepMs) / 1000) + WARM_LINES + 100);
        // Warm: the view has drawn lines once (first render, fonts, the terminal's renderer) before the trace.
        const warm = publishLines(server, projectId, 't', 1, WARM_LINES, CHUNK_LINES);
        await withTimeout(page.call('waitLast', WARM_LINES, warm, 10000), 15000, `${kind}: warm-up`);
        await sleep(200);
        const stream = async () => {
          const t0 = performance.now();
          let sent = 0;
          let events = warm;
          const total = Math.round((rate * options.stepMs) / 1000);
          while (sent < total) {
            await sleep(10);
            const due = Math.min(total, Math.floor((rate * (performance.now() - t0)) / 1000)) - sent;
            if (due <= 0) continue;
            events += publishLines(server, projectId, 't', WARM_LINES + sent + 1, due, CHUNK_LINES);
            sent += due;
          }
          let lagMs = NaN;
          try {
            lagMs = await page.call<number>('waitLast', WARM_LINES + total, events, 2000);
          } catch {
            // not shown within 2 s: not kept up with
          }
          return { total, events, lagMs };
        };
        await page.call('renders');
        const { result, frames } = await traceFrames(page, stream);
        const renders = await page.call<RateStep['renders']>('renders');
        const step: RateStep = {
          rate,
          maxScript: Math.max(0, ...frames.scriptCpu),
          maxScriptWall: Math.max(0, ...frames.script),
          p99Script: percentile(frames.scriptCpu, 99),
          frames: frames.frames,
          kept: Number.isFinite(result.lagMs),
          lagMs: result.lagMs,
          scriptTotal: frames.scriptTotal,
          forcedLayout: frames.forcedLayout,
          renders,
        };
        steps[kind].push(step);
        log(
          `${LABEL[kind]} at ${fmt(rate, 0)} lines/s: ${frames.frames} frames, script per frame (CPU) max ${fmt(step.maxScript)} ms, p99 ${fmt(step.p99Script)} ms (wall max ${fmt(step.maxScriptWall)} ms); last line shown ${step.kept ? `${fmt(step.lagMs, 0)} ms after the last publish` : 'not within 2 s'}` +
            (kind === 'element' ? `; ${renders.count} renders in ${renders.frames} frames, ${fmt(renders.ms / Math.max(1, renders.count))} ms each (longest ${fmt(renders.max)} ms); style and layout forced inside script ${fmt(step.forcedLayout, 0)} of ${fmt(step.scriptTotal, 0)} ms CPU` : ''),
        );
        if (step.maxScript > 8 || !step.kept) out.add(kind);
        await page.call('reset');
      }
      if (out.size === KINDS.length) break;
    }
    const sustained = (kind: ViewKind) => Math.max(0, ...steps[kind].filter((s) => s.kept && s.maxScript <= 8).map((s) => s.rate));
    // Diagnostic: the highest rate kept up with where 99% of frames' script stays under 8 ms.
    const sustainedP99 = (kind: ViewKind) => Math.max(0, ...steps[kind].filter((s) => s.kept && s.p99Script <= 8).map((s) => s.rate));

    // The long log: memory, DOM, scrolling, a jump, search.
    const long: Partial<Record<ViewKind, LongLog | string>> = {};
    for (const kind of KINDS) {
      try {
        long[kind] = await longLog(kind);
      } catch (error) {
        long[kind] = String((error as Error).message).split('\n')[0]!;
        log(`${LABEL[kind]}: the long log could not be measured: ${long[kind]}`);
        await page.call('reset').catch(() => undefined);
      }
    }

    async function longLog(kind: ViewKind): Promise<LongLog> {
      const projectId = await open(kind, options.lines + 100);
      // The page's renderer process (from a short trace), for its memory beside the JS heap.
      const { pid } = (await traceFrames(page, () => sleep(100))).frames;
      const before = await heap(page);
      const rssBefore = await privateMemory(pid);
      const t0 = performance.now();
      let bytes = 0;
      let events = 0;
      let held = 0;
      // A view that takes longer than the budget is measured with the lines it has by then.
      const budgetEnd = t0 + options.feedBudgetMs;
      for (let n = 1; n <= options.lines && performance.now() < budgetEnd; n += FEED_BURST_LINES) {
        const count = Math.min(FEED_BURST_LINES, options.lines - n + 1);
        events += publishLines(server, projectId, 't', n, count, FEED_CHUNK_LINES);
        bytes += Buffer.byteLength(logText(n, count));
        held = n + count - 1;
        const end = performance.now() + 120000;
        while ((await received()).taken < held) {
          if (performance.now() > end) throw new Error(`${LABEL[kind]} took ${(await received()).taken} of ${held} lines in 120 s`);
          await sleep(20);
        }
      }
      await withTimeout(page.call('waitLast', held, events, 300000), 310000, `${kind}: the last line`);
      const feedMs = performance.now() - t0;
      const heapGrowth = (await heap(page)) - before;
      const processGrowth = (await privateMemory(pid)) - rssBefore;
      const nodes = await page.call<number>('nodes');
      await page.call('toTop');
      const scroll = await traceFrames(page, () => withTimeout(page.call<{ ms: number }>('scrollDown', options.scrollSteps), 300000, `${kind}: scroll`));
      const jump = await page.call<LongLog['jump']>('jump', Math.ceil(held / 2));
      const search = await traceFrames(page, () => withTimeout(page.call<{ ms: number; count: number }>('search', SEARCH), 120000, `${kind}: search`));
      const result: LongLog = {
        held,
        bytes,
        heapGrowth,
        processGrowth,
        nodes,
        feedMs,
        scrollP95: percentile(scroll.frames.workCpu, 95),
        scrollP95Wall: percentile(scroll.frames.work, 95),
        scrollP95Script: percentile(scroll.frames.scriptCpu, 95),
        scrollFrames: scroll.frames.frames,
        jump,
        search: { ...search.result, longestTask: search.frames.longestTask, longestTaskCpu: search.frames.longestTaskCpu, scriptCpu: search.frames.scriptTotal },
      };
      log(
        `${LABEL[kind]}, ${fmt(held, 0)} lines (${fmt(bytes / 1e6, 1)} MB) fed in ${fmt(feedMs / 1000, 1)} s: heap +${fmt(heapGrowth / 1e6, 1)} MB ` +
          `(${fmt(heapGrowth / bytes)}x), renderer private memory +${fmt(processGrowth / 1e6, 1)} MB; ${nodes} nodes; scroll p95 frame ${fmt(result.scrollP95)} ms CPU (${fmt(result.scrollP95Wall)} ms wall, script ${fmt(result.scrollP95Script)} ms, ${result.scrollFrames} frames); ` +
          `jump shown next frame ${jump.nextFrame} (after two ${jump.afterTwo}, update ${fmt(jump.updateMs)} ms); search ${fmt(search.result.ms, 0)} ms (script CPU ${fmt(search.frames.scriptTotal, 0)} ms), ${search.result.count} matches, longest task ${fmt(search.frames.longestTask, 0)} ms (CPU ${fmt(search.frames.longestTaskCpu, 0)} ms)`,
      );
      await page.call('reset');
      return result;
    }

    // Late join: a task with lateJoinLines lines kept, no page following it yet.
    const lateProject = `late-${run++}`;
    publishLines(server, lateProject, 't', 1, options.lateJoinLines, FEED_CHUNK_LINES);
    await sleep(200);
    const joins: number[] = [];
    const ups: number[] = [];
    for (let i = 0; i < options.lateJoinRepeats; i++) {
      await page.goto(pages.pageUrl('task-log-page'));
      await page.call('configure', apiBase);
      const join = await withTimeout(page.call<{ ms: number; drawn: number[] }>('lateJoin', lateProject, 't', options.lateJoinLines, 10000), 15000, 'late join');
      joins.push(join.ms);
      const first = Math.min(...join.drawn);
      const up = await withTimeout(page.call<number>('scrollUpTo', options.lateJoinLines - 500, 10000), 15000, 'scroll up');
      ups.push(up);
      log(`late join to ${fmt(options.lateJoinLines, 0)} lines: last screen in ${fmt(join.ms)} ms (first line drawn ${first}); scrolled to the top, an earlier range drawn in ${fmt(up)} ms`);
      await page.call('reset');
    }

    const B = `task-log Chromium (vs xterm.js 6, plain <pre>)`;
    const rows: ResultRow[] = [];
    const rate = (kind: ViewKind) => single(B, `throughput, no frame's script > 8 ms: ${LABEL[kind]}`, `${fmt(sustained(kind), 0)} lines/s`);
    rows.push(rate('element'), rate('xterm'), rate('pre'));
    const ratio = sustained('element') / sustained('xterm');
    rows.push(single(B, 'throughput: <task-log> / xterm.js', `${fmt(ratio)}x`, '>= 2x', ratio >= 2));
    const D = `${B} diagnostic`;
    for (const kind of KINDS) {
      const first = steps[kind][0];
      if (first) rows.push(single(D, `script per frame at ${fmt(first.rate, 0)} lines/s, CPU max / p99: ${LABEL[kind]}`, `${fmt(first.maxScript)} / ${fmt(first.p99Script)} ms`));
    }
    const e = steps.element[0];
    if (e) {
      rows.push(
        single(D, `<task-log> at ${fmt(e.rate, 0)} lines/s: renders / frames; time per render (wall)`, `${e.renders.count} / ${e.renders.frames}; ${fmt(e.renders.ms / Math.max(1, e.renders.count))} ms`),
        single(D, `<task-log> at ${fmt(e.rate, 0)} lines/s: style and layout forced inside script`, `${fmt(e.forcedLayout, 0)} of ${fmt(e.scriptTotal, 0)} ms CPU (${fmt((100 * e.forcedLayout) / e.scriptTotal, 0)}%)`),
      );
    }
    rows.push(
      single(D, 'throughput, 99% of frames\' script <= 8 ms: <task-log> / xterm.js / <pre>', KINDS.map((k) => fmt(sustainedP99(k), 0)).join(' / ') + ' lines/s'),
    );
    for (const kind of KINDS) {
      const l = long[kind];
      if (typeof l === 'string' || l === undefined) {
        rows.push(single(B, `long log (${fmt(options.lines, 0)} lines): ${LABEL[kind]}`, 'not measured', '', kind === 'element' ? false : undefined));
        continue;
      }
      const mine = kind === 'element';
      const growth = l.heapGrowth / l.bytes;
      rows.push(single(B, `JS heap growth / log UTF-8 (${fmt(l.bytes / 1e6, 1)} MB): ${LABEL[kind]}`, `${fmt(growth)}x (+${fmt(l.heapGrowth / 1e6, 1)} MB)`, mine ? '<= 2.5x' : '', mine ? growth <= 2.5 : undefined));
      rows.push(single(B, `renderer private memory growth / log UTF-8: ${LABEL[kind]}`, `${fmt(l.processGrowth / l.bytes)}x (+${fmt(l.processGrowth / 1e6, 1)} MB)`));
      if (l.held < options.lines) rows.push(single(B, `lines taken within the feed's ${fmt(options.feedBudgetMs / 1000, 0)} s (the figures below are at that size): ${LABEL[kind]}`, `${fmt(l.held, 0)} of ${fmt(options.lines, 0)}`));
      rows.push(single(B, `DOM nodes (${mine ? 'shadow root' : 'container'}), ${fmt(l.held, 0)} lines: ${LABEL[kind]}`, String(l.nodes), mine ? '<= 400' : '', mine ? l.nodes <= 400 : undefined));
      rows.push(
        single(B, `scroll top to bottom, p95 frame, main-thread CPU (wall): ${LABEL[kind]}`, `${fmt(l.scrollP95)} ms (${fmt(l.scrollP95Wall)} ms)`, mine ? '<= 16 ms' : '', mine ? l.scrollP95 <= 16 : undefined),
      );
      rows.push(single(B, `jump to line ${fmt(Math.ceil(l.held / 2), 0)} shown in the next frame: ${LABEL[kind]}`, l.jump.nextFrame ? 'yes' : l.jump.afterTwo ? 'no (the one after)' : 'no', mine ? 'yes' : '', mine ? l.jump.nextFrame : undefined));
      rows.push(single(B, `count '${SEARCH}' (${fmt(l.search.count, 0)} matches), wall (script CPU meanwhile): ${LABEL[kind]}`, `${fmt(l.search.ms, 0)} ms (${fmt(l.search.scriptCpu, 0)} ms)`, mine ? '<= 150 ms' : '(page reads the buffer)', mine ? l.search.ms <= 150 : undefined));
      rows.push(
        single(B, `longest main-thread task during the search, CPU (wall): ${LABEL[kind]}`, `${fmt(l.search.longestTaskCpu, 0)} ms (${fmt(l.search.longestTask, 0)} ms)`, mine ? '<= 50 ms' : '', mine ? l.search.longestTaskCpu <= 50 : undefined),
      );
    }
    rows.push(row(B, `late join, ${fmt(options.lateJoinLines, 0)} lines kept: connect -> last screen shown`, joins, { unit: ' ms', digits: 0, target: '<= 500 ms', ok: (m) => m <= 500 }));
    rows.push(row(B, 'late join: scrolled to the top -> an earlier range drawn', ups, { unit: ' ms', digits: 0 }));
    if (options.size) rows.push(...(await runTaskLogSize()));
    return rows;
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Alone: node --import tsx bench/task-log.ts [--quick] [--lines N] [--rates a,b,…] [--no-size]
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, lines: { type: 'string' }, rates: { type: 'string' }, 'no-size': { type: 'boolean' } } });
  let options = values.quick ? TASK_LOG_QUICK : TASK_LOG_DEFAULTS;
  if (values.lines) options = { ...options, lines: Number(values.lines), lateJoinLines: Math.min(options.lateJoinLines, Number(values.lines)) };
  if (values.rates) options = { ...options, rates: values.rates.split(',').map(Number) };
  if (values['no-size']) options = { ...options, size: false };
  const { printTable } = await import('./stats.js');
  printTable(await runTaskLog(options));
}
