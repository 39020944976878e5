/**
 * A page of the transport tests: `<task-progress>` elements of project `p` on the page's shared
 * client, and what the test reads back through `window.bench`: when the client went live (ms from
 * the page's start, performance.now()), over which transport, and every event received. Query:
 * `url` (the socket URL), `firstFrameTimeout`, `retry` (websocketRetryInterval), `tasks` (how
 * many elements, default 2).
 */
import { configureProgress, getProgressClient, resetProgress, type ProgressClient } from '../../../../src/index.js';

const params = new URLSearchParams(location.search);
const client: ProgressClient = configureProgress({
  url: params.get('url')!,
  firstFrameTimeout: Number(params.get('firstFrameTimeout') ?? 3000),
  websocketRetryInterval: Number(params.get('retry') ?? 60000),
  reconnectDelay: 50,
  maxReconnectDelay: 500,
});

let liveAt: number | undefined;
let liveOver: string | undefined;
client.onConnectionState((event) => {
  if (event.type !== 'connected' || liveAt !== undefined) return;
  liveAt = performance.now();
  liveOver = client.getStats().transport;
});

const received: number[] = [];
client.subscribeToProgress({ projectId: 'p', onEvent: (e) => received.push(e.seq ?? -1) });
const tasks = Number(params.get('tasks') ?? 2);
for (let i = 1; i <= tasks; i++) {
  const el = document.createElement('task-progress');
  el.setAttribute('project-id', 'p');
  el.setAttribute('task-id', `t${i}`);
  document.body.append(el);
}

(window as unknown as { bench: object }).bench = {
  live: () => (liveAt === undefined ? undefined : { at: liveAt, over: liveOver }),
  transport: () => getProgressClient()?.getStats().transport,
  connection: () => getProgressClient()?.getConnectionState('p'),
  received: () => received,
  /** What an element shows (its shadow root's text). */
  text: (taskId: string) => document.querySelector(`task-progress[task-id="${taskId}"]`)?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
  leave: () => {
    document.body.replaceChildren();
    resetProgress();
  },
};
