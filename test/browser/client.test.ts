import { expect } from '@open-wc/testing';
import { ProgressClient, type ProgressEvent, type TaskState } from '../../src/client/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';

const ts = () => new Date().toISOString();

describe('ProgressClient in Chromium (native WebSocket)', () => {
  it('receives a task run from the reference server over the browser WebSocket', async () => {
    const server = await TestServer.shared();
    const client = new ProgressClient({ url: server.projectUrl, lingerTime: 0 });
    const projectId = uniqueId('p');
    const events: ProgressEvent[] = [];
    let state: TaskState | undefined;
    const sub = client.subscribeToTask({ projectId, taskId: 't1', onEvent: (e) => events.push(e), onState: (s) => (state = s) });
    await sub.ready;
    await server.publish(
      { type: 'task_started', projectId, taskId: 't1', timestamp: ts() },
      { type: 'step_progress', projectId, taskId: 't1', timestamp: ts(), step: 'build', status: 'running', progress: 40 },
      { type: 'task_completed', projectId, taskId: 't1', timestamp: ts() },
    );
    await waitFor(() => events.length === 3, 'three events');
    expect(events.map((e) => e.type)).to.deep.equal(['task_started', 'step_progress', 'task_completed']);
    expect(state?.status).to.equal('completed');
    sub.unsubscribe();
    expect(client.getSubscriptionCount()).to.equal(0);
    await waitFor(async () => (await server.clientCount()) === 0, 'socket closed');
    client.close();
  });
});
