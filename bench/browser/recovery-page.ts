/**
 * The recovery page: elements of the three kinds over several projects (one socket each), a log
 * of connection events with wall-clock times, and waits for what a user sees: every element
 * showing a state newer than a given sequence number with no connection notice, or every element
 * showing the notice.
 */
import { configureProgress, getProgressClient, type ProgressConfig } from '../../src/index.js';

type LiveElement = HTMLElement & { updateComplete: Promise<boolean>; state: { seq?: number } | undefined };

export interface ConnectionRecord {
  at: number;
  url: string;
  type: string;
  willReconnect?: boolean;
  attempt?: number;
  delay?: number;
  reason?: string;
}

const host = document.body.appendChild(document.createElement('div'));
let elements: LiveElement[] = [];
let log: ConnectionRecord[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Whether the element's connection line says something other than "Live" (the line itself is always there). */
const showsNotice = (el: LiveElement) => {
  const line = el.shadowRoot?.querySelector('[part="connection"]');
  return line != null && line.getAttribute('data-connection') !== 'live';
};

/** Polls `check` every `every` ms; resolves with Date.now() when it first holds. */
async function when(check: () => boolean, what: string, timeout: number, every = 10): Promise<number> {
  const end = Date.now() + timeout;
  for (;;) {
    if (check()) return Date.now();
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

const bench = {
  configure(config: ProgressConfig): void {
    const client = configureProgress(config);
    client.onConnectionState((e) => {
      const record: ConnectionRecord = { at: Date.now(), url: e.url, type: e.type };
      if (e.type === 'disconnected') {
        record.willReconnect = e.willReconnect;
        record.reason = e.reason;
        if (e.attempt !== undefined) record.attempt = e.attempt;
        if (e.delay !== undefined) record.delay = e.delay;
      }
      log.push(record);
    });
  },

  /** `count` elements, kinds and projects taken in turn. */
  async mount(projects: string[], count: number): Promise<number> {
    for (let i = 0; i < count; i++) {
      const projectId = projects[i % projects.length]!;
      const n = Math.floor(i / projects.length);
      let el: LiveElement;
      switch (i % 3) {
        case 0:
          el = document.createElement('task-progress') as unknown as LiveElement;
          el.setAttribute('task-id', `t${n}`);
          break;
        case 1:
          el = document.createElement('workflow-tracker') as unknown as LiveElement;
          el.setAttribute('workflow-id', `w${n}`);
          el.setAttribute('execution-id', `x${n}`);
          break;
        default:
          el = document.createElement('container-status') as unknown as LiveElement;
          el.setAttribute('container-id', `c${n}`);
      }
      el.setAttribute('project-id', projectId);
      el.setAttribute('layout', 'compact');
      elements.push(host.appendChild(el));
    }
    await Promise.all(elements.map((el) => el.updateComplete));
    const client = getProgressClient()!;
    await when(() => projects.every((p) => client.isConnected(p)), 'every socket to connect', 20000);
    return client.getSubscriptionCount();
  },

  /** Resolves with Date.now() when every element shows a state with seq >= `seq` and no connection notice. */
  waitLive(seq: number, timeout = 30000): Promise<number> {
    return when(() => elements.every((el) => (el.state?.seq ?? -1) >= seq && !showsNotice(el)), `every element live from seq ${seq}`, timeout);
  },

  /**
   * Resolves with Date.now() when every element has shown the connection notice at least once
   * since the call (sockets are declared dead at different moments, and one that reconnects
   * drops its notice again).
   */
  async waitNotice(timeout = 30000): Promise<number> {
    const seen = new Set<LiveElement>();
    return when(
      () => {
        for (const el of elements) if (!seen.has(el) && showsNotice(el)) seen.add(el);
        return seen.size === elements.length;
      },
      `every element to show the connection notice (${seen.size}/${elements.length})`,
      timeout,
    );
  },

  /** The connection events since `since` (Date.now() time). */
  connectionLog(since: number): ConnectionRecord[] {
    return log.filter((r) => r.at >= since);
  },

  clearLog(): void {
    log = [];
  },

  count: () => elements.length,
};

(window as unknown as { bench: typeof bench }).bench = bench;
