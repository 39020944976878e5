/**
 * End to end in Chromium: events per second from the reference server into 1,000 live elements,
 * with batch frames and without, against a baseline page that only receives the same frames on a
 * raw WebSocket and parses them; renders per element per animation frame; and the time from
 * publish to render of a lone event on an idle stream, with and without batching.
 *
 * Every flood is the same stream: each of the 1,000 tasks makes `perTask` steps of progress,
 * interleaved as concurrent tasks produce them, then completes. A run ends when every element
 * shows its task as completed (the baseline: when it has parsed every event).
 */
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer } from '../src/server/index.js';
import { Browser } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import { floodEvents, publishInChunks, stepEvent } from './events.js';
import { fmt, row, summarize, withTimeout, type ResultRow } from './stats.js';

export interface EndToEndOptions {
  rounds: number;
  elements: number;
  /** step_progress events per task in a flood (each task also gets one task_completed). */
  perTask: number;
  latencySamples: number;
  /** The elements' layout attribute (detailed is the default an element has). */
  layout: 'detailed' | 'compact';
  /** Also run the diagnostic variant (elements off screen not rendered) in every round. */
  diagnostics: boolean;
}

export const E2E_DEFAULTS: EndToEndOptions = { rounds: 4, elements: 1000, perTask: 10, latencySamples: 40, layout: 'detailed', diagnostics: true };

interface Variant {
  label: string;
  page: 'raw-page' | 'e2e-page';
  batch: boolean;
  /** Page CSS on the host elements (diagnostics). */
  hostCss?: string;
}

const VARIANTS = {
  raw: { label: 'raw page, single-event frames', page: 'raw-page', batch: false },
  rawBatch: { label: 'raw page, batch frames', page: 'raw-page', batch: true },
  single: { label: 'elements, no batching', page: 'e2e-page', batch: false },
  batch: { label: 'elements, batching', page: 'e2e-page', batch: true },
  // Diagnostic: the same elements, with the page skipping the rendering of those off screen.
  batchSkip: {
    label: 'elements, batching, page CSS content-visibility:auto on the hosts',
    page: 'e2e-page',
    batch: true,
    hostCss: 'task-progress, workflow-tracker, container-status { content-visibility: auto; contain-intrinsic-size: auto 160px; }',
  },
} satisfies Record<string, Variant>;
type Mode = keyof typeof VARIANTS;

interface FloodRun {
  events: number;
  ms: number;
  eventsPerSecond: number;
  frames?: number;
  render?: { renders: number; elements: number; extraRenders: number; maxPerElementPerFrame: number; frames: number };
  server: { publishMs: number; cpuMs: number };
  /** Main-thread time (ms) by kind during the flood, from the DevTools Performance domain. */
  main?: Record<string, number>;
}

