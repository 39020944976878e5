import { expect } from '@open-wc/testing';
import { ProgressClient, WebSocketManager, type ConnectionEvent, type ProgressEvent, type TaskState } from '../../src/client/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';

const ts = () => new Date().toISOString();
const started = (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_started', projectId, taskId, timestamp: ts() });

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
      started(projectId, 't1'),
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

  it('rejects malformed frames and keeps delivering valid ones', async () => {
    const server = await TestServer.create();
    const client = new ProgressClient({ url: server.allUrl, lingerTime: 0 });
    const reasons: string[] = [];
    client.onRejectedFrame((r) => reasons.push(r.reason));
    const got: string[] = [];
    const sub = client.subscribeToTask({ projectId: 'p', onEvent: (e) => got.push(e.taskId) });
    await sub.ready;
    await server.sendRaw('nope', '[]', JSON.stringify({ type: 'task_started', projectId: 'p', timestamp: ts() }));
    await server.publish(started('p', 'ok'));
    await waitFor(() => got.length === 1, 'the valid event');
    expect(reasons).to.deep.equal(['not_json', 'empty_batch', 'missing_field']);
    client.close();
    await server.dispose();
  });

  it('reconnects after the server drops the connection, and after a restart', async () => {
    const server = await TestServer.create();
    const client = new ProgressClient({ url: server.allUrl, reconnectDelay: 50, lingerTime: 0 });
    const got: string[] = [];
    const states: string[] = [];
    const sub = client.subscribeToTask({ projectId: 'p', onEvent: (e) => got.push(e.taskId), onConnectionChange: (s) => states.push(s) });
    await sub.ready;
    await server.drop({ abrupt: true });
    await waitFor(() => states.filter((s) => s === 'connected').length === 2, 'reconnected after a drop');
    await server.restart();
    await waitFor(() => states.filter((s) => s === 'connected').length === 3, 'reconnected after a restart', 10000);
    await server.publish(started('p', 'after'));
    await waitFor(() => got.length === 1, 'an event on the new connection');
    expect(states).to.include('reconnecting');
    client.close();
    await server.dispose();
  });

  it('detects a stalled (half-open) server and recovers when it answers again', async () => {
    const server = await TestServer.create();
    const m = new WebSocketManager({ url: server.allUrl, heartbeatInterval: 150, heartbeatTimeout: 150, reconnectDelay: 20 });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    await m.connect();
    await server.stall(true);
    await waitFor(() => events.some((e) => e.type === 'disconnected' && e.reason === 'heartbeat timeout'), 'the heartbeat timeout', 3000);
    await server.stall(false);
    await waitFor(() => m.isConnected(), 'a new connection', 5000);
    m.disconnect();
    await server.dispose();
  });

  it('reconnects at once when the browser comes back online', async () => {
    const server = await TestServer.create();
    const m = new WebSocketManager({ url: server.allUrl, reconnectDelay: 60_000, random: () => 0.99 });
    await m.connect();
    await server.drop({ abrupt: true });
    await waitFor(() => m.getState() === 'reconnecting', 'a scheduled reconnect (a minute away)');
    window.dispatchEvent(new Event('online'));
    await waitFor(() => m.isConnected(), 'reconnected without waiting for the backoff', 3000);
    m.disconnect();
    await server.dispose();
  });

  it('checks the connection with a ping when a hidden page becomes visible', async () => {
    const server = await TestServer.create();
    const m = new WebSocketManager({ url: server.allUrl, heartbeatInterval: 600_000, heartbeatTimeout: 200, reconnectDelay: 10 });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    await m.connect();
    await server.stall(true);
    document.dispatchEvent(new Event('visibilitychange')); // the test page is visible
    await waitFor(() => events.some((e) => e.type === 'disconnected' && e.reason === 'heartbeat timeout'), 'the immediate check to fail', 3000);
    await server.stall(false);
    await waitFor(() => m.isConnected(), 'reconnected');
    m.disconnect();
    await server.dispose();
  });

  it('removes its window and document listeners on disconnect()', async () => {
    const server = await TestServer.shared();
    const added = new Map<string, number>();
    const count = (target: EventTarget, sign: number) => {
      const add = target.addEventListener.bind(target);
      const remove = target.removeEventListener.bind(target);
      target.addEventListener = (type: string, ...rest: unknown[]) => {
        added.set(type, (added.get(type) ?? 0) + sign);
        return (add as (...a: unknown[]) => void)(type, ...rest);
      };
      target.removeEventListener = (type: string, ...rest: unknown[]) => {
        added.set(type, (added.get(type) ?? 0) - sign);
        return (remove as (...a: unknown[]) => void)(type, ...rest);
      };
      return () => {
        target.addEventListener = add;
        target.removeEventListener = remove;
      };
    };
    const restoreWindow = count(window, 1);
    const restoreDocument = count(document, 1);
    try {
      const m = new WebSocketManager({ url: server.allUrl });
      await m.connect();
      expect(added.get('online')).to.equal(1);
      expect(added.get('visibilitychange')).to.equal(1);
      m.disconnect();
      expect(added.get('online')).to.equal(0);
      expect(added.get('visibilitychange')).to.equal(0);
    } finally {
      restoreWindow();
      restoreDocument();
    }
  });

  it('sends the token as the token query parameter and never shows it', async () => {
    const server = await TestServer.create({ token: 'browser-secret' });
    const logged: string[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => logged.push(a.map(String).join(' '));
    try {
      const ok = new WebSocketManager({ url: server.allUrl, token: 'browser-secret' });
      await ok.connect();
      const events: ConnectionEvent[] = [];
      const bad = new WebSocketManager({ url: server.allUrl, token: 'wrong-secret' });
      bad.onConnectionState((e) => events.push(e));
      await bad.connect().catch(() => {});
      await waitFor(() => bad.getState() === 'failed', 'the refused token to end reconnection');
      expect(ok.isConnected()).to.equal(true);
      expect(JSON.stringify(events)).not.to.contain('secret');
      ok.disconnect();
      bad.disconnect();
    } finally {
      console.error = original;
    }
    expect(logged.join('\n')).not.to.contain('secret');
    await server.dispose();
  });
});
