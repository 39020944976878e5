/**
 * Nothing lost, nothing stale, over real sockets: sequence numbers, replay after a reconnect,
 * resync from snapshots, batches, and positions kept across a reload.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  aintandemSnapshotLoader,
  httpOriginOf,
  ProgressClient,
  referenceSnapshotLoader,
  type ProgressEvent,
  type SnapshotLoader,
  type ResyncReason,
  type TaskState,
  WebSocketManager,
  type WorkflowState,
} from '../../../src/client/index.js';
import { createProgressServer, ProgressJournal } from '../../../src/server/index.js';
import { MemoryStorage, NodeWebSocket, startServer, task, waitFor, workflow } from '../helpers/fixtures.js';
import { drain } from '../helpers/drain.js';

const steps = (projectId: string, taskId: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => task.step(projectId, taskId, `s${from + i}`, 'completed', from + i));

describe('resume', () => {
  it('stamps events with increasing sequence numbers and opens with a session frame', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket });
    t.after(() => m.disconnect());
    const seqs: number[] = [];
    m.on('*', (e) => seqs.push(e.seq!));
    await m.connect();
    server.publish(task.started('p', 't'));
    server.publish(task.started('q', 't')); // another project: its number is skipped on this socket
    server.publish(task.started('p', 'u'));
    await waitFor(() => seqs.length === 2, 'two events');
    assert.deepEqual(seqs, [1, 3]);
    assert.deepEqual(m.getResumePosition(), { epoch: server.journal.epoch, seq: 3 });
  });

  it('replays what was published while the client was away, exactly once and in order', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor('{projectId}').replace('%7BprojectId%7D', '{projectId}'), WebSocket: NodeWebSocket, reconnectDelay: 20, lingerTime: 0 });
    t.after(() => client.close());
    const got: string[] = [];
    const reasons: ResyncReason[] = [];
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: (e) => got.push((e as { step?: string }).step ?? e.type) });
    await s.ready;
    client.onResync((r) => reasons.push(r));
    for (const e of steps('p', 't', 0, 5)) server.publish(e);
    await waitFor(() => got.length === 5, 'live events');
    server.dropConnections({ abrupt: true });
    for (const e of steps('p', 't', 5, 10)) server.publish(e); // nobody is connected
    await waitFor(() => got.length === 10, 'replayed events', 5000);
    for (const e of steps('p', 't', 10, 12)) server.publish(e);
    await waitFor(() => got.length === 12, 'live events after the replay');
    assert.deepEqual(got, Array.from({ length: 12 }, (_, i) => `s${i}`));
    assert.deepEqual(reasons, ['resumed']);
    assert.equal(client.getTaskState('p', 't')!.steps.length, 12);
  });

  it('drops duplicates: an event whose number was already applied is not delivered again', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor(), WebSocket: NodeWebSocket });
    t.after(() => m.disconnect());
    const got: number[] = [];
    m.on('*', (e) => got.push(e.seq!));
    await m.connect();
    server.publish(task.started('p', 'a'));
    await waitFor(() => got.length === 1, 'first');
    const frame = JSON.stringify({ ...task.started('p', 'a'), seq: 1 });
    server.sendRaw(frame);
    server.sendRaw(`[${frame},${frame}]`);
    server.publish(task.started('p', 'b'));
    await waitFor(() => got.length === 2, 'second');
    assert.deepEqual(got, [1, 2]);
    assert.equal(m.getStats().duplicatesDropped, 3);
  });

  it('resyncs from snapshots when the gap is older than the replay buffer', async (t) => {
    const server = await startServer(t, { replayBufferSize: 5 });
    const loader = referenceSnapshotLoader(httpOriginOf(server.url));
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 300, random: () => 0.99, lingerTime: 0, snapshotLoader: loader });
    t.after(() => client.close());
    let state: TaskState | undefined;
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (st) => (state = st) });
    await s.ready;
    server.publish(task.started('p', 't'));
    await waitFor(() => state?.status === 'running', 'running');
    server.dropConnections({ abrupt: true });
    await waitFor(() => server.clientCount === 0, 'the server to see the drop');
    for (const e of steps('p', 't', 0, 20)) server.publish(e); // 20 > buffer of 5
    server.publish(task.completed('p', 't'));
    await waitFor(() => state?.status === 'completed' && state.steps.length === 20, 'the snapshot', 5000);
    assert.equal(state!.seq, server.journal.seq);
  });

  it('resyncs through snapshots after a restart that lost the journal (a new epoch)', async (t) => {
    const first = await createProgressServer();
    const port = first.port;
    const client = new ProgressClient({ url: first.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 30, lingerTime: 0, snapshotLoader: referenceSnapshotLoader(httpOriginOf(first.url)) });
    t.after(() => client.close());
    let state: TaskState | undefined;
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (st) => (state = st) });
    await s.ready;
    for (const e of steps('p', 't', 0, 8)) first.publish(e);
    await waitFor(() => state?.steps.length === 8, 'eight steps');
    await first.close();
    const second = await createProgressServer({ port });
    t.after(() => second.close());
    // The new server numbers from 1 again: the client must not take these for old events.
    await waitFor(() => second.clientCount === 1, 'the client back');
    second.publish(task.step('p', 't', 'after-restart', 'running', 90));
    await waitFor(() => state?.steps.some((x) => x.name === 'after-restart') === true, 'the new event applied', 5000);
  });

  it('keeps the journal across a restart when it is handed over, and resumes without loss', async (t) => {
    const journal = new ProgressJournal();
    const first = await createProgressServer({ journal });
    const port = first.port;
    const client = new ProgressClient({ url: first.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 30, lingerTime: 0 });
    t.after(() => client.close());
    const got: string[] = [];
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: (e) => got.push((e as { step?: string }).step!) });
    await s.ready;
    for (const e of steps('p', 't', 0, 3)) first.publish(e);
    await waitFor(() => got.length === 3, 'three');
    await first.close();
    const second = await createProgressServer({ port, journal });
    t.after(() => second.close());
    for (const e of steps('p', 't', 3, 6)) second.publish(e);
    await waitFor(() => got.length === 6, 'all six', 5000);
    assert.deepEqual(got, ['s0', 's1', 's2', 's3', 's4', 's5']);
  });

  it('a server without sequence numbers still works, and snapshots are loaded after each reconnect', async (t) => {
    // validate:false sends events as given (no seq) and no session frame is asked for.
    const server = await startServer(t, { validate: false });
    let loads = 0;
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 20, lingerTime: 0, resume: false,
      snapshotLoader: async () => (loads++, undefined),
    });
    t.after(() => client.close());
    const got: ProgressEvent[] = [];
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: (e) => got.push(e) });
    await s.ready;
    assert.equal(loads, 1, 'a late-join load at subscribe');
    server.publish(task.started('p', 't'));
    await waitFor(() => got.length === 1, 'an event');
    server.dropConnections({ abrupt: true });
    await waitFor(() => loads === 2, 'a reload after the reconnect', 5000);
  });

  it('a late subscriber sees the current state at once from a snapshot, then newer live events only', async (t) => {
    const server = await startServer(t);
    for (const e of steps('p', 't', 0, 4)) server.publish(e);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url)) });
    t.after(() => client.close());
    const states: TaskState[] = [];
    client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => states.push(s) });
    await waitFor(() => states.length === 1, 'the snapshot');
    assert.equal(states[0]!.steps.length, 4);
    server.publish(task.step('p', 't', 's4', 'running', 50));
    await waitFor(() => states.length === 2, 'a live event');
    assert.equal(states[1]!.steps.length, 5);
    // An event older than the snapshot is not applied over it.
    server.sendRaw(JSON.stringify({ ...task.step('p', 't', 'old', 'running', 1), seq: 2 }));
    await drain(server, client, 'p');
    assert.equal(client.getTaskState('p', 't')!.steps.length, 5);
  });

  it('a view of a run that a page-wide subscription saw only midway loads its snapshot: the whole plan, the start', async (t) => {
    const server = await startServer(t);
    const plan = ['a', 'b', 'c'].map((id) => ({ phaseId: id, phase: id.toUpperCase() }));
    server.publish(workflow('workflow_execution_started', 'p', 'w', 'e', { phases: plan, startedAt: new Date(Date.now() - 60_000).toISOString() }));
    server.publish(workflow('workflow_phase_started', 'p', 'w', 'e', { phaseId: 'a', phase: 'A' }));
    server.publish(workflow('workflow_phase_completed', 'p', 'w', 'e', { phaseId: 'a', phase: 'A' }));
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url)) });
    t.after(() => client.close());
    const everything = client.subscribeToProgress('p', () => {});
    await everything.ready;
    server.publish(workflow('workflow_phase_started', 'p', 'w', 'e', { phaseId: 'b', phase: 'B' }));
    await waitFor(() => client.getWorkflowState('e') !== undefined, 'the page-wide subscription to see the run');
    assert.equal(client.getWorkflowState('e')!.earlierUnknown, true);
    const shown: WorkflowState[] = [];
    client.subscribeToWorkflow({ executionId: 'e', projectId: 'p', onState: (s) => shown.push(s) });
    await waitFor(() => shown.at(-1)?.phases.length === 3, 'the snapshot with the plan');
    const last = shown.at(-1)!;
    assert.deepEqual(last.phases.map((p) => `${p.id}:${p.status}`), ['a:completed', 'b:running', 'c:pending']);
    assert.equal(last.earlierUnknown, undefined);
    assert.ok(last.startedAt !== undefined && Date.now() - Date.parse(last.startedAt) >= 60_000, 'the run\'s own start');
  });
});

describe('snapshots and views that come back', () => {
  it('a view that joins a running task gets the snapshot and, on top, the events that arrived while it loaded', async (t) => {
    const server = await startServer(t);
    server.publish(task.started('p', 't'));
    for (const e of steps('p', 't', 0, 5)) server.publish(e);
    server.publish(task.output('p', 't', 'before the view\n'));
    const reference = referenceSnapshotLoader(httpOriginOf(server.url));
    let answered!: () => void;
    const held = new Promise<void>((resolve) => (answered = resolve));
    // The answer is taken now and arrives only once a live event has come in meanwhile.
    const slow: SnapshotLoader = async (request, signal) => {
      const snapshot = await reference(request, signal);
      await held;
      return snapshot;
    };
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, snapshotLoader: slow });
    t.after(() => client.close());
    let shown: TaskState | undefined;
    await client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => (shown = s) }).ready;
    server.publish(task.step('p', 't', 's5', 'running', 60));
    await waitFor(() => shown?.steps.length === 1, 'the live event, before the snapshot');
    answered();
    await waitFor(() => shown?.steps.length === 6, 'the snapshot with the live event on top');
    assert.deepEqual(shown!.steps.map((s) => s.id), ['s0', 's1', 's2', 's3', 's4', 's5']);
    assert.deepEqual(shown!.output, ['before the view']);
    assert.deepEqual(client.getTaskState('p', 't'), server.journal.snapshot({ kind: 'task', projectId: 'p', taskId: 't' }));
  });

  it('a view that comes back after its socket closed catches up from where that socket stood', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 10 });
    t.after(() => client.close());
    const resyncs: ResyncReason[] = [];
    client.onResync((reason) => resyncs.push(reason));
    const first = client.subscribeToTask({ projectId: 'p', taskId: 't' });
    await first.ready;
    server.publish(task.step('p', 't', 'a', 'running', 40));
    await waitFor(() => client.getTaskState('p', 't')?.progress === 40, 'progress');
    first.unsubscribe();
    await waitFor(() => server.clientCount === 0, 'the socket closed after the linger');
    server.publish(task.completed('p', 't')); // while no socket is open
    let shown: TaskState | undefined;
    await client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => (shown = s) }).ready;
    await waitFor(() => shown?.status === 'completed', 'the event missed while away');
    assert.deepEqual(resyncs, ['resumed']);
  });

  it('after a restart that lost the journal while no socket was open, new events still apply', async (t) => {
    let server = await createProgressServer();
    const port = server.port;
    t.after(() => server.close());
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 10 });
    t.after(() => client.close());
    const first = client.subscribeToTask({ projectId: 'p', taskId: 't' });
    await first.ready;
    for (let i = 0; i < 20; i++) server.publish(task.output('other', 'x', 'x\n'));
    server.publish(task.step('p', 't', 'a', 'running', 10));
    await waitFor(() => client.getTaskState('p', 't')?.seq === 21, 'the state at seq 21');
    first.unsubscribe();
    await waitFor(() => server.clientCount === 0, 'the socket closed after the linger');
    await server.close();
    server = await createProgressServer({ port }); // numbers start again at 1
    const resyncs: ResyncReason[] = [];
    client.onResync((reason) => resyncs.push(reason));
    await client.subscribeToTask({ projectId: 'p', taskId: 't' }).ready;
    server.publish(task.step('p', 't', 'a', 'running', 90));
    server.publish(task.completed('p', 't'));
    await waitFor(() => client.getTaskState('p', 't')?.status === 'completed', 'the new events applied');
    assert.equal(client.getTaskState('p', 't')?.steps[0]?.progress, 90);
    assert.deepEqual(resyncs, ['epoch']);
  });

  it('after a reload, states kept for a server without sequence numbers are reloaded from snapshots', async (t) => {
    const server = await startServer(t);
    const storage = new MemoryStorage();
    let loads = 0;
    const reference = referenceSnapshotLoader(httpOriginOf(server.url));
    const config = {
      url: server.urlFor(), WebSocket: NodeWebSocket, resume: false, lingerTime: 0, persist: { storage },
      snapshotLoader: ((request, signal) => (loads++, reference(request, signal))) satisfies SnapshotLoader,
    };
    const first = new ProgressClient(config);
    await first.subscribeToTask({ projectId: 'p', taskId: 't' }).ready;
    server.publish(task.step('p', 't', 'a', 'running', 30));
    await waitFor(() => first.getTaskState('p', 't')?.progress === 30, 'progress');
    first.save();
    first.close();
    server.publish(task.completed('p', 't')); // during the reload
    loads = 0;
    const second = new ProgressClient(config);
    t.after(() => second.close());
    const shown: TaskState[] = [];
    second.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => shown.push(s) });
    await waitFor(() => shown.at(-1)?.status === 'completed', 'the snapshot');
    assert.equal(shown[0]!.progress, 30, 'the kept state first');
    assert.equal(loads, 1);
  });

  it("on AInTandem, the resync after a reconnect takes the REST execution over the live state it missed", async (t) => {
    // validate:false: events as given, without numbers, as AInTandem sends them.
    const server = await startServer(t, { validate: false });
    const start = new Date(Date.now() - 60_000).toISOString();
    // GET /workflows/executions/x1 in the documented shape: no updatedAt.
    const execution = {
      id: 'x1', workflowId: 'wf', projectId: 'p', status: 'running', startTime: start, currentPhase: 'c', totalPhases: 3,
      phases: [
        { phaseId: 'a', name: 'a', status: 'completed', startTime: start, endTime: start },
        { phaseId: 'b', name: 'b', status: 'completed', startTime: start, endTime: start },
        { phaseId: 'c', name: 'c', status: 'running', startTime: start },
      ],
    };
    let known = false;
    const rest = (async () => (known ? new Response(JSON.stringify(execution)) : new Response('', { status: 404 }))) as typeof fetch;
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, resume: false, reconnectDelay: 10, lingerTime: 0,
      snapshotLoader: aintandemSnapshotLoader('http://orchestrator.invalid/api', { fetch: rest }),
    });
    t.after(() => client.close());
    let shown: WorkflowState | undefined;
    await client.subscribeToWorkflow({ projectId: 'p', workflowId: 'wf', executionId: 'x1', onState: (s) => (shown = s) }).ready;
    server.publish(workflow('workflow_phase_started', 'p', 'wf', 'x1', { phaseId: 'a', phase: 'a', totalPhases: 3 }));
    await waitFor(() => shown?.phases.length === 1, 'the first phase, live');
    known = true;
    server.dropConnections({ abrupt: true }); // a and b complete, c starts, while disconnected
    await waitFor(() => shown?.phases.length === 3, 'the execution from REST');
    assert.deepEqual(shown!.phases.map((p) => `${p.id}:${p.status}`), ['a:completed', 'b:completed', 'c:running']);
  });

  it('a late view whose socket opens after a while asks for its snapshot once the socket is open, so nothing published meanwhile is lost', async (t) => {
    const server = await startServer(t);
    server.publish(task.started('p', 't'));
    let tokenAsked!: () => void;
    const asked = new Promise<void>((resolve) => (tokenAsked = resolve));
    let answer!: (token: string) => void;
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0,
      snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url)),
      // A token from an auth service that answers later.
      getToken: () => new Promise<string>((resolve) => ((answer = resolve), tokenAsked())),
    });
    t.after(() => client.close());
    const shown: string[] = [];
    const sub = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => shown.push(s.status) });
    await asked;
    server.publish(task.completed('p', 't')); // before the socket is open: it waits for the token
    answer('token');
    await sub.ready;
    await waitFor(() => shown.at(-1) === 'completed', 'the task completed');
  });

  it('a late view whose socket cannot connect still shows the snapshot, and asks again once the socket is open', async (t) => {
    const server = await startServer(t);
    server.publish(task.started('p', 't'));
    let refuse = true;
    // The socket's host refuses connections for a while; its HTTP reads still answer.
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, reconnectDelay: 20, maxReconnectDelay: 20,
      snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url)),
      getToken: async () => {
        if (refuse) throw new Error('auth service down');
        return 'token';
      },
      onListenerError: () => {},
    });
    t.after(() => client.close());
    const first: string[] = [];
    const view = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => first.push(s.status) });
    await waitFor(() => first.includes('running'), 'the snapshot, while the socket cannot connect');
    // The view is moved in the page (removed and added again) while the socket still cannot connect.
    view();
    const shown: string[] = [];
    client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => shown.push(s.status) });
    await waitFor(() => shown.includes('running'), 'the state known, at once');
    server.publish(task.completed('p', 't'));
    refuse = false;
    await waitFor(() => shown.at(-1) === 'completed', 'the snapshot asked for again once connected');
  });

  it('a late view whose socket gives up at once (reconnect: false) still shows the snapshot', async (t) => {
    const server = await startServer(t, { authenticate: (token) => token === 'good' });
    server.publish(task.completed('p', 't'));
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, reconnect: false, token: 'expired', tokenTransport: 'message',
      snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url), { token: 'good' }),
    });
    t.after(() => client.close());
    const shown: string[] = [];
    const view = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => shown.push(s.status) });
    await assert.rejects(view.ready);
    await waitFor(() => shown.includes('completed'), 'the snapshot');
  });

  it('asks for the snapshot of a view removed before its socket opened no more, and asks once per view after a resync', async (t) => {
    const server = await startServer(t);
    for (const id of ['a', 'b']) server.publish(task.started('p', id));
    const asked: string[] = [];
    const reference = referenceSnapshotLoader(httpOriginOf(server.url));
    const loader: SnapshotLoader = (request, signal) => {
      asked.push((request as { taskId: string }).taskId);
      return reference(request, signal);
    };
    // A position in an epoch the server does not have: the socket resyncs as it opens.
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, snapshotLoader: loader, resumeFrom: { epoch: 'gone', seq: 7 } });
    t.after(() => client.close());
    const resyncs: ResyncReason[] = [];
    client.onResync((reason) => resyncs.push(reason));
    const keep = client.subscribeToTask({ projectId: 'p', taskId: 'a' });
    client.subscribeToTask({ projectId: 'p', taskId: 'b' })(); // removed at once
    await keep.ready;
    // Loads are asked for when the socket opens and at the resync, both over by now.
    await waitFor(() => resyncs.length === 1 && client.getTaskState('p', 'a') !== undefined, 'the resync and the snapshot');
    assert.deepEqual(resyncs, ['epoch']);
    assert.deepEqual(asked, ['a']);
    assert.equal(client.getTaskState('p', 'b'), undefined);
  });

  it('a resync while a snapshot is on its way asks again: the answer from before the gap is not taken', async (t) => {
    const server = await startServer(t, { replayBufferSize: 2 });
    server.publish(task.started('p', 't'));
    const reference = referenceSnapshotLoader(httpOriginOf(server.url));
    let loads = 0;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstAnswered!: Promise<unknown>;
    const slow: SnapshotLoader = (request, signal) => {
      const answer = (async () => {
        const snapshot = await reference(request, signal);
        if (loads === 1) await firstHeld; // the first answer arrives late, after the gap
        return snapshot;
      })();
      if (++loads === 1) firstAnswered = answer;
      return answer;
    };
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 20, maxReconnectDelay: 20, lingerTime: 0, snapshotLoader: slow });
    t.after(() => client.close());
    const reasons: ResyncReason[] = [];
    client.onResync((reason) => reasons.push(reason));
    await client.subscribeToTask({ projectId: 'p', taskId: 't' }).ready;
    await waitFor(() => loads === 1, 'the first load under way');
    server.dropConnections({ abrupt: true });
    for (const e of steps('p', 't', 0, 3)) server.publish(e);
    server.publish(task.completed('p', 't'));
    await waitFor(() => reasons.includes('gap'), 'a gap');
    await waitFor(() => client.getTaskState('p', 't')?.status === 'completed', 'the snapshot asked for after the gap');
    releaseFirst();
    await firstAnswered;
    await new Promise((resolve) => setImmediate(resolve));
    // The first answer has arrived, and changed nothing.
    assert.equal(client.getTaskState('p', 't')?.status, 'completed');
    assert.equal(client.getTaskState('p', 't')?.steps.length, 3);
  });

  it('refuses a snapshot with malformed members; a state the reducers cannot take does not stop the rest of the frame', async (t) => {
    const server = await startServer(t);
    const malformed = (async () =>
      new Response(JSON.stringify({ kind: 'task', projectId: 'p', taskId: 't', status: 'running', steps: [null], output: [], artifacts: [] }))) as typeof fetch;
    const errors: unknown[] = [];
    const load = referenceSnapshotLoader(httpOriginOf(server.url), { fetch: malformed });
    let answered: Promise<unknown> | undefined;
    const client = new ProgressClient({
      url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, onListenerError: (error) => errors.push(error),
      snapshotLoader: (request, signal) => (answered = load(request, signal)),
    });
    t.after(() => client.close());
    await client.subscribeToTask({ projectId: 'p', taskId: 't' }).ready;
    await waitFor(() => answered !== undefined, 'the snapshot asked for');
    await answered;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(client.getTaskState('p', 't'), undefined, 'the malformed snapshot was not taken');
    // The app's own data, set straight into the store, is not checked: it must not break other entities.
    client.store.set({ kind: 'task', projectId: 'p', taskId: 'bad', status: 'running', steps: [null] } as unknown as TaskState);
    const got: string[] = [];
    client.subscribeToTask({ projectId: 'p', taskId: 'u', onEvent: (e) => got.push(e.type), onState: (s) => got.push(`state:${s.status}`) });
    server.sendRaw(JSON.stringify([task.step('p', 'bad', 'a', 'running'), task.started('p', 'u'), task.step('p', 'u', 'a', 'running', 5)]));
    await waitFor(() => got.includes('state:running'), 'the other task updated');
    assert.deepEqual(got, ['task_started', 'step_progress', 'state:running']);
    assert.equal(errors.length, 1, 'the bad state was reported');
    assert.match(String((errors[0] as Error).message), /state update failed for step_progress/);
  });
});

describe('batches', () => {
  it('gathers a burst into array frames, delivers every event in order, and sends a lone event at once', async (t) => {
    const server = await startServer(t, { batchWindow: 30 });
    const m = new WebSocketManager({ url: server.urlFor(), WebSocket: NodeWebSocket });
    t.after(() => m.disconnect());
    const frames: number[] = [];
    const got: number[] = [];
    m.onFrame((events) => frames.push(events.length));
    m.on('*', (e) => got.push(e.seq!));
    await m.connect();
    for (let i = 0; i < 100; i++) server.publish(task.step('p', 't', `s${i}`, 'running', i));
    await waitFor(() => got.length === 100, 'the burst');
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(frames[0], 1, 'the first event after a quiet period goes out alone, at once');
    assert.ok(frames.length <= 3, `batched into few frames: ${frames}`);
    // The stream idle: longer than the batch window since the last frame.
    await waitFor(() => Date.now() - m.getStats().lastFrameAt > 3 * 30, 'the stream idle for three batch windows');
    const before = Date.now();
    server.publish(task.started('p', 'lone'));
    await waitFor(() => got.length === 101, 'a lone event');
    assert.ok(Date.now() - before < 25, 'no batching delay for an idle stream');
  });

  it('sends single events to a client that did not ask for batches', async (t) => {
    const server = await startServer(t, { batchWindow: 30 });
    const m = new WebSocketManager({ url: server.urlFor(), WebSocket: NodeWebSocket, batch: false });
    t.after(() => m.disconnect());
    const frames: number[] = [];
    m.onFrame((events) => frames.push(events.length));
    await m.connect();
    for (let i = 0; i < 20; i++) server.publish(task.started('p', `t${i}`));
    await waitFor(() => frames.length === 20, 'twenty frames');
    assert.ok(frames.every((n) => n === 1));
  });

  it('caps the batch size', async (t) => {
    const server = await startServer(t, { batchWindow: 50, maxBatchEvents: 10 });
    const m = new WebSocketManager({ url: server.urlFor(), WebSocket: NodeWebSocket });
    t.after(() => m.disconnect());
    const frames: number[] = [];
    m.onFrame((events) => frames.push(events.length));
    await m.connect();
    for (let i = 0; i < 45; i++) server.publish(task.started('p', `t${i}`));
    await waitFor(() => frames.reduce((a, b) => a + b, 0) === 45, 'all events');
    assert.ok(Math.max(...frames) <= 10, `frames: ${frames}`);
  });

  it('keeps every batch frame, live or replayed, within maxBatchSize characters', async (t) => {
    const maxBatchSize = 1000;
    const server = await startServer(t, { batchWindow: 50, maxBatchSize });
    const url = `${server.urlFor()}?batch=1&resume=1`;
    /** Opens a raw socket that keeps the text of every frame. */
    const open = async (query = '') => {
      const ws = new WebSocket(url + query);
      const texts: string[] = [];
      ws.on('message', (data) => texts.push(data.toString()));
      await new Promise((resolve) => ws.once('open', resolve));
      t.after(() => ws.terminate());
      return { ws, texts };
    };
    const count = (texts: string[]) => texts.map((x) => JSON.parse(x)).reduce((n, v) => n + (Array.isArray(v) ? v.length : v.type === 'session' ? 0 : 1), 0);
    const live = await open();
    // Events of about 230 characters: four fit in a frame, a fifth would not.
    const message = 'x'.repeat(120);
    for (let i = 0; i < 40; i++) server.publish({ ...task.step('p', 't', `s${i}`, 'running', i), message } as ProgressEvent);
    await waitFor(() => count(live.texts) === 40, 'all 40 events');
    const batches = live.texts.filter((x) => x.startsWith('['));
    assert.ok(batches.length >= 8, `batch frames: ${batches.length}`);
    for (const text of live.texts) assert.ok(text.length <= maxBatchSize, `a frame of ${text.length} characters`);
    assert.ok(batches.some((x) => x.length > maxBatchSize * 0.75), 'batches are filled up to the cap');

    // A client that resumes from the start gets the 40 events replayed, in frames within the cap too.
    const session = JSON.parse(live.texts[0]!) as { epoch: string };
    const replayed = await open(`&epoch=${session.epoch}&since=0`);
    await waitFor(() => count(replayed.texts) === 40, 'the replay');
    for (const text of replayed.texts) assert.ok(text.length <= maxBatchSize, `a replayed frame of ${text.length} characters`);
    const seqs = replayed.texts.flatMap((x) => [JSON.parse(x)].flat()).filter((e) => e.type !== 'session').map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps the valid members of a malformed batch', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor(), WebSocket: NodeWebSocket, onListenerError: () => {} });
    t.after(() => m.disconnect());
    const got: string[] = [];
    const reasons: string[] = [];
    m.on('*', (e) => got.push((e as { taskId: string }).taskId));
    m.onRejectedFrame((r) => reasons.push(`${r.index}:${r.reason}`));
    await m.connect();
    const ok = (id: string) => JSON.stringify(task.started('p', id));
    server.sendRaw(`[${ok('a')}, 7, [${ok('nested')}], null, {"type":"nope"}, ${ok('b')}]`);
    server.sendRaw('[]');
    server.sendRaw(`[${ok('c')}]`);
    await waitFor(() => got.length === 3, 'the valid members');
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.deepEqual(reasons, ['1:not_object', '2:not_object', '3:not_object', '4:unknown_type', 'undefined:empty_batch']);
  });

  it('hands a batch to the state subscribers as one update per entity', async (t) => {
    const server = await startServer(t, { batchWindow: 40 });
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const states: TaskState[] = [];
    let events = 0;
    const s = client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (st) => states.push(st), onEvent: () => events++ });
    await s.ready;
    server.publish(task.started('p', 't')); // alone, at once
    for (let i = 0; i < 50; i++) server.publish(task.step('p', 't', `s${i}`, 'completed', i * 2));
    await waitFor(() => events === 51, 'every event');
    assert.ok(states.length <= 4, `state updates: ${states.length}`);
    assert.equal(states.at(-1)!.steps.length, 50);
  });
});