export async function runEndToEnd(options: EndToEndOptions = E2E_DEFAULTS): Promise<ResultRow[]> {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  let prepared: ProgressEvent[] = [];
  let loneProject = '';
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['raw-page', 'e2e-page'], {
    flood: () => publishInChunks(server, prepared),
    lone: (query) => {
      const event = stepEvent(loneProject, query.get('task') ?? 't0', 1, 2);
      (event as { message?: string }).message = query.get('message') ?? '';
      return server.publish(event);
    },
  });
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  e2e: ${text}`);
  try {
    const page = await browser.newPage();
    await page.send('Performance.enable');
    const template = `${server.url}/api/progress/subscribe/{projectId}`;
    const n = options.elements;
    const total = n * (options.perTask + 1);
    let runId = 0;

    const flood = async (variant: Variant): Promise<FloodRun> => {
      const projectId = `e2e-${runId++}`;
      prepared = floodEvents(projectId, n, options.perTask);
      await page.goto(pages.pageUrl(variant.page));
      let result: FloodRun;
      if (variant.page === 'raw-page') {
        const url = `${server.url}/api/progress/subscribe/${projectId}${variant.batch ? '?batch=1' : ''}`;
        result = await withTimeout(page.call<FloodRun>('flood', url, total), 90000, `${variant.label}: flood`);
      } else {
        if (variant.hostCss) await page.call('hostStyle', variant.hostCss);
        await page.call('configure', template, variant.batch);
        const subscriptions = await withTimeout(page.call<number>('mount', projectId, n, options.layout), 60000, 'mount');
        if (subscriptions !== n) throw new Error(`expected ${n} subscriptions, got ${subscriptions}`);
        const before = await page.mainThreadTimes();
        result = await withTimeout(page.call<FloodRun>('flood', total), 90000, `${variant.label}: flood`);
        const after = await page.mainThreadTimes();
        result.main = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k]! - (before[k] ?? 0)) * 1000]));
        await page.call('reset');
      }
      const r = result.render;
      const main = result.main;
      log(
        `${variant.label}: ${fmt(result.eventsPerSecond, 0)} events/s (${result.events} in ${fmt(result.ms, 0)} ms; server publish loop ${fmt(result.server.publishMs, 0)} ms)` +
          (r ? `; ${r.renders} renders in ${r.frames} frames, max ${r.maxPerElementPerFrame} per element per frame` : `; ${result.frames} frames`) +
          (main
            ? `; main thread ms: all tasks ${fmt(main.TaskDuration!, 0)}, script ${fmt(main.ScriptDuration!, 0)}, style ${fmt(main.RecalcStyleDuration!, 0)}, layout ${fmt(main.LayoutDuration!, 0)}`
            : ''),
      );
      return result;
    };

    await page.goto(pages.pageUrl('e2e-page'));
    const check = await page.call<{ sameFrame: number; twoFrames: number }>('selfCheck');
    log(
      `page is ${await page.call<string>('visibility')}; render counter check: two renders in one frame count ${check.sameFrame} extra (expect 1), ` +
        `renders in two frames ${check.twoFrames} (expect 0); ${n} elements, layout ${options.layout}, ${total} events per flood`,
    );

    const runs: Record<Mode, FloodRun[]> = { raw: [], rawBatch: [], single: [], batch: [], batchSkip: [] };
    const modes = (Object.keys(VARIANTS) as Mode[]).filter((mode) => options.diagnostics || mode !== 'batchSkip');
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so that no mode always runs first (or right after another).
      for (let j = 0; j < modes.length; j++) {
        const mode = modes[(round + j) % modes.length]!;
        runs[mode].push(await flood(VARIANTS[mode]));
      }
    }

    // Lone events on an idle stream: publish -> render, with and without batching, in alternating blocks.
    const latency: Record<'single' | 'batch', number[]> = { single: [], batch: [] };
    const blockMedians: number[] = [];
    const blocks: ('single' | 'batch')[] = ['batch', 'single', 'single', 'batch'];
    const perBlock = Math.max(1, Math.round(options.latencySamples / 2));
    for (const [i, mode] of blocks.entries()) {
      loneProject = `lone-${i}-${mode}`;
      await page.goto(pages.pageUrl('e2e-page'));
      await page.call('configure', template, mode === 'batch');
      await withTimeout(page.call<number>('mount', loneProject, n, options.layout), 60000, 'mount');
      const times = await withTimeout(page.call<number[]>('latency', perBlock, 100), 60000, 'latency');
      latency[mode].push(...times);
      blockMedians.push(summarize(times).median);
      await page.call('reset');
    }
    const loneBatch = summarize(latency.batch);
    const loneSingle = summarize(latency.single);
    log(`lone event publish -> render: batching ${fmt(loneBatch.median)} ms, no batching ${fmt(loneSingle.median)} ms (medians of ${loneBatch.n} and ${loneSingle.n})`);

    const rate = (mode: Mode) => runs[mode].map((run) => run.eventsPerSecond);
    const ratio = (a: Mode, b: Mode) => runs[a].map((run, i) => run.eventsPerSecond / runs[b][i]!.eventsPerSecond);
    const maxRenders = (mode: Mode) => runs[mode].map((run) => run.render?.maxPerElementPerFrame ?? NaN);
    const B = `e2e Chromium (${n} elements)`;
    const ev = { unit: ' ev/s', digits: 0 };
    const rows = [
      row(B, 'raw page: single-event frames, parsed', rate('raw'), ev),
      row(B, 'raw page: batch frames, parsed', rate('rawBatch'), ev),
      row(B, 'elements, no batching', rate('single'), ev),
      row(B, 'elements, batching', rate('batch'), ev),
      row(B, 'elements (no batching) / raw page', ratio('single', 'raw'), { target: '>= 0.8', ok: (m) => m >= 0.8 }),
      row(B, 'elements (batching) / raw page', ratio('batch', 'raw')),
      row(B, 'elements: batching / no batching', ratio('batch', 'single')),
      row(B, 'elements (batching) / raw page with batch frames', ratio('batch', 'rawBatch'), { target: '>= 0.6', ok: (m) => m >= 0.6 }),
      row(B, 'max renders of one element in one frame, no batching', maxRenders('single'), { digits: 0, target: '<= 1', ok: (m) => m <= 1 }),
      row(B, 'max renders of one element in one frame, batching', maxRenders('batch'), { digits: 0, target: '<= 1', ok: (m) => m <= 1 }),
      row(B, `renders per element per flood (${options.perTask + 1} events each), batching`, runs.batch.map((r) => (r.render?.renders ?? NaN) / n), { digits: 1 }),
      row(B, 'lone event publish -> render, batching', latency.batch, { unit: ' ms' }),
      row(B, 'lone event publish -> render, no batching', latency.single, { unit: ' ms' }),
      // Blocks ran batch, no batch, no batch, batch: each adjacent pair gives one ratio of medians.
      row(B, 'lone event latency: batching / no batching', [blockMedians[0]! / blockMedians[1]!, blockMedians[3]! / blockMedians[2]!], {
        target: 'no added latency (<= 1.25)',
        ok: (m) => m <= 1.25,
      }),
    ];
    if (options.diagnostics) {
      const D = `${B} diagnostic`;
      rows.push(
        row(D, 'elements, batching, hosts content-visibility:auto (page CSS)', rate('batchSkip'), ev),
        row(D, 'the same / elements, batching', ratio('batchSkip', 'batch')),
        row(D, 'the same / raw page', ratio('batchSkip', 'raw'), { target: '(context for >= 0.8)' }),
        row(D, 'max renders of one element in one frame', maxRenders('batchSkip'), { digits: 0, target: '<= 1', ok: (m) => m <= 1 }),
      );
    }
    return rows;
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
}
