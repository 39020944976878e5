/**
 * Code written for AInTandem's own SDK client runs on this one unchanged: its positional forms,
 * its subscriptions that are called to unsubscribe, its connection events through on(), and a
 * project set once on the client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AInTandemClient, ProgressClient, WebSocketManager, type ConnectionEvent, type ProgressEvent } from '../../../src/client/index.js';
import { NodeWebSocket, startServer, task, waitFor, workflow } from '../helpers/fixtures.js';

const perProject = (origin: string) => `${origin}/api/progress/subscribe/{projectId}`;

describe("AInTandem SDK usage", () => {
  it("WebSocketManager.on('connected' | 'disconnected' | 'error') hears the connection events, and off() stops it", async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, reconnect: false });
    const seen: string[] = [];
    const onConnected = (e: ConnectionEvent) => seen.push(e.type);
    m.on('connected', onConnected);
    m.on('disconnected', (e) => seen.push(`${e.type}:${e.code}`));
    m.on('error', (e) => seen.push(e.type));
    await m.connect();
    m.disconnect();
    m.off('connected', onConnected);
    await m.connect();
    m.disconnect();
    assert.deepEqual(seen, ['connected', 'disconnected:1000', 'disconnected:1000']);
  });

  it('subscribeToProgress(projectId, onEvent) and subscribeToProgress(onEvent); a subscription is also its unsubscribe function', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const ofP1: ProgressEvent[] = [];
    const all: ProgressEvent[] = [];
    const first = client.subscribeToProgress('p1', (e) => ofP1.push(e));
    const second = client.subscribeToProgress((e) => all.push(e));
    await first.ready;
    server.publish(task.started('p1', 't'));
    server.publish(task.started('p2', 't'));
    await waitFor(() => all.length === 2, 'both events');
    assert.deepEqual(ofP1.map((e) => e.projectId), ['p1']);
    first();
    second.unsubscribe();
    assert.equal(client.getSubscriptionCount(), 0);
  });

  it('onConnectionState(projectId, listener) hears only that project’s socket', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: perProject(server.url), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const ofP1: string[] = [];
    const off = client.onConnectionState('p1', (e) => ofP1.push(`${e.type} ${e.url}`));
    await Promise.all([client.subscribeToTask({ projectId: 'p1' }).ready, client.subscribeToTask({ projectId: 'p2' }).ready]);
    assert.deepEqual(ofP1, [`connected ${server.url}/api/progress/subscribe/p1`]);
    off();
  });

  it("AInTandemClient's projectId serves the subscriptions and connect() that name no project", async (t) => {
    const server = await startServer(t);
    const sdk = new AInTandemClient({ baseURL: `${server.url.replace('ws:', 'http:')}/api`, WebSocket: NodeWebSocket, projectId: 'p1', snapshots: false });
    t.after(() => sdk.close());
    const progress = sdk.getProgress();
    await progress.connect();
    assert.equal(progress.isConnected(), true);
    const events: ProgressEvent[] = [];
    const sub = progress.subscribeToWorkflow({ workflowId: 'wf', executionId: 'x1', onEvent: (e) => events.push(e) });
    const unsubscribe = await sdk.subscribeToWorkflow('wf', (e) => events.push(e), 'x1');
    server.publish(workflow('workflow_execution_started', 'p1', 'wf', 'x1'));
    await waitFor(() => events.length === 2, 'the event, to both');
    assert.equal(server.clients().length, 1, 'one socket: the project’s');
    assert.equal(server.clients()[0]!.projectId, 'p1');
    sub();
    unsubscribe();
    assert.equal(progress.getSubscriptionCount(), 0);
  });

  it('AInTandemClient can use a single socket for every project (socketUrl)', async (t) => {
    const server = await startServer(t);
    const sdk = new AInTandemClient({ baseURL: 'http://orchestrator.invalid/api', socketUrl: server.urlFor(), WebSocket: NodeWebSocket, snapshots: false });
    t.after(() => sdk.close());
    const events: ProgressEvent[] = [];
    await sdk.subscribeToWorkflow('wf', (e) => events.push(e), 'x1');
    server.publish(workflow('workflow_execution_started', 'p9', 'wf', 'x1'));
    await waitFor(() => events.length === 1, 'the event');
    assert.equal(server.clients()[0]!.path, '/ws');
  });

  it("a client's projectId is the project of subscriptions that name none: events of other projects stay out", async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, projectId: 'p1' });
    t.after(() => client.close());
    const got: string[] = [];
    await client.subscribeToTask({ taskId: 't1', onEvent: (e) => got.push(`${e.projectId}/${e.type}`) }).ready;
    server.publish(task.started('p2', 't1'));
    server.publish(task.started('p1', 't1'));
    // One socket, in order: p2's event, had it been let in, would have come before p1's.
    await waitFor(() => got.length >= 1, 'an event');
    assert.deepEqual(got, ['p1/task_started']);
    let known: string | undefined;
    client.subscribeToTask({ taskId: 't1', onState: (s) => (known = `${s.projectId}/${s.status}`) });
    await waitFor(() => known !== undefined, 'the known state, at once');
    assert.equal(known, 'p1/running');
  });

  it('connect() opens the default project again after disconnect(), besides the others', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: perProject(server.url), WebSocket: NodeWebSocket, lingerTime: 0, projectId: 'p1' });
    t.after(() => client.close());
    await client.connect();
    client.subscribeToTask({ projectId: 'q', taskId: 't' });
    client.disconnect();
    await client.connect();
    assert.equal(client.getConnectionState('p1'), 'connected');
    assert.equal(client.getConnectionState('q'), 'connected');
  });

  it('offConnectionState(listener) also removes a listener added for one project', async (t) => {
    const server = await startServer(t);
    const client = new ProgressClient({ url: perProject(server.url), WebSocket: NodeWebSocket, lingerTime: 0 });
    t.after(() => client.close());
    const heard: string[] = [];
    const listener = (e: ConnectionEvent) => heard.push(e.type);
    client.onConnectionState('p1', listener);
    client.offConnectionState(listener);
    await client.subscribeToTask({ projectId: 'p1', taskId: 't' }).ready;
    assert.deepEqual(heard, []);
  });
});
