/**
 * One tab of the tab-sharing tests: the elements of the projects its URL names on the page's
 * shared client, and what the test reads back through `window.bench`. Query: `url` (the socket
 * URL), `projects` (comma-separated), `share` (`1`, or a share key), `heartbeat` (ms).
 */
import { configureProgress, getProgressClient, resetProgress, type ProgressClient } from '../../../src/index.js';

const params = new URLSearchParams(location.search);
const projects = (params.get('projects') ?? 'p1').split(',');
const share = params.get('share');
const token = params.get('token');
const client: ProgressClient = configureProgress({
  url: params.get('url')!,
  ...(token ? { getToken: () => token } : {}),
  shareTabs: share === null ? false : share === '1' ? true : { key: share },
  heartbeatInterval: Number(params.get('heartbeat') ?? 1000),
  heartbeatTimeout: 1000,
  reconnectDelay: 50,
  maxReconnectDelay: 200,
  persist: false,
});

/** Sequence numbers received per project, in order. */
const received: Record<string, number[]> = {};
for (const projectId of projects) {
  received[projectId] = [];
  client.subscribeToProgress({ projectId, onEvent: (e) => received[projectId]!.push(e.seq ?? -1) });
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

(window as unknown as { bench: object }).bench = {
  heard: () => heard,
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
