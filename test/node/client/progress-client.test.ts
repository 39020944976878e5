import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isTaskEvent,
  ProgressClient,
  ProgressClientError,
  type ConnectionState,
  type ContainerState,
  type ProgressEvent,
  type TaskState,
  type WorkflowState,
} from '../../../src/client/index.js';
import { activeResources, container, MemoryStorage, NodeWebSocket, startServer, task, waitFor, workflow } from '../helpers/fixtures.js';
import { drain } from '../helpers/drain.js';
import { quietFor } from '../../shared/quiet.js';

describe('ProgressClient over the reference server', () => {
  it('routes task events by project and id, and filters by type', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const one: string[] = [];
    const project: string[] = [];
    const anyTask: string[] = [];
    const steps: string[] = [];
    client.subscribeToTask({ projectId: 'p1', taskId: 't1', onEvent: (e) => one.push(`${e.taskId}:${e.type}`) });
    client.subscribeToTask({ projectId: 'p1', onEvent: (e) => project.push(`${e.taskId}:${e.type}`) });
    client.subscribeToTask({ taskId: 't1', onEvent: (e) => anyTask.push(`${e.projectId}:${e.type}`) });
    const s = client.subscribeToTask({ projectId: 'p1', taskId: 't1', types: ['step_progress'], onEvent: (e) => steps.push(e.type) });
    await s.ready;
    server.publish(task.started('p1', 't1'));
    server.publish(task.started('p1', 't2'));
    server.publish(task.started('p2', 't1'));
    server.publish(task.step('p1', 't1', 'build', 'running', 5));
    server.publish(container('container_started', 'p1', 't1'));
    await waitFor(() => one.length === 2 && project.length === 3 && anyTask.length === 3 && steps.length === 1, 'routing');
    assert.deepEqual(one, ['t1:task_started', 't1:step_progress']);
    assert.deepEqual(project, ['t1:task_started', 't2:task_started', 't1:step_progress']);
    assert.deepEqual(anyTask, ['p1:task_started', 'p2:task_started', 'p1:step_progress']);
    assert.deepEqual(steps, ['step_progress']);
  });

  it('routes workflow events by execution, by workflow, and by project', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const byExec: string[] = [];
    const byWorkflow: string[] = [];
    const completed: string[] = [];
    const failed: string[] = [];
    const s = client.subscribeToWorkflow({ executionId: 'e1', onEvent: (e) => byExec.push(e.type) });
    client.subscribeToWorkflow({
      projectId: 'p', workflowId: 'w1',
      onEvent: (e) => byWorkflow.push(e.executionId),
      onComplete: (e) => completed.push(e.executionId),
      onFailed: (e) => failed.push(`${e.executionId}:${e.error}`),
    });
    await s.ready;
    server.publish(workflow('workflow_execution_started', 'p', 'w1', 'e1'));
    server.publish(workflow('workflow_execution_started', 'p', 'w1', 'e2'));
    server.publish(workflow('workflow_execution_started', 'p', 'w2', 'e3'));
    server.publish(workflow('workflow_execution_started', 'q', 'w1', 'e4'));
    server.publish(workflow('workflow_execution_completed', 'p', 'w1', 'e1'));
    server.publish(workflow('workflow_execution_failed', 'p', 'w1', 'e2', { error: 'boom' }));
    await waitFor(() => byWorkflow.length === 4, 'workflow events');
    assert.deepEqual(byExec, ['workflow_execution_started', 'workflow_execution_completed']);
    assert.deepEqual(byWorkflow, ['e1', 'e2', 'e1', 'e2']);
    assert.deepEqual(completed, ['e1']);
    assert.deepEqual(failed, ['e2:boom']);
  });

  it('routes container events, with the sandbox_* spelling delivered as container events', async (t) => {
    const server = await startServer(t, { validate: false });
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const got: ProgressEvent[] = [];
    let state: ContainerState | undefined;
    const s = client.subscribeToContainer({ projectId: 'p', containerId: 'c1', onEvent: (e) => got.push(e), onState: (st) => (state = st) });
    await s.ready;
    server.publish(container('container_created', 'p', 'c1', { image: 'python:3.11' }));
    server.publish({ type: 'sandbox_started', projectId: 'p', sandboxId: 'c1', timestamp: new Date().toISOString() } as never);
    server.publish(container('container_started', 'p', 'c2'));
    server.publish({ type: 'sandbox_stopped', projectId: 'p', sandboxId: 'c1', exitCode: 3, timestamp: new Date().toISOString() } as never);
    await waitFor(() => got.length === 3, 'container events');
    assert.deepEqual(got.map((e) => e.type), ['container_created', 'container_started', 'container_stopped']);
    assert.equal(state?.status, 'stopped');
    assert.equal(state?.exitCode, 3);
    assert.equal(state?.image, 'python:3.11');
  });

  it('keeps two projects apart on per-project sockets', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.url + '/api/progress/subscribe/{projectId}', WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const a: ProgressEvent[] = [];
    const b: ProgressEvent[] = [];
    const sa = client.subscribeToProgress({ projectId: 'A', onEvent: (e) => a.push(e) });
    const sb = client.subscribeToProgress({ projectId: 'B', onEvent: (e) => b.push(e) });
    await Promise.all([sa.ready, sb.ready]);
    assert.equal(server.clientCount, 2, 'one socket per project');
    assert.deepEqual(server.clients().map((c) => c.projectId).sort(), ['A', 'B']);
    server.publish(task.started('A', 't'));
    server.publish(task.started('B', 't'));
    server.publish(task.started('C', 't'));
    await waitFor(() => a.length === 1 && b.length === 1, 'one event each');
    await drain(server, client, 'A');
    await drain(server, client, 'B');
    // Only the task events: the drains' own markers (container events) reach these too.
    assert.deepEqual([a.filter(isTaskEvent).length, b.filter(isTaskEvent).length], [1, 1]);
    assert.equal(a[0]!.projectId, 'A');
    assert.equal(b[0]!.projectId, 'B');
    assert.throws(() => client.subscribeToTask({ taskId: 'x' }), (e: unknown) => e instanceof ProgressClientError && e.code === 'project_required');
  });

  it('opens one socket for many subscriptions, and closes it after the last unsubscribe (after the linger)', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 50 });
    t.after(() => client.close());
    const subs = Array.from({ length: 100 }, (_, i) => client.subscribeToTask({ projectId: 'p', taskId: `t${i}`, onEvent: () => {} }));
    await subs[0]!.ready;
    await waitFor(() => server.clientCount === 1, 'the socket on the server');
    assert.equal(client.getStats().sockets, 1);
    assert.equal(client.getSubscriptionCount(), 100);
    for (const s of subs) s.unsubscribe();
    subs[0]!.unsubscribe(); // twice is harmless
    assert.equal(client.getSubscriptionCount(), 0);
    // A subscription that arrives within the linger keeps the socket.
    const again = client.subscribeToTask({ projectId: 'p', taskId: 'x' });
    // The socket would have closed 50 ms after the last unsubscribe: it did not, and still serves.
    let closed = false;
    const onGone = () => (closed = true);
    server.on('disconnection', onGone);
    await quietFor(100, 'no close at the end of the 50 ms linger: the new subscription keeps the socket');
    server.off('disconnection', onGone);
    assert.equal(closed, false);
    await drain(server, client, 'p');
    assert.equal(server.clientCount, 1);
    again.unsubscribe();
    await waitFor(() => server.clientCount === 0, 'the socket to close after the linger');
    assert.equal(client.getStats().sockets, 0);
    assert.equal(client.getConnectionState(), 'disconnected');
  });

  it('leaves no timer or socket behind after close()', async (t) => {
    const server = await startServer(t);
    await waitFor(() => activeResources().Timeout === undefined, 'the timers of the tests before gone');
    const before = activeResources();
    const client = new ProgressClient({ url: server.urlFor('{projectId}').replace('%7BprojectId%7D', '{projectId}'), WebSocket: NodeWebSocket, heartbeatInterval: 20 });
    const subs = ['a', 'b', 'c'].map((p) => client.subscribeToTask({ projectId: p, taskId: 't' }));
    await Promise.all(subs.map((s) => s.ready));
    subs[0]!.unsubscribe(); // a linger timer is pending
    client.close();
    await waitFor(() => server.clientCount === 0, 'sockets closed');
    // The sockets' own closing timers go once their close completes.
    await waitFor(() => (activeResources().Timeout ?? 0) <= (before.Timeout ?? 0), 'no timer left');
    assert.equal(client.getSubscriptionCount(), 0);
  });

  it('delivers onComplete, onFailed and onCancelled, and a state that follows the run', async (t) => {
    const server = await startServer(t, { batchWindow: 0 }); // one event per frame: every state is seen
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const outcomes: string[] = [];
    const states: TaskState[] = [];
    const s = client.subscribeToTask({
      projectId: 'p',
      onState: (st) => states.push(st),
      onComplete: (e) => outcomes.push(`done:${e.taskId}`),
      onFailed: (e) => outcomes.push(`failed:${e.taskId}:${e.error}`),
      onCancelled: (e) => outcomes.push(`cancelled:${e.taskId}`),
    });
    await s.ready;
    server.publish(task.queued('p', 'a'));
    server.publish(task.started('p', 'a'));
    server.publish(task.step('p', 'a', 'fetch', 'running', 10));
    server.publish(task.output('p', 'a', 'line 1\nline 2\npart'));
    server.publish(task.output('p', 'a', 'ial\n'));
    server.publish({ type: 'artifact', projectId: 'p', taskId: 'a', timestamp: new Date().toISOString(), artifact: { path: 'out.csv', type: 'file', size: 12 } });
    server.publish(task.step('p', 'a', 'fetch', 'completed', 60));
    server.publish(task.completed('p', 'a'));
    server.publish(task.failed('p', 'b', 'disk full'));
    server.publish({ type: 'task_cancelled', projectId: 'p', taskId: 'c', timestamp: new Date().toISOString() });
    await waitFor(() => outcomes.length === 3, 'three outcomes');
    assert.deepEqual(outcomes, ['done:a', 'failed:b:disk full', 'cancelled:c']);
    const a = client.getTaskState('p', 'a')!;
    assert.equal(a.status, 'completed');
    assert.equal(a.progress, 100);
    assert.deepEqual(a.output, ['line 1', 'line 2', 'partial']);
    assert.deepEqual(a.artifacts, [{ path: 'out.csv', type: 'file', size: 12 }]);
    assert.deepEqual(a.steps.map((st) => [st.name, st.status]), [['fetch', 'completed']]);
    assert.equal(client.getTaskState('p', 'b')!.error, 'disk full');
    assert.equal(client.getTaskState('p', 'c')!.status, 'cancelled');
    assert.deepEqual(states.filter((st) => st.taskId === 'a').map((st) => st.status), ['queued', 'running', 'running', 'running', 'running', 'running', 'running', 'completed']);
  });

  it('gives a new subscriber to a known entity its current state at once', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const first = client.subscribeToWorkflow({ workflowId: 'w' });
    await first.ready;
    server.publish(workflow('workflow_execution_started', 'p', 'w', 'e1', { totalPhases: 3 }));
    server.publish(workflow('workflow_phase_started', 'p', 'w', 'e1', { phaseId: 'plan', phase: 'Plan' }));
    await waitFor(() => client.getWorkflowState('e1')?.phases.length === 1, 'state');
    let late: WorkflowState | undefined;
    let latest: WorkflowState | undefined;
    client.subscribeToWorkflow({ executionId: 'e1', onState: (s) => (late = s) });
    client.subscribeToWorkflow({ workflowId: 'w', onState: (s) => (latest = s) });
    await Promise.resolve();
    assert.equal(late?.currentPhaseId, 'plan');
    assert.equal(late?.totalPhases, 3);
    assert.equal(latest?.executionId, 'e1');
  });

  it('tells a subscription the state of its socket, at once and on change', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 10, lingerTime: 0 });
    t.after(() => client.close());
    const states: ConnectionState[] = [];
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onConnectionChange: (st) => states.push(st) });
    await s.ready;
    await waitFor(() => states.includes('connected'), 'the state, told at once');
    server.dropConnections({ abrupt: true });
    await waitFor(() => states.filter((st) => st === 'connected').length === 2, 'reconnected');
    assert.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected']);
    assert.equal(s.getConnectionState(), 'connected');
  });

  it('keeps other subscribers and later events when a callback throws', async (t) => {
    const server = await startServer(t);
    const errors: unknown[] = [];
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, onListenerError: (e) => errors.push(e) });
    t.after(() => client.close());
    const ok: string[] = [];
    client.subscribeToTask({ projectId: 'p', onEvent: () => { throw new Error('bad onEvent'); }, onState: () => { throw new Error('bad onState'); } });
    const s = client.subscribeToTask({ projectId: 'p', onEvent: (e) => ok.push(e.taskId) });
    await s.ready;
    server.publish(task.started('p', '1'));
    server.publish(task.started('p', '2'));
    await waitFor(() => ok.length === 2, 'both events');
    assert.equal(errors.length, 4);
  });

  it('reports rejected frames of any socket to the app', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const reasons: string[] = [];
    client.onRejectedFrame((r) => reasons.push(r.reason));
    const got: string[] = [];
    const s = client.subscribeToTask({ projectId: 'p', onEvent: (e) => got.push(e.taskId) });
    await s.ready;
    server.sendRaw('{{{');
    server.publish(task.started('p', 'after'));
    await waitFor(() => got.length === 1, 'the valid event');
    assert.deepEqual(reasons, ['not_json']);
    assert.equal(client.getStats().framesRejected, 1);
  });

  it('connect() opens the all-projects socket before any subscription and disconnect() closes it', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket });
    t.after(() => client.close());
    await client.connect();
    assert.equal(client.isConnected(), true);
    assert.equal(client.getConnectionState(), 'connected');
    assert.equal(server.clientCount, 1);
    client.disconnect();
    assert.equal(client.isConnected(), false);
    await waitFor(() => server.clientCount === 0, 'closed');
  });

  it('refuses bad subscription options with a typed error, and opens nothing for them', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket });
    t.after(() => client.close());
    const bad: [string, () => unknown][] = [
      ['no options', () => client.subscribeToTask(undefined as never)],
      ['null options', () => client.subscribeToProgress(null as never)],
      ['types not an array', () => client.subscribeToTask({ projectId: 'p', taskId: 't', types: 5 as never })],
      ['an id not a string', () => client.subscribeToContainer({ projectId: 'p', containerId: 7 as never })],
      ['a callback not a function', () => client.subscribeToWorkflow({ executionId: 'x', onState: 'render' as never })],
      ['no onEvent', () => client.subscribeToProgress({} as never)],
    ];
    for (const [what, call] of bad) {
      assert.throws(call, (error: unknown) => error instanceof ProgressClientError && error.code === 'invalid_options', what);
    }
    // No socket object exists, so none can connect later.
    assert.deepEqual([client.getStats().sockets, client.getSubscriptionCount()], [0, 0]);
    assert.equal(server.clientCount, 0);
  });

  it('disconnect() drops a socket that is only lingering, so a later connect() does not reopen it', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.url + '/api/progress/subscribe/{projectId}', WebSocket: NodeWebSocket, lingerTime: 10_000 });
    t.after(() => client.close());
    const sub = client.subscribeToTask({ projectId: 'p1', taskId: 't' });
    await sub.ready;
    sub.unsubscribe(); // lingering for 10 s
    client.disconnect();
    await client.connect();
    // No socket object exists, so none can connect later.
    assert.equal(client.getStats().sockets, 0);
    await waitFor(() => server.clientCount === 0, 'the server to see the close');
  });

  it('keeps a token in the socket URL out of resync reports and stored positions', async (t) => {
    const server = await startServer(t);
    const storage = new MemoryStorage();
    const client = new ProgressClient({ url: `${server.urlFor()}?token=SECRET-JWT`, WebSocket: NodeWebSocket, reconnectDelay: 10, persist: { storage } });
    t.after(() => client.close());
    const urls: string[] = [];
    client.onResync((_reason, url) => urls.push(url));
    await client.subscribeToTask({ projectId: 'p', taskId: 't' }).ready;
    server.dropConnections();
    await waitFor(() => urls.length === 1, 'a resync after the reconnect');
    client.save();
    assert.deepEqual(urls, [server.urlFor()]);
    assert.ok(storage.map.size > 0);
    for (const [key, value] of storage.map) assert.doesNotMatch(key + value, /SECRET/);
  });
});
