/**
 * One tab of the tab-sharing benchmark: `count` live <task-progress> elements of one project on
 * the page's shared client, with or without `shareTabs`, and a count of the events it has seen.
 */
import { configureProgress, getProgressClient } from '../../src/index.js';

let seen = 0;

const bench = {
  /** Mounts the elements; resolves once the tab's socket (its own or the shared one) is connected. */
  async mount(url: string, projectId: string, count: number, share: boolean): Promise<void> {
    const client = configureProgress({ url, shareTabs: share, heartbeatInterval: 0, persist: false });
    client.subscribeToProgress({ projectId, onEvent: () => seen++ });
    for (let i = 0; i < count; i++) {
      const el = document.createElement('task-progress');
      el.setAttribute('project-id', projectId);
      el.setAttribute('task-id', `t${i}`);
      el.setAttribute('layout', 'compact');
      document.body.append(el);
    }
    const end = performance.now() + 20000;
    while (client.getConnectionState(projectId) !== 'connected') {
      if (performance.now() > end) throw new Error('the socket did not connect');
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  seen: () => seen,
  role: () => getProgressClient()?.getStats().tabs,
};

(window as unknown as { bench: typeof bench }).bench = bench;
