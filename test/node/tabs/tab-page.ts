/**
 * One tab of the tab-sharing tests: the elements of the projects its URL names on the page's
 * shared client, and what the test reads back through `window.bench`. Query: `url` (the socket
 * URL), `projects` (comma-separated), `share` (`1`, or a share key), `heartbeat` (ms), `persist`
 * (`1`: the client keeps its positions across a reload, and the page keeps what it showed, as an
 * app that shows a log would).
 */
import { configureProgress, getProgressClient, resetProgress, type ProgressClient } from '../../../src/index.js';

const params = new URLSearchParams(location.search);
const projects = (params.get('projects') ?? 'p1').split(',');
const share = params.get('share');
const token = params.get('token');
const persist = params.get('persist') === '1';
/** What the page showed before a reload (with `persist`). */
const PAGE_KEY = 'tab-page:shown';
const shown = (persist ? JSON.parse(sessionStorage.getItem(PAGE_KEY) ?? 'null') : null) as { received: Record<string, number[]>; log: Record<string, number[]>; resyncs: string[] } | null;
const client: ProgressClient = configureProgress({
  url: params.get('url')!,
  ...(token ? { getToken: () => token } : {}),
  shareTabs: share === null ? false : share === '1' ? true : { key: share },
  heartbeatInterval: Number(params.get('heartbeat') ?? 1000),
  heartbeatTimeout: 1000,
  reconnectDelay: 50,
  maxReconnectDelay: 200,
  persist,
});

/** Sequence numbers received per project, in order. */
const received: Record<string, number[]> = {};
/** The `n` of each step event received per project (its step id is `s{n}`), in order, as shown in the page. */
const log: Record<string, number[]> = {};
/** The resyncs the client reported (other than `resumed`), as shown in the page. */
const resyncs: string[] = shown?.resyncs ?? [];
const notice = document.createElement('p');
notice.className = 'resync';
notice.textContent = resyncs.length > 0 ? `resynced: ${resyncs.join(', ')}` : '';
document.body.append(notice);
client.onResync((reason) => {
  if (reason === 'resumed') return;
  resyncs.push(reason);
  notice.textContent = `resynced: ${resyncs.join(', ')}`;
});
for (const projectId of projects) {
  received[projectId] = shown?.received[projectId] ?? [];
  log[projectId] = shown?.log[projectId] ?? [];
  const output = document.createElement('pre');
  output.dataset['project'] = projectId;
  output.textContent = log[projectId]!.join(' ');
  document.body.append(output);
  client.subscribeToProgress({
    projectId,
    onEvent: (e) => {
      received[projectId]!.push(e.seq ?? -1);
      const n = /^s(\d+)$/.exec((e as { stepId?: string }).stepId ?? '')?.[1];
      if (n === undefined) return;
      log[projectId]!.push(Number(n));
      output.append(log[projectId]!.length > 1 ? ` ${n}` : n);
    },
  });
  for (const taskId of ['t1', 't2']) {
    const el = document.createElement('task-progress');
    el.setAttribute('project-id', projectId);
    el.setAttribute('task-id', taskId);
    document.body.append(el);
  }
}

/** With `spy`: every message posted on the share's channel, as text (what another tab could read). */
const heard: string[] = [];
const spy = params.get('spy');
if (spy) new BroadcastChannel(spy).onmessage = (event) => heard.push(JSON.stringify(event.data));

if (persist) addEventListener('pagehide', () => sessionStorage.setItem(PAGE_KEY, JSON.stringify({ received, log, resyncs })));

(window as unknown as { bench: object }).bench = {
  heard: () => heard,
  /** The `n` of the step events shown in the page for a project, read from the page. */
  output: (projectId: string) =>
    (document.querySelector(`pre[data-project="${projectId}"]`)?.textContent ?? '').split(' ').filter(Boolean).map(Number),
  /** The resync notice shown in the page ('' when none). */
  notice: () => notice.textContent,
  received: (projectId: string) => received[projectId],
  text: (projectId: string, taskId: string) =>
    document.querySelector(`task-progress[project-id="${projectId}"][task-id="${taskId}"]`)?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
  connection: (projectId: string) => getProgressClient()?.getConnectionState(projectId),
  stats: () => getProgressClient()?.getStats(),
  /** The locks this tab's share holds or waits for. */
  locks: async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    return [...held.map((l) => `${l.name}@${l.clientId}`), ...pending.map((l) => `${l.name}@${l.clientId}?`)];
  },
  /** This tab's client id as Web Locks know it (for diagnostics). */
  me: () =>
    navigator.locks.request(`probe-${Math.random()}`, async () => {
      const { held = [] } = await navigator.locks.query();
      return held.find((l) => l.name?.startsWith('probe-'))?.clientId;
    }),
  /** Leaves: the elements go, the client closes (as a page that navigates away would). */
  leave: () => {
    document.body.replaceChildren();
    const stats = client.getStats();
    resetProgress();
    return stats;
  },
};
