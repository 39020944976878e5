import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AInTandemClient, progressUrlFromBase, type ProgressEvent } from '../../../src/client/index.js';
import { container, deadUrl, NodeWebSocket, startServer, task, waitFor, workflow } from '../helpers/fixtures.js';

describe('AInTandemClient', () => {
  it('derives the per-project socket URL from the REST base URL', () => {
    assert.equal(progressUrlFromBase('http://localhost:9900/api'), 'ws://localhost:9900/api/progress/subscribe/{projectId}');
    assert.equal(progressUrlFromBase('https://x.example/api/'), 'wss://x.example/api/progress/subscribe/{projectId}');
    assert.equal(progressUrlFromBase('https://x.example/api?debug=1'), 'wss://x.example/api/progress/subscribe/{projectId}');
    assert.throws(() => progressUrlFromBase('ftp://x'), TypeError);
  });

  it('creates the ProgressClient lazily, once', () => {
    const client = new AInTandemClient({ baseURL: 'http://127.0.0.1:1/api', WebSocket: NodeWebSocket });
    assert.equal(client.getProgress(), client.getProgress());
    client.close();
  });

  it('convenience methods connect by themselves, inject the token, and deliver events and outcomes', async (t) => {
    const tokens: (string | undefined)[] = [];
    const server = await startServer(t, { authenticate: (tok) => (tokens.push(tok), tok === 'jwt-1') });
    const client = new AInTandemClient({ baseURL: server.url.replace('ws:', 'http:') + '/api', token: 'jwt-1', WebSocket: NodeWebSocket, projectId: 'p1' });
    t.after(() => client.close());

    const taskEvents: ProgressEvent[] = [];
    const done: string[] = [];
    const sub = await client.subscribeToTask('p1', 't1', (e) => taskEvents.push(e), (e) => done.push(e.taskId), (e) => done.push(`failed ${e.taskId}`));
    assert.equal(client.getProgress().isConnected('p1'), true, 'connected when the promise resolves');
    assert.deepEqual(tokens, ['jwt-1']);
    assert.equal(server.clients()[0]!.path, '/api/progress/subscribe/p1');

    const wfEvents: string[] = [];
    const wfDone: string[] = [];
    await client.subscribeToWorkflow('w1', (e) => wfEvents.push(e.type), 'e1', (e) => wfDone.push(e.executionId));
    const cEvents: string[] = [];
    await client.subscribeToContainer('p1', (e) => cEvents.push(e.type), 'c1');

    server.publish(task.started('p1', 't1'));
    server.publish(task.step('p1', 't1', 's', 'running', 50));
    server.publish(task.completed('p1', 't1'));
    server.publish(workflow('workflow_execution_started', 'p1', 'w1', 'e1'));
    server.publish(workflow('workflow_execution_completed', 'p1', 'w1', 'e1'));
    server.publish(container('container_started', 'p1', 'c1'));
    server.publish(container('container_started', 'p1', 'c2'));
    await waitFor(() => done.length === 1 && wfDone.length === 1 && cEvents.length === 1, 'all deliveries');
    assert.deepEqual(taskEvents.map((e) => e.type), ['task_started', 'step_progress', 'task_completed']);
    assert.deepEqual(done, ['t1']);
    assert.deepEqual(wfEvents, ['workflow_execution_started', 'workflow_execution_completed']);
    assert.deepEqual(cEvents, ['container_started']);
    assert.equal(server.clientCount, 1, 'one socket for the project');
    sub.unsubscribe();
  });

  it('a convenience method rejects, and leaves no subscription, when the server cannot be reached', async () => {
    const url = (await deadUrl()).replace(/\/ws$/, '').replace('ws:', 'http:');
    const client = new AInTandemClient({ baseURL: url, WebSocket: NodeWebSocket, progress: { reconnectDelay: 5, maxReconnectAttempts: 2, onListenerError: () => {} } });
    await assert.rejects(client.subscribeToTask('p', 't', () => {}), /gave up/);
    assert.equal(client.getProgress().getSubscriptionCount(), 0);
    client.close();
  });

  it('a late subscriber gets the current task and execution from the REST API, then live events', async (t) => {
    const server = await startServer(t);
    server.publish(task.started('p1', 't1'));
    server.publish(task.step('p1', 't1', 'fetch', 'completed', 40));
    server.publish(task.step('p1', 't1', 'build', 'running', 60));
    server.publish(workflow('workflow_execution_started', 'p1', 'w1', 'e1', { totalPhases: 2 }));
    server.publish(workflow('workflow_phase_started', 'p1', 'w1', 'e1', { phaseId: 'plan', phase: 'Plan' }));
    const client = new AInTandemClient({ baseURL: server.url.replace('ws:', 'http:') + '/api', WebSocket: NodeWebSocket, projectId: 'p1' });
    t.after(() => client.close());
    const progress = client.getProgress();
    let taskState: import('../../../src/client/index.js').TaskState | undefined;
    let flow: import('../../../src/client/index.js').WorkflowState | undefined;
    progress.subscribeToTask({ projectId: 'p1', taskId: 't1', onState: (s) => (taskState = s) });
    progress.subscribeToWorkflow({ projectId: 'p1', executionId: 'e1', onState: (s) => (flow = s) });
    await waitFor(() => taskState !== undefined && flow !== undefined, 'both snapshots');
    assert.equal(taskState!.status, 'running');
    assert.equal(taskState!.progress, 60);
    assert.deepEqual(taskState!.steps.map((s) => [s.name, s.status]), [['fetch', 'completed'], ['build', 'running']]);
    assert.equal(taskState!.currentStepId, 'build');
    assert.equal(flow!.status, 'running');
    assert.equal(flow!.currentPhaseId, 'plan');
    assert.equal(flow!.totalPhases, 2);
    const snapshotSeen = Date.now();
    await waitFor(() => Date.now() > snapshotSeen, 'the clock past the snapshot: the next event is stamped after it');
    server.publish(task.completed('p1', 't1'));
    await waitFor(() => taskState?.status === 'completed', 'the live completion');
  });
});
