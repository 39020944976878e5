/**
 * In Chromium, against what a page would use instead: the same flood (1,000 tasks, each making
 * `perTask` steps of progress, then completing) shown by
 *
 * - a page on socket.io-client, fed by a socket.io server, setting 1,000 plain bars
 *   (bench/browser/plain-bars.ts: a minimal Lit element of the benchmark's own);
 * - a page on partysocket (a reconnecting WebSocket, no protocol of its own), fed by the reference
 *   server with single-event frames, parsing each frame and setting the same bars: the "write it
 *   yourself" page;
 * - our client alone, setting the same bars from each task's state, with and without batch frames;
 * - our client driving 1,000 `<task-progress>` elements (bench/browser/e2e-page.ts), with and
 *   without batch frames;
 * - and, as a diagnostic of what partysocket adds, the browser's own WebSocket on the same page.
 *
 * Each run ends when every bar shows 100% (every element "Completed"). Besides events per second,
 * the page's main-thread time during the flood (DevTools Performance metrics) says what the page
 * itself spent, apart from what the servers on the other core spent.
 */
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer, ProgressJournal } from '../src/server/index.js';
import { Browser, type Page } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import { floodEvents, inChunks, publishInChunks } from './events.js';
import { startSocketIoServer } from './peer-socketio-server.js';
import { fmt, row, single, withTimeout, type ResultRow } from './stats.js';

export interface PeerEndToEndOptions {
  rounds: number;
  elements: number;
  /** step_progress events per task in a flood (each task also gets one task_completed). */
  perTask: number;
  /**
   * step_progress events per task of the long floods that follow, our client's batching pages
   * only (plain bars and `<task-progress>`): the cost per event once each card has its rows,
   * apart from making them. 0: none.
   */
  longPerTask: number;
}

export const PEER_E2E_DEFAULTS: PeerEndToEndOptions = { rounds: 4, elements: 1000, perTask: 10, longPerTask: 100 };

interface Variant {
  label: string;
  page: 'peer-socketio-page' | 'peer-partysocket-page' | 'peer-client-bars-page' | 'e2e-page';
  batch: boolean;
  /** The partysocket page on the browser's own WebSocket. */
  native?: boolean;
}

const VARIANTS = {
  socketio: { label: 'socket.io-client -> plain bars', page: 'peer-socketio-page', batch: false },
  partysocket: { label: 'partysocket -> plain bars (reference server, single-event frames)', page: 'peer-partysocket-page', batch: false },
  clientBars: { label: 'our client -> plain bars, no batching', page: 'peer-client-bars-page', batch: false },
  clientBarsBatch: { label: 'our client -> plain bars, batching', page: 'peer-client-bars-page', batch: true },
  elements: { label: 'our client -> <task-progress>, no batching', page: 'e2e-page', batch: false },
  elementsBatch: { label: 'our client -> <task-progress>, batching', page: 'e2e-page', batch: true },
  native: { label: "browser's WebSocket -> plain bars (reference server, single-event frames)", page: 'peer-partysocket-page', batch: false, native: true },
} satisfies Record<string, Variant>;
type Mode = keyof typeof VARIANTS;

interface FloodRun {
  events: number;
  ms: number;
  eventsPerSecond: number;
  server: { publishMs: number; cpuMs: number };
  /** Main-thread ms by kind during the flood. */
  main: Record<string, number>;
  /** Why the page could not show the whole flood (the figures are then NaN). */
  failed?: string;
}