describe('persistence across a reload', () => {
  it('keeps the position and the states on view, and resumes from them in a new client', async (t) => {
    const server = await startServer(t);
    const storage = new MemoryStorage();
    const first = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, persist: { storage }, lingerTime: 0 });
    const s = first.subscribeToTask({ projectId: 'p', taskId: 't' });
    await s.ready;
    for (const e of steps('p', 't', 0, 3)) server.publish(e);
    await waitFor(() => first.getTaskState('p', 't')?.steps.length === 3, 'three steps');
    first.save();
    first.close();
    for (const e of steps('p', 't', 3, 5)) server.publish(e); // while the page reloads

    const second = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, persist: { storage }, lingerTime: 0 });
    t.after(() => second.close());
    let state: TaskState | undefined;
    second.subscribeToTask({ projectId: 'p', taskId: 't', onState: (st) => (state = st) });
    await Promise.resolve();
    assert.equal(state?.steps.length, 3, 'the kept state, at once, before any connection');
    await waitFor(() => state?.steps.length === 5, 'the events of the reload, replayed');
    assert.deepEqual(state!.steps.map((x) => x.name), ['s0', 's1', 's2', 's3', 's4']);
  });

  it('ignores malformed stored data', () => {
    const storage = new MemoryStorage();
    storage.setItem('k', '{"v":1,"positions":{"x":{"epoch":5}},"states":[{"kind":"task"},null,"x"]}');
    const client = new ProgressClient({ url: 'ws://127.0.0.1:9/ws', WebSocket: NodeWebSocket, persist: { storage, key: 'k' } });
    assert.equal(client.store.size, 0);
    client.close();
    storage.setItem('k', 'not json');
    new ProgressClient({ url: 'ws://127.0.0.1:9/ws', WebSocket: NodeWebSocket, persist: { storage, key: 'k' } }).close();
  });
});
