/** A page reload in the same tab: the position and the states on view survive in sessionStorage. */
import { expect } from '@open-wc/testing';
import { ProgressClient, type TaskState } from '../../src/client/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';

const step = (projectId: string, name: string) => ({
  type: 'step_progress' as const, projectId, taskId: 't', stepId: name, step: name, status: 'completed' as const, timestamp: new Date().toISOString(),
});

describe('persistence across a reload (sessionStorage)', () => {
  it('keeps the position on pagehide; a new client shows the kept state at once and gets what happened meanwhile', async () => {
    const server = await TestServer.create();
    const key = uniqueId('persist-key');
    try {
      const before = new ProgressClient({ url: server.allUrl, persist: { key }, lingerTime: 0 });
      const projectId = uniqueId('p');
      const sub = before.subscribeToTask({ projectId, taskId: 't' });
      await sub.ready;
      await server.publish(step(projectId, 'one'), step(projectId, 'two'));
      await waitFor(() => before.getTaskState(projectId, 't')?.steps.length === 2, 'two steps');
      window.dispatchEvent(new Event('pagehide')); // what a reload does first
      before.close();
      expect(sessionStorage.getItem(key)).to.contain('"seq"');
      expect(sessionStorage.getItem(key)).not.to.contain('token');

      await server.publish(step(projectId, 'three')); // during the reload

      const after = new ProgressClient({ url: server.allUrl, persist: { key }, lingerTime: 0 });
      let state: TaskState | undefined;
      after.subscribeToTask({ projectId, taskId: 't', onState: (s) => (state = s) });
      await Promise.resolve();
      expect(state?.steps.map((s) => s.name), 'the kept state, before any connection').to.deep.equal(['one', 'two']);
      await waitFor(() => state?.steps.length === 3, 'the event of the reload, replayed');
      expect(state!.steps.map((s) => s.name)).to.deep.equal(['one', 'two', 'three']);
      after.close();
    } finally {
      sessionStorage.removeItem(key);
      await server.dispose();
    }
  });

  it('removes its pagehide listener on close()', () => {
    let listeners = 0;
    const add = window.addEventListener.bind(window);
    const remove = window.removeEventListener.bind(window);
    window.addEventListener = ((type: string, ...rest: unknown[]) => {
      if (type === 'pagehide') listeners++;
      return (add as (...a: unknown[]) => void)(type, ...rest);
    }) as typeof window.addEventListener;
    window.removeEventListener = ((type: string, ...rest: unknown[]) => {
      if (type === 'pagehide') listeners--;
      return (remove as (...a: unknown[]) => void)(type, ...rest);
    }) as typeof window.removeEventListener;
    try {
      const client = new ProgressClient({ url: 'ws://127.0.0.1:9/ws', persist: { key: uniqueId('k') } });
      expect(listeners).to.equal(1);
      client.close();
      expect(listeners).to.equal(0);
    } finally {
      window.addEventListener = add;
      window.removeEventListener = remove;
    }
  });
});
