/**
 * Recovery in Chromium, with elements of all three kinds over several sockets:
 * - server restart: time from the server listening again to every element showing live state
 *   (a state newer than the restart, no connection notice), against the wait the configured
 *   backoff imposes at that moment (the floor: when the next reconnect attempt was scheduled);
 * - half-open connection: time from the server going silent (stall) to every socket declaring its
 *   connection dead and every element saying so, against heartbeatInterval + heartbeatTimeout.
 */
import type { ConnectionRecord } from './browser/recovery-page.js';
import type { ProgressEvent } from '../src/protocol/events.js';
import { ProgressJournal } from '../src/server/index.js';
import { createFaultServer, type FaultServer } from '../test/node/helpers/fault-server.js';
import { Browser, type Page } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import { fmt, row, sleep, withTimeout, type ResultRow } from './stats.js';

export interface RecoveryOptions {
  repeats: number;
  elements: number;
  projects: number;
  /** How long the server stays down on a restart, ms. */
  downMs: number;
  reconnectDelay: number;
  maxReconnectDelay: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
}

export const RECOVERY_DEFAULTS: RecoveryOptions = {
  repeats: 5,
  elements: 999,
  projects: 3,
  downMs: 1000,
  reconnectDelay: 250,
  maxReconnectDelay: 2000,
  heartbeatInterval: 1000,
  heartbeatTimeout: 500,
};


/** One new event for every entity the page shows (the kinds and ids recovery-page.ts uses). */
function touchEveryEntity(projects: string[], count: number, round: number): ProgressEvent[] {
  const timestamp = new Date().toISOString();
  const events: ProgressEvent[] = [];
  for (let i = 0; i < count; i++) {
    const projectId = projects[i % projects.length]!;
    const n = Math.floor(i / projects.length);
    switch (i % 3) {
      case 0:
        events.push({ type: 'step_progress', projectId, taskId: `t${n}`, timestamp, stepId: 'run', step: 'Run', status: 'running', progress: round % 100, message: `round ${round}` });
        break;
      case 1:
        events.push({ type: 'workflow_phase_started', projectId, workflowId: `w${n}`, executionId: `x${n}`, timestamp, phaseId: `p${round}`, phase: `Phase ${round}`, totalPhases: 100 });
        break;
      default:
        events.push({ type: 'container_started', projectId, containerId: `c${n}`, timestamp });
    }
  }
  return events;
}

