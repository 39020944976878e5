/**
 * Routing: the cost per event of the ProgressClient with 10 and with 10,000 subscriptions to
 * other entities, against a router that checks every listener per event (as the AInTandem client
 * does: one listener per subscription and event type, each comparing ids), measured side by side.
 *
 * Frames go in as text through the client's own socket path (parse, validate, state, routing,
 * delivery); a socket stand-in only hands them over, so no network cost is measured. The client
 * is bundled with esbuild first, as a page's build would ship it (run through tsx, every closure it
 * creates would also pay for a `__name()` call).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CONTAINER_EVENT_TYPES, TASK_EVENT_TYPES, WORKFLOW_EVENT_TYPES, type ProgressEvent } from '../src/protocol/events.js';
import type { WebSocketLike } from '../src/client/websocket-manager.js';
import { row, summarize, type ResultRow } from './stats.js';

export interface RoutingOptions {
  runs: number;
  /** ms per timed run (whole chunks of 500 events). */
  runMs: number;
  /** Subscriptions to other entities: the small and the large case. */
  few: number;
  many: number;
}

export const ROUTING_DEFAULTS: RoutingOptions = { runs: 15, runMs: 150, few: 10, many: 10000 };

type Client = typeof import('./routing-entry.js');

/** src/client bundled to a temporary module and imported. */
async function loadClient(): Promise<Client> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./routing-entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const dir = await mkdtemp(join(tmpdir(), 'progress-bench-routing-'));
  const file = join(dir, 'client.mjs');
  await writeFile(file, result.outputFiles[0]!.text);
  try {
    return (await import(pathToFileURL(file).href)) as Client;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PROJECT = 'bench';
const TARGET = 'target-task';

/** Hands frames to the client as a server would; opens at once, sends nothing anywhere. */
class FrameFeed implements WebSocketLike {
  static last: FrameFeed | undefined;
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FrameFeed.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
  deliver(data: string): void {
    this.onmessage?.({ data });
  }
}

/** Frames of one task making progress (all for the subscribed entity), cycling through steps. */
function targetFrames(count: number): string[] {
  const timestamp = new Date().toISOString();
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const event: ProgressEvent = {
      type: 'step_progress',
      projectId: PROJECT,
      taskId: TARGET,
      timestamp,
      stepId: `s${i % 5}`,
      step: `Step ${(i % 5) + 1}`,
      status: 'running',
      progress: i % 100,
      message: `item ${i}`,
    };
    frames.push(JSON.stringify(event));
  }
  return frames;
}

interface Router {
  name: string;
  deliver(frame: string): void;
  /** Calls received by the one subscription to the target. */
  readonly hits: number;
  /** Calls received by the subscriptions to other entities (must stay 0). */
  readonly strayCalls: number;
  close(): void;
}

/** The ProgressClient with `others` subscriptions to other tasks, workflows and containers of the project, and one to the target. */
async function progressClientRouter({ ProgressClient }: Client, others: number): Promise<Router> {
  const client = new ProgressClient({ url: 'ws://routing.bench/ws', WebSocket: FrameFeed, heartbeatInterval: 0, reconnect: false });
  let hits = 0;
  let sink = 0;
  for (let i = 0; i < others; i++) {
    const onEvent = () => sink++;
    switch (i % 3) {
      case 0:
        client.subscribeToTask({ projectId: PROJECT, taskId: `task-${i}`, onEvent, onState: onEvent });
        break;
      case 1:
        client.subscribeToWorkflow({ projectId: PROJECT, workflowId: `wf-${i}`, executionId: `ex-${i}`, onEvent, onState: onEvent });
        break;
      default:
        client.subscribeToContainer({ projectId: PROJECT, containerId: `c-${i}`, onEvent, onState: onEvent });
    }
  }
  const subscription = client.subscribeToTask({ projectId: PROJECT, taskId: TARGET, onEvent: () => hits++, onState: () => hits++ });
  const feed = FrameFeed.last!;
  await subscription.ready;
  return {
    name: `ProgressClient, ${others} others`,
    deliver: (frame) => feed.deliver(frame),
    get hits() {
      return hits;
    },
    get strayCalls() {
      return sink;
    },
    close: () => client.close(),
  };
}

