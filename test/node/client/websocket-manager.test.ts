import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { WebSocketManager, type ConnectionEvent, type ProgressEvent } from '../../../src/client/index.js';
import { activeResources, deadUrl, NodeWebSocket, sleep, startServer, task, waitFor } from '../helpers/fixtures.js';

const quiet = { onListenerError: () => {} };

describe('WebSocketManager over a real socket', () => {
  it('connects, receives typed events, and disconnects without reconnecting', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p1'), WebSocket: NodeWebSocket });
    const got: ProgressEvent[] = [];
    const all: ProgressEvent[] = [];
    const onStep = (e: ProgressEvent) => got.push(e);
    m.on('step_progress', onStep);
    m.on('*', (e) => all.push(e));
    const states: string[] = [];
    m.onStateChange((s) => states.push(s));
    await m.connect();
    assert.equal(m.isConnected(), true);
    assert.equal(m.getState(), 'connected');
    server.publish(task.started('p1', 't'));
    server.publish(task.step('p1', 't', 'build', 'running', 10));
    await waitFor(() => all.length === 2, 'two events');
    assert.equal(got.length, 1);
    assert.equal(got[0]!.type, 'step_progress');
    m.off('step_progress', onStep);
    server.publish(task.step('p1', 't', 'build', 'completed', 100));
    await waitFor(() => all.length === 3, 'third event');
    assert.equal(got.length, 1, 'off() removed the listener');

    m.disconnect();
    assert.equal(m.getState(), 'disconnected');
    assert.deepEqual(states, ['connecting', 'connected', 'disconnecting', 'disconnected']);
    await waitFor(() => server.clientCount === 0, 'server sees the close');
    assert.equal(m.getRetryAt(), undefined, 'no reconnect is scheduled after a manual disconnect');
  });

  it('leaves no timer behind after disconnect()', async (t) => {
    const server = await startServer(t);
    const before = activeResources().Timeout ?? 0;
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, heartbeatInterval: 50 });
    let pongs = 0;
    m.on('heartbeat', (e) => e.direction === 'pong' && pongs++);
    await m.connect();
    await waitFor(() => pongs >= 2, 'the heartbeat running');
    m.disconnect();
    await waitFor(() => (activeResources().Timeout ?? 0) <= before, `no timer left (${JSON.stringify(activeResources())})`);
  });

  it('leaves no timer behind when disconnect() comes during a reconnect wait', async () => {
    const url = await deadUrl();
    const before = activeResources().Timeout ?? 0;
    const m = new WebSocketManager({ url, WebSocket: NodeWebSocket, reconnectDelay: 10000, random: () => 1, ...quiet });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    const connecting = m.connect();
    await waitFor(() => m.getState() === 'reconnecting', 'reconnecting');
    m.disconnect();
    await assert.rejects(connecting, /disconnected/);
    assert.equal(m.getState(), 'disconnected');
    assert.ok((activeResources().Timeout ?? 0) <= before, 'the reconnect timer is gone');
    const last = events.at(-1);
    assert.equal(last?.type, 'disconnected');
    assert.equal(last?.type === 'disconnected' && last.willReconnect, false);
  });

  it('stays closed when a listener disconnects as the connection drops', async (t) => {
    const server = await startServer(t);
    const before = activeResources().Timeout ?? 0;
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, reconnectDelay: 20, heartbeatInterval: 0, random: () => 1 });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => {
      events.push(e);
      if (e.type === 'disconnected' && e.willReconnect) m.disconnect();
    });
    await m.connect();
    server.dropConnections();
    await waitFor(() => m.getState() === 'disconnected', 'disconnected');
    assert.equal(m.getRetryAt(), undefined, 'no reconnect is scheduled');
    assert.equal(m.getState(), 'disconnected');
    assert.ok((activeResources().Timeout ?? 0) <= before, `timers: ${JSON.stringify(activeResources())}`);
    assert.deepEqual(
      events.filter((e) => e.type === 'disconnected').map((e) => e.type === 'disconnected' && e.willReconnect),
      [true, false],
      'the drop, then the disconnect() it caused',
    );
  });

  it('leaves no heartbeat behind when a listener disconnects as soon as it is connected', async (t) => {
    const server = await startServer(t);
    const before = activeResources().Timeout ?? 0;
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, heartbeatInterval: 30 });
    m.onStateChange((state) => {
      if (state === 'connected') m.disconnect();
    });
    await assert.rejects(m.connect(), /disconnected/);
    assert.equal(m.getState(), 'disconnected');
    await waitFor(() => (activeResources().Timeout ?? 0) <= before, `no timer left (${JSON.stringify(activeResources())})`);
    await waitFor(() => server.clientCount === 0, 'the socket is closed');
  });

  it('counts a getToken that never answers as a failed attempt after connectionTimeout', async (t) => {
    const seen: (string | undefined)[] = [];
    const server = await startServer(t, { authenticate: (token) => (seen.push(token), true) });
    let calls = 0;
    const m = new WebSocketManager({
      url: server.urlFor('p'),
      WebSocket: NodeWebSocket,
      connectionTimeout: 80,
      reconnectDelay: 10,
      random: () => 1,
      // The first call hangs for ever; the second answers.
      getToken: () => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve('fresh')),
    });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    await m.connect();
    t.after(() => m.disconnect());
    assert.equal(calls, 2);
    const drop = events.find((e) => e.type === 'disconnected');
    assert.equal(drop?.type === 'disconnected' && drop.reason, 'connection timeout');
    assert.deepEqual(seen, ['fresh']);
  });

  it('stops after maxReconnectAttempts and says so through state and a willReconnect:false event', async () => {
    const url = await deadUrl();
    const m = new WebSocketManager({ url, WebSocket: NodeWebSocket, reconnectDelay: 5, maxReconnectAttempts: 3, ...quiet });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    await assert.rejects(m.connect(), /gave up/);
    assert.equal(m.getState(), 'failed');
    const disconnects = events.filter((e) => e.type === 'disconnected');
    assert.equal(disconnects.length, 4, 'three retries, then the final report');
    const final = disconnects.at(-1)!;
    assert.equal(final.type === 'disconnected' && final.willReconnect, false);
    assert.equal(final.state, 'failed');
    assert.equal(m.getStats().reconnectAttempts, 3);
    m.disconnect();
  });

  it('detects a half-open connection within heartbeatInterval + heartbeatTimeout and reconnects', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({
      url: server.urlFor('p'), WebSocket: NodeWebSocket, heartbeatInterval: 100, heartbeatTimeout: 100, reconnectDelay: 10, ...quiet,
    });
    let pongs = 0;
    m.on('heartbeat', (e) => e.direction === 'pong' && pongs++);
    await m.connect();
    await waitFor(() => pongs >= 2, 'pings answered');
    assert.equal(m.getState(), 'connected', 'answered pings keep it connected');
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    server.stall(true);
    const stalledAt = Date.now();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the dead connection to be noticed', 3000);
    const detectedIn = Date.now() - stalledAt;
    assert.ok(detectedIn <= 200 + 300, `detected in ${detectedIn} ms (interval 100 + timeout 100, plus slack for a busy machine)`);
    const d = events.find((e) => e.type === 'disconnected')!;
    assert.equal(d.type === 'disconnected' && d.reason, 'heartbeat timeout');
    assert.equal(d.type === 'disconnected' && d.willReconnect, true);
    server.stall(false);
    await waitFor(() => m.isConnected(), 'reconnected');
    m.disconnect();
  });

  it('answers the server’s JSON ping with a JSON pong', async (t) => {
    const server = await startServer(t);
    const pongs: unknown[] = [];
    server.on('message', (_c, msg) => {
      if (msg.type === 'pong') pongs.push(msg);
    });
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket });
    await m.connect();
    server.ping();
    await waitFor(() => pongs.length === 1, 'a pong');
    assert.equal(typeof (pongs[0] as { timestamp: unknown }).timestamp, 'string');
    m.disconnect();
  });

  it('sends its own JSON pings and hears the pongs', async (t) => {
    const server = await startServer(t);
    const pings: unknown[] = [];
    server.on('message', (_c, msg) => {
      if (msg.type === 'ping') pings.push(msg);
    });
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, heartbeatInterval: 30 });
    const pongs: ConnectionEvent[] = [];
    m.onConnectionState((e) => e.type === 'heartbeat' && e.direction === 'pong' && pongs.push(e));
    await m.connect();
    await waitFor(() => pongs.length >= 2, 'two pongs');
    assert.ok(pings.length >= 2);
    m.disconnect();
  });

  it('rejects malformed frames with a reason, counts them, and still delivers later valid events', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, maxFrameSize: 10_000 });
    const reasons: string[] = [];
    m.onRejectedFrame((r) => reasons.push(r.reason));
    const events: ProgressEvent[] = [];
    m.on('*', (e) => events.push(e));
    await m.connect();
    server.sendRaw('not json');
    server.sendRaw('[1,2,3]');
    server.sendRaw('"a string"');
    server.sendRaw(JSON.stringify({ type: 'task_exploded', projectId: 'p', timestamp: 't' }));
    server.sendRaw(JSON.stringify({ type: 'task_started', projectId: 'p', timestamp: 't' }));
    server.sendRaw(JSON.stringify({ type: 'task_started', projectId: 'p', timestamp: 't', taskId: 42 }));
    server.sendRaw(new Uint8Array([1, 2, 3]));
    server.sendRaw(JSON.stringify({ type: 'output', projectId: 'p', timestamp: 't', taskId: 't', output: 'x'.repeat(20_000) }));
    server.publish(task.started('p', 'after'));
    await waitFor(() => events.length === 1, 'the valid event');
    assert.equal(events[0]!.type, 'task_started');
    // '[1,2,3]' is a batch of three members that are not objects: one rejection each.
    assert.deepEqual(reasons, ['not_json', 'not_object', 'not_object', 'not_object', 'not_object', 'unknown_type', 'missing_field', 'invalid_field', 'binary', 'too_large']);
    assert.equal(m.getStats().framesRejected, 10);
    assert.equal(m.isConnected(), true);
    m.disconnect();
  });

  it('keeps calling the other listeners when one throws', async (t) => {
    const server = await startServer(t);
    const errors: unknown[] = [];
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    m.on('task_started', () => seen.push('a'));
    m.on('task_started', () => {
      throw new Error('listener bug');
    });
    m.on('task_started', () => seen.push('c'));
    m.onConnectionState(() => {
      throw new Error('state listener bug');
    });
    await m.connect();
    server.publish(task.started('p', 't'));
    await waitFor(() => seen.length === 2, 'both healthy listeners');
    assert.deepEqual(seen, ['a', 'c']);
    assert.ok(errors.some((e) => (e as Error).message === 'listener bug'));
    assert.ok(m.isConnected());
    m.disconnect();
  });

  it('calls getToken on every (re)connect and sends it as the token query parameter', async (t) => {
    const seen: (string | undefined)[] = [];
    const server = await startServer(t, {
      authenticate: (token) => {
        seen.push(token);
        return token !== undefined && token.startsWith('tok-');
      },
    });
    let n = 0;
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, getToken: async () => `tok-${++n}`, reconnectDelay: 5 });
    await m.connect();
    server.dropConnections({ abrupt: true });
    await waitFor(() => seen.length === 2 && m.isConnected(), 'a reconnect with a fresh token');
    assert.deepEqual(seen, ['tok-1', 'tok-2']);
    m.disconnect();
  });

  it('gives up at once when a static token is refused, and reports it', async (t) => {
    const server = await startServer(t, { authenticate: (token) => token === 'good' });
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, token: 'bad', reconnectDelay: 5, ...quiet });
    const events: ConnectionEvent[] = [];
    m.onConnectionState((e) => events.push(e));
    // The server accepts the upgrade, then closes with 4401: the client must not retry a refused token.
    await m.connect().catch(() => {});
    await waitFor(() => m.getState() === 'failed', 'the client to give up');
    assert.equal(m.getRetryAt(), undefined, 'no retry is scheduled');
    const d = events.find((e) => e.type === 'disconnected');
    assert.equal(d?.type === 'disconnected' && d.code, 4401);
    assert.equal(d?.type === 'disconnected' && d.willReconnect, false);
    m.disconnect();
  });

  it('never puts the token in events, errors or console output', async (t) => {
    const server = await startServer(t, { authenticate: () => false });
    const secret = 'sEcReT-token-value';
    const logged: string[] = [];
    const original = { error: console.error, warn: console.warn, log: console.log };
    for (const k of ['error', 'warn', 'log'] as const) console[k] = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      const m = new WebSocketManager({ url: server.urlFor('p') + `?token=${secret}`, WebSocket: NodeWebSocket, token: secret, reconnectDelay: 5 });
      const events: ConnectionEvent[] = [];
      m.onConnectionState((e) => events.push(e));
      await m.connect().catch(() => {});
      await waitFor(() => m.getState() === 'failed', 'the refusal');
      const error = events.find((e) => e.type === 'disconnected');
      m.on('*', () => {
        throw new Error('x');
      });
      assert.ok(!JSON.stringify(events).includes(secret));
      assert.equal(error?.type === 'disconnected' && error.code, 4401);
      assert.ok(!m.url.includes(secret));
      assert.ok(events.every((e) => !e.url.includes('token')));
    } finally {
      Object.assign(console, original);
    }
    assert.ok(!logged.join('\n').includes(secret), 'nothing logged the token');
  });

  it('reconnect() replaces the connection with a fresh attempt counter', async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket });
    await m.connect();
    await m.reconnect();
    assert.ok(m.isConnected());
    await waitFor(() => server.clientCount === 1, 'one socket on the server');
    m.disconnect();
  });

  it('runs with Node’s own WebSocket when the runtime has one', { skip: typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function' && 'this Node has no global WebSocket' }, async (t) => {
    const server = await startServer(t);
    const m = new WebSocketManager({ url: server.urlFor('p') });
    await m.connect();
    const got: ProgressEvent[] = [];
    m.on('*', (e) => got.push(e));
    server.publish(task.started('p', 't'));
    await waitFor(() => got.length === 1, 'an event');
    m.disconnect();
  });

  it('rejects a URL that is not ws:// or wss://', () => {
    assert.throws(() => new WebSocketManager({ url: 'http://x' }), TypeError);
  });
});

