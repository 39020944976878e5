/**
 * Memory: 10,000 mount/unmount cycles of each element in Chromium, on a live client and server:
 * afterwards no subscription, timer, animation frame or socket may be left (in the page and on
 * the server), and the JS heap after a full GC stays within 5% of its size before the cycles.
 */
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer, type ProgressServer } from '../src/server/index.js';
import { Browser } from '../scripts/devtools-browser.js';
import type { PageState, Tag } from './browser/memory-page.js';
import { startPageServer } from '../scripts/page-server.js';
import { fmt, row, single, sleep, withTimeout, type ResultRow } from './stats.js';

export interface MemoryOptions {
  /** Mount/unmount cycles per element kind. */
  cycles: number;
  /** Elements mounted at once. */
  batch: number;
  /** Warm-up cycles before the heap is first measured. */
  warmup: number;
  /** Times the whole measurement is repeated per kind. */
  repeats: number;
}

export const MEMORY_DEFAULTS: MemoryOptions = { cycles: 10000, batch: 50, warmup: 500, repeats: 2 };

const ENTITIES = 20;
const LINGER_WAIT = 1600; // the client's lingerTime (1000 ms) and a margin

function runningState(projectId: string): ProgressEvent[] {
  const timestamp = new Date().toISOString();
  const events: ProgressEvent[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    events.push({ type: 'task_started', projectId, taskId: `t${i}`, timestamp });
    events.push({ type: 'step_progress', projectId, taskId: `t${i}`, timestamp, stepId: 'build', step: 'Build', status: 'running', progress: 40, message: 'compiling' });
    const wf = { projectId, workflowId: `w${i}`, executionId: `x${i}`, timestamp, totalPhases: 3 };
    events.push({ type: 'workflow_execution_started', ...wf });
    events.push({ type: 'workflow_phase_started', ...wf, phaseId: 'p1', phase: 'Plan' });
    events.push({ type: 'container_created', projectId, containerId: `c${i}`, timestamp, image: 'node:20' });
    events.push({ type: 'container_started', projectId, containerId: `c${i}`, timestamp });
  }
  return events;
}

async function waitForNoClients(server: ProgressServer, timeout = 5000): Promise<void> {
  const end = Date.now() + timeout;
  while (server.clientCount > 0 && Date.now() < end) await sleep(20);
}

function leftovers(state: PageState, serverClients: number): string[] {
  const left: string[] = [];
  if (state.subscriptions !== 0) left.push(`${state.subscriptions} subscriptions`);
  if (state.clientSockets !== 0) left.push(`${state.clientSockets} client sockets`);
  if (state.handles.sockets !== 0) left.push(`${state.handles.sockets} open WebSockets`);
  if (state.handles.timeouts !== 0) left.push(`${state.handles.timeouts} timeouts`);
  if (state.handles.intervals !== 0) left.push(`${state.handles.intervals} intervals`);
  if (state.handles.animationFrames !== 0) left.push(`${state.handles.animationFrames} animation frames`);
  if (serverClients !== 0) left.push(`${serverClients} connections on the server`);
  return left;
}

export async function runMemory(options: MemoryOptions = MEMORY_DEFAULTS): Promise<ResultRow[]> {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['memory-page']);
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  memory: ${text}`);
  const rows: ResultRow[] = [];
  const B = 'memory Chromium';
  try {
    const page = await browser.newPage();
    await page.goto(pages.pageUrl('memory-page'));
    const projectId = 'mem';
    await page.call('configure', `${server.url}/api/progress/subscribe/{projectId}`);
    // Give every entity a running state (so the elements' clocks run), received by mounted elements.
    const subscribed = await withTimeout(page.call<number>('mountAll', projectId), 20000, 'mount');
    for (const event of runningState(projectId)) server.publish(event);
    let shown = 0;
    for (let i = 0; i < 100 && shown < subscribed; i++) shown = await page.call<number>('shownAll');
    if (shown !== subscribed) throw new Error(`only ${shown}/${subscribed} elements received their state`);
    const mounted = await page.call<PageState>('state');
    log(
      `while ${subscribed} elements are mounted the page holds ${mounted.subscriptions} subscriptions, ${mounted.handles.sockets} socket(s), ` +
        `${mounted.handles.intervals} interval(s), ${mounted.handles.timeouts} timeout(s), ${mounted.handles.animationFrames} frame request(s) (the counters see them)`,
    );
    await page.call('unmountAll');

    const tags: Tag[] = ['task-progress', 'workflow-tracker', 'container-status'];
    for (const tag of tags) {
      const ratios: number[] = [];
      const allLeft: string[] = [];
      let showedState = 0;
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        await withTimeout(page.call('cycles', tag, projectId, options.warmup, options.batch), 120000, `${tag} warm-up`);
        await page.call('sleep', LINGER_WAIT);
        await waitForNoClients(server);
        const before = await page.heapAfterGc();
        const stateBefore = await page.call<PageState>('state');
        const run = await withTimeout(page.call<{ ms: number; showedState: number }>('cycles', tag, projectId, options.cycles, options.batch), 300000, `${tag} cycles`);
        // While mounted, elements hold a socket (and running ones a clock); all of it goes after the linger time.
        await page.call('sleep', LINGER_WAIT);
        await waitForNoClients(server);
        const after = await page.call<PageState>('state');
        const heap = await page.heapAfterGc();
        const ratio = heap / before;
        ratios.push(ratio);
        const left = leftovers(after, server.clientCount);
        allLeft.push(...left);
        showedState += run.showedState;
        log(
          `${tag} #${repeat + 1}: ${options.cycles} cycles in ${fmt(run.ms / 1000)} s, ${run.showedState} showed live state; heap ${fmt(before / 1024, 0)} KiB -> ${fmt(heap / 1024, 0)} KiB` +
            ` (x${ratio.toFixed(3)}); sockets opened so far ${after.handles.socketsOpened}; left: ${left.length ? left.join(', ') : 'nothing'}` +
            (leftovers(stateBefore, 0).length ? ` (before: ${leftovers(stateBefore, 0).join(', ')})` : ''),
        );
      }
      rows.push(
        single(B, `${tag}: subscriptions, timers, frames, sockets left after ${options.cycles} cycles`, allLeft.length ? allLeft.join(', ') : '0', '0', allLeft.length === 0),
        row(B, `${tag}: heap after / before ${options.cycles} cycles (after GC)`, ratios, { digits: 3, target: '<= 1.05', ok: (m) => m <= 1.05 }),
        single(B, `${tag}: elements that showed their state before removal`, `${showedState} / ${options.cycles * options.repeats}`),
      );
    }
    return rows;
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
}