type Listener = (event: { type: string; projectId: string; taskId?: string; workflowId?: string; executionId?: string; containerId?: string }) => void;


/**
 * The baseline: listeners kept per event type, as an event emitter does; every subscription adds
 * one listener per event type of its kind, and each listener compares the event's ids with its
 * own. Per event, every listener of that type runs.
 */
function linearScanRouter(others: number): Router {
  const listeners = new Map<string, Listener[]>();
  const on = (type: string, listener: Listener) => {
    let list = listeners.get(type);
    if (!list) listeners.set(type, (list = []));
    list.push(listener);
  };
  let hits = 0;
  let sink = 0;
  const subscribe = (types: readonly string[], matches: (event: Parameters<Listener>[0]) => boolean, handler: () => void) => {
    for (const type of types) on(type, (event) => {
      if (matches(event)) handler();
    });
  };
  for (let i = 0; i < others; i++) {
    const handler = () => sink++;
    switch (i % 3) {
      case 0: {
        const taskId = `task-${i}`;
        subscribe(TASK_EVENT_TYPES, (e) => e.projectId === PROJECT && e.taskId === taskId, handler);
        break;
      }
      case 1: {
        const workflowId = `wf-${i}`;
        const executionId = `ex-${i}`;
        subscribe(WORKFLOW_EVENT_TYPES, (e) => e.workflowId === workflowId && e.executionId === executionId, handler);
        break;
      }
      default: {
        const containerId = `c-${i}`;
        subscribe(CONTAINER_EVENT_TYPES, (e) => e.projectId === PROJECT && e.containerId === containerId, handler);
      }
    }
  }
  subscribe(TASK_EVENT_TYPES, (e) => e.projectId === PROJECT && e.taskId === TARGET, () => hits++);
  return {
    name: `linear scan, ${others} others`,
    deliver(frame) {
      const event = JSON.parse(frame) as Parameters<Listener>[0];
      const list = listeners.get(event.type);
      if (list) for (const listener of list) listener(event);
    },
    get hits() {
      return hits;
    },
    get strayCalls() {
      return sink;
    },
    close: () => listeners.clear(),
  };
}

/** ns per event over one timed run of about `ms`; returns it and the events delivered. */
function timeRun(router: Router, frames: readonly string[], ms: number): { ns: number; events: number } {
  const budget = BigInt(Math.round(ms * 1e6));
  const t0 = process.hrtime.bigint();
  let events = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < 500; i++, events++) router.deliver(frames[events % frames.length]!);
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < budget);
  return { ns: Number(elapsed) / events, events };
}

/**
 * Bytes allocated per event, read from the heap before and after a short run with no collection
 * in between (checked with a GC observer: a run during which one ran is discarded).
 */
async function bytesPerEvent(router: Router, frames: readonly string[]): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  const { PerformanceObserver } = await import('node:perf_hooks');
  const samples: number[] = [];
  const gcTimes: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcTimes.push(entry.startTime, entry.startTime + entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let attempt = 0; attempt < 10 && samples.length < 3; attempt++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
    const n = 500;
    const t0 = performance.now();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) router.deliver(frames[i % frames.length]!);
    const after = process.memoryUsage().heapUsed;
    const t1 = performance.now();
    await new Promise((r) => setTimeout(r, 5));
    if (!gcTimes.some((t) => t >= t0 && t <= t1)) samples.push((after - before) / n);
  }
  observer.disconnect();
  return summarize(samples).median;
}

