/**
 * Server-Sent Events into the page, in Chromium: events per second from the reference server into
 * 1,000 live elements over a stream against the same over WebSocket, in one run (both through the
 * same proxy of the tests' own: one that refuses upgrades makes the page fall back, one that passes
 * everything keeps it on WebSocket, so that the hop is the same); and the time from the start of a
 * page to live when the upgrade is refused and when the frames after it are dropped.
 */
import type { TestContext } from 'node:test';
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer } from '../src/server/index.js';
import { Browser } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import { startBlockingProxy, type ProxyMode } from '../test/node/helpers/blocking-proxy.js';
import { floodEvents, publishInChunks } from './events.js';
import { fmt, row, withTimeout, type ResultRow } from './stats.js';

export interface SseEndToEndOptions {
  rounds: number;
  elements: number;
  /** step_progress events per task in a flood (each task also gets one task_completed). */
  perTask: number;
  /** Page loads timed per way of getting in the way. */
  loads: number;
  /** The first-frame bound the pages are given for the timing of a silent socket, ms. */
  firstFrameTimeout: number;
}

export const SSE_E2E_DEFAULTS: SseEndToEndOptions = { rounds: 3, elements: 1000, perTask: 10, loads: 5, firstFrameTimeout: 1000 };

/** Cleanups, run in reverse order at the end (the proxy takes them as a test's `after`). */
const cleanups: (() => unknown)[] = [];
const owner = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;

interface FloodRun {
  events: number;
  ms: number;
  eventsPerSecond: number;
}

export async function runSseEndToEnd(options: SseEndToEndOptions = SSE_E2E_DEFAULTS): Promise<ResultRow[]> {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  let prepared: ProgressEvent[] = [];
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['e2e-page'], { flood: () => publishInChunks(server, prepared) });
  const timing = await startPageServer(new URL('../test/node/transports/pages/', import.meta.url), ['transport-page']);
  const proxy = await startBlockingProxy(owner, server.port, 'pass');
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  sse-e2e: ${text}`);
  try {
    const page = await browser.newPage();
    const template = `ws://127.0.0.1:${proxy.port}/api/progress/subscribe/{projectId}`;
    const n = options.elements;
    const total = n * (options.perTask + 1);
    let runId = 0;

    const flood = async (mode: ProxyMode, expected: 'websocket' | 'sse'): Promise<FloodRun> => {
      const projectId = `sse-e2e-${runId++}`;
      prepared = floodEvents(projectId, n, options.perTask);
      proxy.mode = mode;
      // Which transport the page goes over: a stream is a plain request through the proxy.
      const streams = proxy.requests;
      await page.goto(pages.pageUrl('e2e-page'));
      await page.call('configure', template, true);
      const subscriptions = await withTimeout(page.call<number>('mount', projectId, n, 'detailed'), 60000, 'mount');
      if (subscriptions !== n) throw new Error(`expected ${n} subscriptions, got ${subscriptions}`);
      const over = proxy.requests > streams ? 'sse' : 'websocket';
      if (over !== expected) throw new Error(`the page went over ${over}, not ${expected}`);
      const result = await withTimeout(page.call<FloodRun>('flood', total), 90000, `${expected}: flood`);
      await page.call('reset');
      log(`${expected}: ${fmt(result.eventsPerSecond, 0)} events/s (${result.events} in ${fmt(result.ms, 0)} ms)`);
      return result;
    };

    const runs: Record<'websocket' | 'sse', FloodRun[]> = { websocket: [], sse: [] };
    for (let round = 0; round < options.rounds; round++) {
      // Alternate which goes first.
      const order: ['pass' | 'refuse-403', 'websocket' | 'sse'][] = [['pass', 'websocket'], ['refuse-403', 'sse']];
      if (round % 2 === 1) order.reverse();
      for (const [mode, expected] of order) runs[expected].push(await flood(mode, expected));
    }

    // From the page's start to live (the client's first `connected`), a fresh page each time.
    const live: Record<string, number[]> = { 'refuse-403': [], reset: [], 'drop-frames': [], pass: [] };
    for (let i = 0; i < options.loads; i++) {
      for (const mode of Object.keys(live) as ProxyMode[]) {
        proxy.mode = mode;
        const tab = await browser.newPage();
        const params = new URLSearchParams({ url: template, firstFrameTimeout: String(options.firstFrameTimeout) });
        await tab.goto(`${timing.pageUrl('transport-page')}?${params}`);
        const end = Date.now() + 10000;
        let at: { at: number; over: string } | undefined;
        while (!(at = await tab.call<{ at: number; over: string } | undefined>('live'))) {
          if (Date.now() > end) throw new Error(`${mode}: never live`);
          await new Promise((r) => setTimeout(r, 20));
        }
        if (at.over !== (mode === 'pass' ? 'websocket' : 'sse')) throw new Error(`${mode}: live over ${at.over}`);
        live[mode]!.push(at.at);
        await tab.call('leave');
        await browser.closePage(tab);
      }
    }
    log(`page start -> live: ${Object.entries(live).map(([mode, times]) => `${mode} ${times.map((t) => fmt(t, 0)).join('/')} ms`).join('; ')}`);

    const B = `Server-Sent Events into the page (${n} elements)`;
    const ev = { unit: ' ev/s', digits: 0 };
    const bound = options.firstFrameTimeout + 1000;
    return [
      row(B, 'elements over WebSocket (batching, through the passing proxy)', runs.websocket.map((r) => r.eventsPerSecond), ev),
      row(B, 'elements over Server-Sent Events (batching, upgrade refused)', runs.sse.map((r) => r.eventsPerSecond), ev),
      row(B, 'Server-Sent Events / WebSocket', runs.sse.map((r, i) => r.eventsPerSecond / runs.websocket[i]!.eventsPerSecond)),
      row(B, 'page start -> live, upgrade passed (WebSocket)', live['pass']!, { unit: ' ms', digits: 0 }),
      row(B, 'page start -> live, upgrade refused (403)', live['refuse-403']!, { unit: ' ms', digits: 0, target: '<= 1000 ms', ok: (m) => m <= 1000 }),
      row(B, 'page start -> live, upgrade reset', live['reset']!, { unit: ' ms', digits: 0, target: '<= 1000 ms', ok: (m) => m <= 1000 }),
      row(B, `page start -> live, frames dropped (bound ${options.firstFrameTimeout} ms)`, live['drop-frames']!, {
        unit: ' ms',
        digits: 0,
        target: `<= ${bound} ms`,
        ok: (m) => m <= bound,
      }),
    ];
  } finally {
    await browser.close();
    await pages.close();
    await timing.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await server.close();
  }
}
