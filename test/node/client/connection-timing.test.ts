/**
 * The timing arithmetic of a connection (backoff, jitter, the attempt deadline, the heartbeat, the
 * stable-connection reset) on a controllable clock: node:test's mock timers, an injected `random`,
 * and a socket stand-in that opens, fails or answers when the test says. What happens over real
 * sockets is tested elsewhere (websocket-manager.test.ts, the browser fault suite).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { backoffCeiling, backoffDelay, WebSocketManager, type ConnectionEvent, type WebSocketLike } from '../../../src/client/index.js';

/** A socket that does what the test says, when it says. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  /** A refused connection, as a browser reports it: error, then close. */
  refuse(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  receive(data: string): void {
    this.onmessage?.({ data });
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
}

const last = (): FakeSocket => FakeSocket.all.at(-1)!;

/** Lets the promise jobs queued so far run (getToken is awaited even when it is a static token). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function setup(t: TestContext, config: Partial<ConstructorParameters<typeof WebSocketManager>[0]> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  FakeSocket.all = [];
  // WebSocket alone, and no first-frame bound: the arithmetic of one transport (the fallback's is in transport-fallback.test.ts).
  const m = new WebSocketManager({ url: 'ws://timing.test/ws', WebSocket: FakeSocket, heartbeatInterval: 0, transports: ['websocket'], firstFrameTimeout: 0, onListenerError: () => {}, ...config });
  const events: ConnectionEvent[] = [];
  m.onConnectionState((e) => events.push(e));
  t.after(() => m.disconnect());
  const tick = async (ms: number) => {
    t.mock.timers.tick(ms);
    await settle();
  };
  return { m, events, tick };
}

const scheduled = (events: ConnectionEvent[]) =>
  events.flatMap((e) => (e.type === 'disconnected' && e.willReconnect ? [{ attempt: e.attempt!, delay: e.delay! }] : []));

describe('backoff arithmetic', () => {
  it('grows exponentially up to the cap', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((a) => backoffCeiling(a, 1000, 30000)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert.equal(backoffCeiling(1000, 1000, 30000), 30000, 'no overflow for large attempts');
  });

  it('jitters over the whole range below the ceiling: the random draw decides, uniformly', () => {
    // Full jitter: floor(random * ceiling), random in [0, 1).
    assert.deepEqual([0, 0.25, 0.5, 0.999999].map((r) => backoffDelay(3, 1000, 30000, () => r)), [0, 2000, 4000, 7999]);
    assert.equal(backoffDelay(9, 1000, 30000, () => 0.5), 15000, 'capped ceiling, then jittered');
  });
});

describe('reconnecting on a controllable clock', () => {
  it('waits exactly the jittered, growing, capped delay between consecutive failures, then gives up', async (t) => {
    const { m, events, tick } = setup(t, { reconnectDelay: 20, maxReconnectDelay: 100, maxReconnectAttempts: 4, random: () => 0.5 });
    const connected = m.connect();
    await settle();
    last().refuse();
    // Delays: floor(0.5 * min(100, 20 * 2^n)) for n = 0, 1, 2, 3.
    for (const delay of [10, 20, 40, 50]) {
      const before = FakeSocket.all.length;
      await tick(delay - 1);
      assert.equal(FakeSocket.all.length, before, `no attempt before ${delay} ms`);
      await tick(1);
      assert.equal(FakeSocket.all.length, before + 1, `the attempt at ${delay} ms`);
      last().refuse();
    }
    assert.deepEqual(scheduled(events), [
      { attempt: 1, delay: 10 },
      { attempt: 2, delay: 20 },
      { attempt: 3, delay: 40 },
      { attempt: 4, delay: 50 },
    ]);
    await assert.rejects(connected, /gave up/);
    assert.equal(m.getState(), 'failed');
    assert.equal(events.at(-1)?.type === 'disconnected' && events.at(-1)!.state, 'failed');
  });

  it('fails an attempt that does not open within connectionTimeout, at that moment', async (t) => {
    const { m, events, tick } = setup(t, { connectionTimeout: 3000, reconnectDelay: 100, random: () => 0 });
    void m.connect();
    await settle();
    await tick(2999);
    assert.equal(events.filter((e) => e.type === 'disconnected').length, 0);
    await tick(1);
    const drop = events.find((e) => e.type === 'disconnected');
    assert.equal(drop?.type === 'disconnected' && drop.reason, 'connection timeout');
  });

  it('counts a getToken that never answers as a failed attempt, at connectionTimeout', async (t) => {
    const { m, events, tick } = setup(t, { connectionTimeout: 2000, getToken: () => new Promise<string>(() => {}) });
    void m.connect();
    await tick(1999);
    assert.equal(FakeSocket.all.length, 0, 'no socket without a token');
    await tick(1);
    assert.equal(events.find((e) => e.type === 'disconnected')?.type, 'disconnected');
    assert.equal(m.getState(), 'reconnecting');
  });

  it('fails an attempt at once on an error while connecting, without waiting for a close that may never come', async (t) => {
    const { m, events } = setup(t, { connectionTimeout: 60_000 });
    void m.connect();
    await settle();
    // Node's own WebSocket reports a refused connection with an error and no close.
    last().onerror?.({});
    assert.equal(events.filter((e) => e.type === 'disconnected').length, 1);
    assert.equal(m.getState(), 'reconnecting');
  });

  it('resets the attempt counter only after a connection that stayed up stableConnectionTime', async (t) => {
    const { m, events, tick } = setup(t, { reconnectDelay: 100, stableConnectionTime: 5000, random: () => 0.999 });
    void m.connect();
    await settle();
    last().open();
    await tick(4999);
    last().drop();
    // Up 4999 ms: not stable, so the counter stays at 1; the next connection stays up 5000 ms and resets it.
    await tick(99);
    last().open();
    await tick(5000);
    last().drop();
    assert.deepEqual(scheduled(events).map((s) => s.attempt), [1, 1], 'reset by the stable connection (else attempt 2)');
    await tick(99);
    last().refuse();
    assert.deepEqual(scheduled(events).map((s) => s.attempt), [1, 1, 2], 'consecutive failures count on');
    await tick(199);
    last().open();
    await tick(100);
    last().drop();
    assert.deepEqual(scheduled(events).map((s) => s.attempt), [1, 1, 2, 3], 'a short connection does not reset');
  });

  it('comes back within a second after 1012 (a server restarting or draining), whatever the backoff had grown to', async (t) => {
    const { m, events, tick } = setup(t, { reconnectDelay: 1000, maxReconnectDelay: 30000, stableConnectionTime: 5000, random: () => 0.75 });
    void m.connect();
    await settle();
    // Three failures in a row: the next backoff would be floor(0.75 * 8000) = 6000 ms.
    for (const delay of [750, 1500, 3000]) {
      last().refuse();
      await tick(delay);
    }
    last().open();
    await tick(100);
    // Up 100 ms only, then the server asks for a reconnect elsewhere: 0.75 of the 1 s jitter, not of the backoff.
    last().drop(1012);
    const before = FakeSocket.all.length;
    assert.deepEqual(scheduled(events).at(-1), { attempt: 1, delay: 750 });
    await tick(749);
    assert.equal(FakeSocket.all.length, before, 'not before its jitter');
    await tick(1);
    assert.equal(FakeSocket.all.length, before + 1, 'at its jitter');
    // If that attempt fails, the backoff starts again from its first step.
    last().refuse();
    assert.deepEqual(scheduled(events).at(-1), { attempt: 2, delay: 1500 });
  });

  it('takes a 1012 that closes an attempt before it opened as any failure: the backoff goes on', async (t) => {
    const { m, events, tick } = setup(t, { reconnectDelay: 1000, random: () => 0.75 });
    void m.connect();
    await settle();
    last().refuse();
    await tick(750);
    last().drop(1012);
    assert.deepEqual(scheduled(events).at(-1), { attempt: 2, delay: 1500 });
  });
});

describe('heartbeat on a controllable clock', () => {
  it('pings every interval and declares the connection dead when nothing answers within the timeout', async (t) => {
    const { m, events, tick } = setup(t, { heartbeatInterval: 1000, heartbeatTimeout: 500, reconnectDelay: 10_000 });
    void m.connect();
    await settle();
    const socket = last();
    socket.open();
    await tick(999);
    assert.equal(socket.sent.length, 0);
    await tick(1);
    assert.equal(JSON.parse(socket.sent[0]!).type, 'ping');
    // Any frame is an answer.
    await tick(400);
    socket.receive('{"type":"pong"}');
    await tick(600);
    assert.equal(m.getState(), 'connected', 'answered in time');
    assert.equal(socket.sent.length, 2, 'the next ping, at 2000 ms');
    await tick(499);
    assert.equal(m.getState(), 'connected');
    await tick(1);
    const drop = events.find((e) => e.type === 'disconnected');
    assert.equal(drop?.type === 'disconnected' && drop.reason, 'heartbeat timeout', 'dead at interval + timeout');
    assert.equal(m.getState(), 'reconnecting');
  });

  it('stops pinging once disconnected: no timer is left', async (t) => {
    const { m, tick } = setup(t, { heartbeatInterval: 1000, heartbeatTimeout: 500 });
    void m.connect();
    await settle();
    const socket = last();
    socket.open();
    m.disconnect();
    await tick(10_000);
    assert.equal(socket.sent.length, 0);
    assert.equal(FakeSocket.all.length, 1, 'no reconnect');
  });
});