export async function runRouting(options: RoutingOptions = ROUTING_DEFAULTS): Promise<ResultRow[]> {
  const frames = targetFrames(1000);
  const lib = await loadClient();
  const { ProgressStore, decodeFrame } = lib;
  // Where the client's cost per event goes: the parser alone, then the parser and the state store.
  const store = new ProgressStore();
  let applied = 0;
  const stage = (name: string, deliver: (frame: string) => void): Router => ({ name, deliver, hits: 0, strayCalls: 0, close() {} });
  const routers = {
    clientFew: await progressClientRouter(lib, options.few),
    clientMany: await progressClientRouter(lib, options.many),
    scanFew: linearScanRouter(options.few),
    scanMany: linearScanRouter(options.many),
    parse: stage('parse', (frame) => void (applied += decodeFrame(frame).messages.length)),
    parseState: stage('parse+state', (frame) => {
      for (const message of decodeFrame(frame).messages) if (store.apply(message as ProgressEvent)) applied++;
    }),
  };
  type Key = keyof typeof routers;
  const keys = Object.keys(routers) as Key[];
  const ns = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<Key, number[]>;
  const delivered = Object.fromEntries(keys.map((key) => [key, 0])) as Record<Key, number>;

  // Warm up every router (JIT), then time them in rotating order, several runs each.
  for (const key of keys) delivered[key] += timeRun(routers[key], frames, options.runMs / 2).events;
  for (let run = 0; run < options.runs; run++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(run + j) % keys.length]!;
      const result = timeRun(routers[key], frames, options.runMs);
      ns[key].push(result.ns);
      delivered[key] += result.events;
    }
  }
  for (const key of ['clientFew', 'clientMany', 'scanFew', 'scanMany'] as const) {
    const r = routers[key];
    // The client calls onEvent and onState once per event; the scan calls its one listener once.
    const want = key.startsWith('client') ? 2 * delivered[key] : delivered[key];
    if (r.strayCalls !== 0) throw new Error(`${r.name}: subscriptions to other entities were called ${r.strayCalls} times`);
    if (r.hits !== want) throw new Error(`${r.name}: the target subscription saw ${r.hits} calls, expected ${want}`);
  }
  if (applied === 0) throw new Error('the parser accepted no frame');

  const bytes: Partial<Record<Key, number>> = {};
  for (const key of keys) bytes[key] = await bytesPerEvent(routers[key], frames);
  for (const key of keys) routers[key].close();

  const ratio = (a: Key, b: Key) => ns[a].map((v, i) => v / ns[b][i]!);
  const B = 'routing (Node)';
  const us = (values: number[]) => values.map((v) => v / 1000);
  const kb = (key: Key) => (bytes[key] === undefined || !Number.isFinite(bytes[key]!) ? 'n/a' : `${(bytes[key]! / 1024).toFixed(1)} KiB`);
  console.log(
    `  routing: allocated per event (approx.): client ${kb('clientFew')} / ${kb('clientMany')} (${options.few} / ${options.many} others), of which parse ${kb('parse')}, ` +
      `parse + state ${kb('parseState')}; linear scan ${kb('scanFew')} / ${kb('scanMany')}`,
  );
  return [
    row(B, `ProgressClient, ${options.few} other subscriptions`, us(ns.clientFew), { unit: ' µs/event' }),
    row(B, `ProgressClient, ${options.many} other subscriptions`, us(ns.clientMany), { unit: ' µs/event' }),
    row(B, `ProgressClient: cost ${options.many} / ${options.few}`, ratio('clientMany', 'clientFew'), { target: '<= 1.5', ok: (m) => m <= 1.5 }),
    row(B, `linear scan, ${options.few} other subscriptions`, us(ns.scanFew), { unit: ' µs/event' }),
    row(B, `linear scan, ${options.many} other subscriptions`, us(ns.scanMany), { unit: ' µs/event' }),
    row(B, `linear scan: cost ${options.many} / ${options.few}`, ratio('scanMany', 'scanFew'), { target: '(baseline)' }),
    row(B, `ProgressClient / linear scan, ${options.few} others`, ratio('clientFew', 'scanFew'), { target: '<= 2', ok: (m) => m <= 2 }),
    row(B, `ProgressClient / linear scan, ${options.many} others`, ratio('clientMany', 'scanMany')),
    row(B, 'ProgressClient: bytes allocated per step_progress event', [bytes.clientFew ?? NaN], { unit: ' B', digits: 0, target: '<= 1024', ok: (m) => m <= 1024 }),
    row(B, 'of the client cost: parse + validate (decodeFrame)', us(ns.parse), { unit: ' µs/event' }),
    row(B, 'of the client cost: parse + state (+ ProgressStore.apply)', us(ns.parseState), { unit: ' µs/event' }),
  ];
}