export async function runPeerEndToEnd(options: PeerEndToEndOptions = PEER_E2E_DEFAULTS): Promise<ResultRow[]> {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  const socketio = await startSocketIoServer(['websocket']);
  // What the next flood publishes, and through which server.
  let prepared: { via: 'reference'; events: ProgressEvent[] } | { via: 'socketio'; projectId: string; events: unknown[] } = { via: 'reference', events: [] };
  let publishing: Promise<unknown> = Promise.resolve();
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['peer-socketio-page', 'peer-partysocket-page', 'peer-client-bars-page', 'e2e-page'], {
    flood: () => {
      const p = prepared;
      publishing = p.via === 'reference' ? publishInChunks(server, p.events) : inChunks(p.events.length, (i) => socketio.emit(p.projectId, p.events[i]), 100);
      return publishing;
    },
  });
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  peer-e2e: ${text}`);
  try {
    const page = await browser.newPage();
    await page.send('Performance.enable');
    const n = options.elements;
    const template = `${server.url}/api/progress/subscribe/{projectId}`;
    let runId = 0;

    const mount = async (variant: Variant, projectId: string): Promise<number> => {
      switch (variant.page) {
        case 'peer-socketio-page':
          return page.call<number>('mount', socketio.url, projectId, n);
        case 'peer-partysocket-page':
          return page.call<number>('mount', `${server.url}/api/progress/subscribe/${projectId}`, n, variant.native === true);
        case 'peer-client-bars-page':
          return page.call<number>('mount', template, variant.batch, projectId, n);
        case 'e2e-page':
          await page.call('configure', template, variant.batch);
          return page.call<number>('mount', projectId, n, 'detailed');
      }
    };

    const flood = async (variant: Variant, perTask = options.perTask): Promise<FloodRun> => {
      const projectId = `peer-e2e-${runId++}`;
      const total = n * (perTask + 1);
      const events = floodEvents(projectId, n, perTask);
      if (variant.page === 'peer-socketio-page') {
        // The very events the reference server would send: numbered by a journal.
        const journal = new ProgressJournal();
        prepared = { via: 'socketio', projectId, events: events.map((event) => JSON.parse(journal.append(event).frame) as unknown) };
      } else {
        prepared = { via: 'reference', events };
      }
      await page.goto(pages.pageUrl(variant.page));
      const mounted = await withTimeout(mount(variant, projectId), 60000, `${variant.label}: mount`);
      if (mounted !== n) throw new Error(`${variant.label}: ${mounted} bars or subscriptions, expected ${n}`);
      const before = await page.mainThreadTimes();
      let result: Omit<FloodRun, 'main'>;
      try {
        result = await withTimeout(page.call<Omit<FloodRun, 'main'>>('flood', total), 90000, `${variant.label}: flood`);
      } catch (error) {
        // A page that lost events (its socket was closed under it) cannot finish: count it and go on.
        const failed = String((error as Error).message).replace(/^in page: Error: /, '').split('\n')[0]!;
        log(`${variant.label}: did not complete: ${failed}`);
        await page.call('reset');
        await publishing;
        return { events: total, ms: NaN, eventsPerSecond: NaN, server: { publishMs: NaN, cpuMs: NaN }, main: { TaskDuration: NaN }, failed };
      }
      const after = await page.mainThreadTimes();
      await page.call('reset');
      const main = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k]! - (before[k] ?? 0)) * 1000]));
      log(
        `${variant.label}: ${fmt(result.eventsPerSecond, 0)} events/s (${result.events} in ${fmt(result.ms, 0)} ms; server publish loop ${fmt(result.server.publishMs, 0)} ms); ` +
          `main thread ms: all tasks ${fmt(main.TaskDuration!, 0)}, script ${fmt(main.ScriptDuration!, 0)}, style ${fmt(main.RecalcStyleDuration!, 0)}, layout ${fmt(main.LayoutDuration!, 0)}`,
      );
      return { ...result, main };
    };

    log(`${n} bars or elements, ${n * (options.perTask + 1)} events per flood; page is ${await visibility(page, pages.pageUrl('peer-client-bars-page'))}`);
    const runs = Object.fromEntries(Object.keys(VARIANTS).map((mode) => [mode, [] as FloodRun[]])) as Record<Mode, FloodRun[]>;
    const modes = Object.keys(VARIANTS) as Mode[];
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so that no variant always runs first (or right after another).
      for (let j = 0; j < modes.length; j++) {
        const mode = modes[(round + j) % modes.length]!;
        runs[mode].push(await flood(VARIANTS[mode]));
      }
    }
    // Long floods: every card makes its rows early on; the rest is the cost per event.
    const long = { clientBarsBatch: [] as FloodRun[], elementsBatch: [] as FloodRun[] };
    for (let round = 0; options.longPerTask > 0 && round < Math.max(1, options.rounds - 1); round++) {
      for (const mode of round % 2 ? (['elementsBatch', 'clientBarsBatch'] as const) : (['clientBarsBatch', 'elementsBatch'] as const)) {
        long[mode].push(await flood(VARIANTS[mode], options.longPerTask));
      }
    }

    const rate = (mode: Mode) => runs[mode].map((run) => run.eventsPerSecond);
    const ratio = (a: Mode, b: Mode) => runs[a].map((run, i) => run.eventsPerSecond / runs[b][i]!.eventsPerSecond);
    const mainMs = (mode: Mode) => runs[mode].map((run) => run.main.TaskDuration!);
    const mainRatio = (a: Mode, b: Mode) => runs[a].map((run, i) => run.main.TaskDuration! / runs[b][i]!.main.TaskDuration!);
    const publishMs = (mode: Mode) => runs[mode].map((run) => run.server.publishMs);
    const B = `peers: e2e Chromium (${n} bars or elements)`;
    const ev = { unit: ' ev/s', digits: 0 };
    const ms = { unit: ' ms', digits: 0 };
    const main = modes.filter((mode) => mode !== 'native');
    const D = `${B} diagnostic`;
    return [
      ...main.map((mode) => row(B, VARIANTS[mode].label, rate(mode), ev)),
      row(B, 'our client -> plain bars (no batching) / socket.io-client', ratio('clientBars', 'socketio'), { target: '(context)' }),
      row(B, 'our client -> plain bars (batching) / socket.io-client', ratio('clientBarsBatch', 'socketio'), { target: '(context)' }),
      row(B, '<task-progress> (no batching) / socket.io-client -> plain bars', ratio('elements', 'socketio'), { target: '(context)' }),
      row(B, '<task-progress> (batching) / socket.io-client -> plain bars', ratio('elementsBatch', 'socketio'), { target: '(context)' }),
      row(B, 'partysocket -> plain bars / socket.io-client', ratio('partysocket', 'socketio'), { target: '(context)' }),
      row(B, 'our client -> plain bars (no batching) / partysocket', ratio('clientBars', 'partysocket'), { target: '(context)' }),
      row(B, 'our client -> plain bars (batching) / partysocket', ratio('clientBarsBatch', 'partysocket'), { target: '(context)' }),
      row(B, '<task-progress> / our client -> plain bars, no batching (cost of the elements)', ratio('elements', 'clientBars')),
      row(B, '<task-progress> / our client -> plain bars, batching (cost of the elements, each card making its rows)', ratio('elementsBatch', 'clientBarsBatch'), {
        target: '>= 0.7',
        ok: (m) => m >= 0.7,
      }),
      ...(long.elementsBatch.length === 0
        ? []
        : [
            row(B, `our client -> plain bars, batching, ${options.longPerTask + 1} events per task`, long.clientBarsBatch.map((r) => r.eventsPerSecond), ev),
            row(B, `our client -> <task-progress>, batching, ${options.longPerTask + 1} events per task`, long.elementsBatch.map((r) => r.eventsPerSecond), ev),
            row(
              B,
              `<task-progress> / our client -> plain bars, batching, ${options.longPerTask + 1} events per task (cost per event once the cards have their rows)`,
              long.elementsBatch.map((r, i) => r.eventsPerSecond / long.clientBarsBatch[i]!.eventsPerSecond),
              { target: '>= 0.7', ok: (m) => m >= 0.7 },
            ),
          ]),
      ...main.map((mode) => row(B, `main-thread time per flood: ${VARIANTS[mode].label}`, mainMs(mode), ms)),
      row(B, 'main-thread time: our client -> plain bars (no batching) / socket.io-client', mainRatio('clientBars', 'socketio')),
      row(B, 'main-thread time: our client -> plain bars (no batching) / partysocket', mainRatio('clientBars', 'partysocket')),
      row(B, 'main-thread time: our client -> plain bars (batching) / socket.io-client', mainRatio('clientBarsBatch', 'socketio')),
      row(B, 'main-thread time: <task-progress> (batching) / socket.io-client', mainRatio('elementsBatch', 'socketio')),
      row(B, 'server publish loop per flood: socket.io server', publishMs('socketio'), ms),
      row(B, 'server publish loop per flood: reference server, single-event frames (partysocket runs)', publishMs('partysocket'), ms),
      row(D, VARIANTS.native.label, rate('native'), ev),
      row(D, 'partysocket / browser WebSocket (same page, same frames)', ratio('partysocket', 'native')),
      row(D, 'main-thread time: partysocket / browser WebSocket', mainRatio('partysocket', 'native')),
      row(D, 'our client -> plain bars (no batching) / browser WebSocket', ratio('clientBars', 'native')),
      row(D, 'main-thread time: our client -> plain bars (no batching) / browser WebSocket', mainRatio('clientBars', 'native')),
      ...modes
        .filter((mode) => runs[mode].some((run) => run.failed))
        .map((mode) =>
          single(mode === 'native' ? D : B, `floods not completed: ${VARIANTS[mode].label}`, `${runs[mode].filter((run) => run.failed).length} of ${runs[mode].length}`, '0', false),
        ),
    ];
  } finally {
    await browser.close();
    await pages.close();
    await socketio.close();
    await server.close();
  }
}

/** document.visibilityState of a page (the flood figures assume a visible page that renders). */
async function visibility(page: Page, url: string): Promise<string> {
  await page.goto(url);
  return page.evaluate<string>('document.visibilityState');
}