describe('token in the first message', () => {
  it("counts as connected from a server's first frame, also from a server that sends no session frame", async (t) => {
    // A server that takes the token in the first message but knows nothing of resume.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    t.after(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (ws) => ws.once('message', () => ws.send(JSON.stringify(task.started('p', 't')))));
    const m = new WebSocketManager({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, WebSocket: NodeWebSocket, token: 'x', tokenTransport: 'message', connectionTimeout: 2000 });
    t.after(() => m.disconnect());
    const states: string[] = [];
    m.onStateChange((state) => states.push(state));
    const got: ProgressEvent[] = [];
    m.on('*', (e) => got.push(e));
    await m.connect();
    assert.deepEqual(states, ['connecting', 'connected']);
    assert.equal(got.length, 1, 'the first frame is delivered too');
  });

  it('keeps the token out of the URL: sent as {"type":"auth"} first, and checked by the server', async (t) => {
    const urls: string[] = [];
    const server = await startServer(t, {
      authenticate: (token, request) => {
        urls.push(request.url ?? '');
        return token === 'msg-secret';
      },
    });
    const good = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, token: 'msg-secret', tokenTransport: 'message' });
    t.after(() => good.disconnect());
    const got: ProgressEvent[] = [];
    good.on('*', (e) => got.push(e));
    await good.connect();
    assert.equal(server.clientCount, 1, 'connected means accepted: the server holds the socket by then');
    assert.ok(good.getResumePosition(), 'the session frame came first');
    server.publish(task.started('p', 't'));
    await waitFor(() => got.length === 1, 'an event after authentication');
    assert.ok(urls.every((u) => !u.includes('msg-secret')), 'the token is not in the request URL');
    assert.ok(urls.every((u) => u.includes('auth=message')));

    const bad = new WebSocketManager({ url: server.urlFor('p'), WebSocket: NodeWebSocket, token: 'wrong', tokenTransport: 'message', onListenerError: () => {} });
    t.after(() => bad.disconnect());
    const events: ConnectionEvent[] = [];
    bad.onConnectionState((e) => events.push(e));
    const states: string[] = [];
    bad.onStateChange((state) => states.push(state));
    await assert.rejects(bad.connect(), /refused/, 'a refused token never counts as connected');
    assert.equal(bad.getState(), 'failed');
    assert.deepEqual(states, ['connecting', 'failed']);
    assert.equal(events.find((e) => e.type === 'disconnected')?.type === 'disconnected' && (events.find((e) => e.type === 'disconnected') as { code: number }).code, 4401);
    assert.equal(server.clientCount, 1);
  });
});
