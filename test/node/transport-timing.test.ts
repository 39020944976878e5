/**
 * The timing arithmetic of the fallback on a controllable clock (node:test's mock timers and a
 * socket stand-in that opens, answers or fails when the test says): the ping at open, the
 * first-frame bound to the millisecond, the switch without a backoff, and the count of timeouts
 * in a row. What happens over real connections is in transports/ (a proxy of the tests' own,
 * nginx, Chromium).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { WebSocketManager, type ConnectionEvent, type WebSocketLike } from '../../src/client/index.js';

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
  refuse(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
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

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function setup(t: TestContext, config: Partial<ConstructorParameters<typeof WebSocketManager>[0]> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  FakeSocket.all = [];
  const m = new WebSocketManager({ url: 'ws://timing.test/ws', WebSocket: FakeSocket, heartbeatInterval: 0, onListenerError: () => {}, ...config });
  const events: ConnectionEvent[] = [];
  m.onConnectionState((e) => events.push(e));
  // Disconnected before the scheduled attempt runs: no stream is ever opened here.
  t.after(() => m.disconnect());
  const tick = async (ms: number) => {
    t.mock.timers.tick(ms);
    await settle();
  };
  return { m, events, tick };
}

const drops = (events: ConnectionEvent[]) => events.flatMap((e) => (e.type === 'disconnected' ? [{ reason: e.reason, delay: e.delay }] : []));
const pong = JSON.stringify({ type: 'pong', timestamp: new Date(0).toISOString() });

describe('the first frame after open, on a controllable clock', () => {
  it('asks for a ping at open, and leaves a socket that brings no frame at firstFrameTimeout, to the millisecond, for a stream at once', async (t) => {
    const { m, events, tick } = setup(t, { firstFrameTimeout: 3000, reconnectDelay: 1000, random: () => 0.5 });
    void m.connect();
    await settle();
    last().open();
    assert.deepEqual(last().sent.map((s) => JSON.parse(s).type), ['ping'], 'a ping at once');
    assert.equal(m.getState(), 'connecting', 'not connected before a frame');
    await tick(2999);
    assert.deepEqual(drops(events), []);
    await tick(1);
    assert.deepEqual(drops(events), [{ reason: 'no frame after open', delay: 0 }], 'no backoff before the stream');
    assert.equal(m.getStats().transport, 'sse', 'the next attempt goes over a stream');
    assert.equal(events.filter((e) => e.type === 'connected').length, 0, 'never connected over the silent socket');
  });

  it('counts as connected from the first frame (the pong), and then the bound is gone', async (t) => {
    const { m, events, tick } = setup(t, { firstFrameTimeout: 3000 });
    void m.connect();
    await settle();
    last().open();
    await tick(2999);
    last().receive(pong);
    assert.equal(m.getState(), 'connected');
    await tick(60_000);
    assert.deepEqual(drops(events), []);
    assert.equal(m.getStats().transport, 'websocket');
  });

  it('with firstFrameTimeout 0: no ping at open, connected at open, as before', async (t) => {
    const { m, tick, events } = setup(t, { firstFrameTimeout: 0 });
    void m.connect();
    await settle();
    last().open();
    assert.deepEqual(last().sent, []);
    assert.equal(m.getState(), 'connected');
    await tick(60_000);
    assert.deepEqual(drops(events), []);
  });
});

describe('when WebSocket fails, on a controllable clock', () => {
  it('a refused upgrade: a stream at once, no backoff', async (t) => {
    const { m, events } = setup(t, { reconnectDelay: 1000, random: () => 0.5 });
    void m.connect();
    await settle();
    last().refuse();
    assert.deepEqual(drops(events).map((d) => d.delay), [0]);
    assert.equal(m.getStats().transport, 'sse');
  });

  it('attempts that only time out: the backoff twice, then a stream at the third in a row (websocketAttempts)', async (t) => {
    const { m, events, tick } = setup(t, { connectionTimeout: 1000, websocketAttempts: 3, reconnectDelay: 100, random: () => 0.5 });
    void m.connect();
    await settle();
    await tick(1000); // the first attempt times out: backoff 50
    assert.equal(m.getStats().transport, 'websocket');
    await tick(50);
    await tick(1000); // the second: backoff 100
    assert.equal(m.getStats().transport, 'websocket');
    await tick(100);
    await tick(1000); // the third: a stream, at once
    assert.deepEqual(drops(events), [
      { reason: 'connection timeout', delay: 50 },
      { reason: 'connection timeout', delay: 100 },
      { reason: 'connection timeout', delay: 0 },
    ]);
    assert.equal(m.getStats().transport, 'sse');
    assert.equal(FakeSocket.all.length, 3, 'three WebSocket attempts');
  });

  it('with transports ["websocket"]: a refused upgrade waits for the backoff, as before', async (t) => {
    const { m, events } = setup(t, { transports: ['websocket'], reconnectDelay: 1000, random: () => 0.5 });
    void m.connect();
    await settle();
    last().refuse();
    assert.deepEqual(drops(events).map((d) => d.delay), [500]);
    assert.equal(m.getStats().transport, 'websocket');
  });
});