export async function runRecovery(options: RecoveryOptions = RECOVERY_DEFAULTS): Promise<ResultRow[]> {
  const journal = new ProgressJournal({ size: 20000 });
  const serverOptions = { heartbeatInterval: 0, journal };
  let server: FaultServer = await createFaultServer(serverOptions);
  const port = server.port;
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['recovery-page']);
  const browser = await Browser.launch();
  const log = (text: string) => console.log(`  recovery: ${text}`);
  const projects = Array.from({ length: options.projects }, (_, i) => `rec-${i}`);
  let round = 0;
  /** Publishes one event per entity; returns the first sequence number among them. */
  const touch = (): number => {
    const first = journal.seq + 1;
    for (const event of touchEveryEntity(projects, options.elements, ++round)) server.publish(event);
    return first;
  };
  const waitLive = (page: Page, seq: number) => withTimeout(page.call<number>('waitLive', seq, 30000), 35000, 'elements live');

  try {
    const page = await browser.newPage();
    await page.goto(pages.pageUrl('recovery-page'));
    await page.call('configure', {
      url: `${server.url}/api/progress/subscribe/{projectId}`,
      reconnectDelay: options.reconnectDelay,
      maxReconnectDelay: options.maxReconnectDelay,
      heartbeatInterval: options.heartbeatInterval,
      heartbeatTimeout: options.heartbeatTimeout,
      connectionTimeout: 2000,
      maxReconnectAttempts: 50,
    });
    const subscriptions = await withTimeout(page.call<number>('mount', projects, options.elements), 60000, 'mount');
    if (subscriptions !== options.elements) throw new Error(`expected ${options.elements} subscriptions, got ${subscriptions}`);
    await waitLive(page, touch());

    // ---- server restart -----------------------------------------------------------------------
    const recovery: number[] = [];
    const backoffWait: number[] = [];
    const overhead: number[] = [];
    const ceilingRatio: number[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const tStop = Date.now();
      await server.close();
      await sleep(Math.max(0, options.downMs - (Date.now() - tStop)));
      server = await createFaultServer({ ...serverOptions, port });
      const tRestart = Date.now();
      const first = touch();
      const liveAt = await waitLive(page, first);
      const records = await page.call<ConnectionRecord[]>('connectionLog', tStop);
      // Per socket: the reconnect attempt that succeeded, and when the backoff let it start.
      let floor = 0;
      let ceiling = 0;
      let lastConnected = tRestart;
      for (const url of new Set(records.map((x) => x.url))) {
        const connected = records.find((x) => x.url === url && x.type === 'connected' && x.at >= tRestart);
        if (!connected) continue;
        lastConnected = Math.max(lastConnected, connected.at);
        const scheduled = records.filter((x) => x.url === url && x.type === 'disconnected' && x.willReconnect && x.at <= connected.at).pop();
        if (!scheduled || scheduled.delay === undefined || scheduled.attempt === undefined) continue;
        floor = Math.max(floor, scheduled.at + scheduled.delay - tRestart);
        ceiling = Math.max(ceiling, Math.min(options.maxReconnectDelay, options.reconnectDelay * 2 ** (scheduled.attempt - 1)));
      }
      const took = liveAt - tRestart;
      recovery.push(took);
      backoffWait.push(Math.max(0, floor));
      overhead.push(took - Math.max(0, floor));
      ceilingRatio.push(took / ceiling);
      log(
        `restart ${r + 1}: every element live ${took} ms after the server was back; the backoff made the sockets wait ${Math.max(0, floor)} ms ` +
          `(attempt ceiling ${ceiling} ms); last socket connected at +${lastConnected - tRestart} ms`,
      );
    }

    // ---- half-open connection -------------------------------------------------------------------
    const detection: number[] = [];
    const perSocket: number[] = [];
    const noticeAll: number[] = [];
    const bound = options.heartbeatInterval + options.heartbeatTimeout;
    for (let r = 0; r < options.repeats; r++) {
      // A stall at a different point of the heartbeat cycle each time.
      await sleep(Math.round((options.heartbeatInterval * (r + 0.5)) / options.repeats));
      const tStall = Date.now();
      server.stall(true);
      const noticeAt = await withTimeout(page.call<number>('waitNotice', 30000), 35000, 'connection notices');
      server.stall(false);
      const records = await page.call<ConnectionRecord[]>('connectionLog', tStall);
      // The first heartbeat timeout of each socket (a socket that reconnects to the stalled server dies again later).
      const firstDeath = new Map<string, number>();
      for (const x of records) if (x.type === 'disconnected' && x.reason === 'heartbeat timeout' && !firstDeath.has(x.url)) firstDeath.set(x.url, x.at);
      const detectedAt = firstDeath.size === projects.length ? Math.max(...firstDeath.values()) : NaN;
      detection.push(detectedAt - tStall);
      for (const at of firstDeath.values()) perSocket.push(at - tStall);
      noticeAll.push(noticeAt - tStall);
      log(`half-open ${r + 1}: every socket (${firstDeath.size}) declared dead within ${detectedAt - tStall} ms, every element showed the notice within ${noticeAt - tStall} ms (bound ${bound} ms)`);
      await waitLive(page, touch());
    }

    const B = `recovery Chromium (${options.elements} elements, ${options.projects} sockets)`;
    const cfg = `backoff ${options.reconnectDelay}..${options.maxReconnectDelay} ms, server down ${options.downMs} ms`;
    return [
      row(B, `restart -> every element live (${cfg})`, recovery, { unit: ' ms', digits: 0 }),
      row(B, 'restart: wait imposed by the backoff (floor)', backoffWait, { unit: ' ms', digits: 0 }),
      row(B, 'restart: time beyond the floor (reconnect + replay + render)', overhead, { unit: ' ms', digits: 0 }),
      row(B, 'restart: recovery / backoff ceiling of the pending attempt', ceilingRatio, { target: '(context)' }),
      row(B, `half-open -> a socket declares it dead (heartbeat ${options.heartbeatInterval} + ${options.heartbeatTimeout} ms)`, perSocket, { unit: ' ms', digits: 0 }),
      row(B, 'half-open -> every socket has declared it dead', detection, { unit: ' ms', digits: 0 }),
      row(B, 'half-open -> every element shows the notice', noticeAll, { unit: ' ms', digits: 0 }),
      row(B, 'half-open detection per socket / (heartbeatInterval + heartbeatTimeout)', perSocket.map((d) => d / bound), {
        target: `<= 1 (floor ${fmt(options.heartbeatTimeout / bound)})`,
        ok: (m) => m <= 1,
      }),
    ];
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
}
