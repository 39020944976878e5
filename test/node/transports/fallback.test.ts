/**
 * The client's fallback to Server-Sent Events over real connections: the reference server behind
 * a proxy of the tests' own (test/node/helpers/blocking-proxy.ts) that refuses upgrades (403, a
 * reset), passes the upgrade and drops every frame after it, or passes everything. In each, the
 * client is live within a stated bound, every event comes exactly once and in order across
 * WebSocket -> stream -> WebSocket and a server restart, and nothing is left behind.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { performance } from 'node:perf_hooks';
import { createProgressServer, ProgressJournal, type ProgressServer } from '../../../src/server/index.js';
import { WebSocketManager, type ConnectionEvent, type ProgressEvent, type WebSocketManagerConfig } from '../../../src/client/index.js';
import { activeResources, NodeWebSocket, sleep, startServer, task, waitFor } from '../helpers/fixtures.js';
import { quietFor } from '../../shared/quiet.js';
import { startBlockingProxy, type BlockingProxy, type ProxyMode } from '../helpers/blocking-proxy.js';

/** The bound on a silent socket used here, ms (the default is 3000). */
const FIRST_FRAME_TIMEOUT = 1000;
/** Live after a refused upgrade within this, ms (loopback). */
const REFUSED_BOUND = 1000;

/** The server's URL for a project, through the proxy. */
const via = (proxy: BlockingProxy, url: string): string => url.replace(/:\d+\//, `:${proxy.port}/`);

/** A manager through the proxy that records the numbers of the events it hears. */
function follow(t: TestContext, url: string, config: Partial<WebSocketManagerConfig> = {}) {
  const m = new WebSocketManager({ url, WebSocket: NodeWebSocket, firstFrameTimeout: FIRST_FRAME_TIMEOUT, reconnectDelay: 50, ...config });
  t.after(() => m.disconnect());
  const seqs: number[] = [];
  m.on('*', (event: ProgressEvent) => seqs.push((event as { seq?: number }).seq ?? -1));
  const events: ConnectionEvent[] = [];
  m.onConnectionState((event) => events.push(event));
  return { m, seqs, events };
}

/** Publishes `count` steps of one task; resolves with their numbers. */
async function publish(server: { publish(event: ProgressEvent): number | Promise<number> }, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) await server.publish(task.step('p', 't', `s${i}`, 'running', i % 100));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits until the manager is connected over `transport`; returns the ms it took from `since`. */
async function liveOver(m: WebSocketManager, transport: 'websocket' | 'sse', since: number, timeout = 5000): Promise<number> {
  await waitFor(() => m.isConnected() && m.getStats().transport === transport, `connected over ${transport}`, timeout);
  return performance.now() - since;
}

describe('falling back to Server-Sent Events', () => {
  for (const mode of ['refuse-403', 'reset'] as const) {
    it(`goes on over a stream at once when the upgrade is refused (${mode}), live within ${REFUSED_BOUND} ms`, async (t) => {
      const server = await startServer(t);
      const proxy = await startBlockingProxy(t, server.port, mode);
      const started = performance.now();
      const { m, seqs } = follow(t, via(proxy, server.urlFor('p')));
      await m.connect();
      const ms = await liveOver(m, 'sse', started);
      t.diagnostic(`${mode}: live over SSE ${ms.toFixed(0)} ms after connect()`);
      assert.ok(ms < REFUSED_BOUND, `live in ${ms} ms`);
      assert.equal(proxy.upgrades, 1, 'one refused upgrade, then the stream');
      await publish(server, 1, 20);
      await waitFor(() => seqs.length === 20, 'twenty events');
      assert.deepEqual(seqs, range(1, 20), 'each once, in order');
    });
  }

  it(`leaves a socket that opens and brings no frame (a proxy that drops them) after ${FIRST_FRAME_TIMEOUT} ms; never "connected" over it`, async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'drop-frames');
    const started = performance.now();
    const { m, seqs, events } = follow(t, via(proxy, server.urlFor('p')));
    const states: string[] = [];
    m.onStateChange((state) => states.push(state));
    await m.connect();
    const ms = await liveOver(m, 'sse', started);
    t.diagnostic(`drop-frames: live over SSE ${ms.toFixed(0)} ms after connect()`);
    assert.ok(ms >= FIRST_FRAME_TIMEOUT && ms < FIRST_FRAME_TIMEOUT + 1000, `live in ${ms} ms`);
    assert.deepEqual(states.filter((s) => s === 'connected'), ['connected'], 'connected once: over the stream');
    assert.equal(events.filter((e) => e.type === 'connected').length, 1);
    await publish(server, 1, 10);
    await waitFor(() => seqs.length === 10, 'ten events');
    assert.deepEqual(seqs, range(1, 10));
  });

  it('stays on WebSocket through a proxy that passes everything', async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'pass');
    const { m } = follow(t, via(proxy, server.urlFor('p')));
    await m.connect();
    assert.equal(m.getStats().transport, 'websocket');
    assert.equal(proxy.requests, 0, 'no stream opened');
  });

  it('a quiet server that sends no session frame (AInTandem today: resume off) is not taken for a blocked socket: the ping at open is answered', async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'pass');
    const { m, events } = follow(t, via(proxy, server.urlFor('p')), { resume: false });
    await m.connect();
    await waitFor(() => events.some((e) => e.type === 'heartbeat' && e.direction === 'pong'), 'the ping at open answered');
    // Proving that nothing happens takes time: past the bound, with nothing published.
    await quietFor(FIRST_FRAME_TIMEOUT + 500, 'no fallback to a stream and no reconnect once the ping was answered');
    assert.ok(m.isConnected());
    assert.equal(m.getStats().transport, 'websocket');
    assert.equal(proxy.requests, 0, 'no stream opened');
    assert.deepEqual(events.filter((e) => e.type === 'disconnected'), []);
  });

  it('with transports: ["websocket"] alone, a refused upgrade is an ordinary failed attempt', async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'refuse-403');
    const { m } = follow(t, via(proxy, server.urlFor('p')), { transports: ['websocket'], maxReconnectAttempts: 2, reconnectDelay: 10 });
    await assert.rejects(m.connect(), /gave up/);
    assert.equal(proxy.requests, 0, 'never a stream');
    assert.equal(proxy.upgrades, 3);
  });
});

describe('moving back to WebSocket', () => {
  for (const mode of ['refuse-403', 'drop-frames'] as const satisfies readonly ProxyMode[]) {
    it(`moves back once upgrades pass again (${mode}), without a gap or a duplicate while events keep coming`, async (t) => {
      const server = await startServer(t);
      const proxy = await startBlockingProxy(t, server.port, mode);
      const { m, seqs } = follow(t, via(proxy, server.urlFor('p')), { websocketRetryInterval: 200 });
      await m.connect();
      await liveOver(m, 'sse', performance.now(), FIRST_FRAME_TIMEOUT + 2000);
      await publish(server, 1, 30);
      await waitFor(() => seqs.length === 30, 'thirty over the stream');
      // Events published while the background socket's upgrade is held at the proxy (its URL asked
      // for what came after 30) come over the stream, then again in the socket's replay.
      let held = false;
      proxy.onRequest = async (upgrade) => {
        if (!upgrade || proxy.mode !== 'pass' || held) return;
        held = true;
        await publish(server, 31, 20);
        await waitFor(() => seqs.length >= 50, 'the twenty over the stream');
      };
      proxy.mode = 'pass';
      await waitFor(() => held, 'a background upgrade', 5000);
      // Events keep coming while the socket opens, replays and takes over.
      let next = 51;
      let moved = false;
      const end = Date.now() + 10_000;
      while (!moved || next < 200) {
        await publish(server, next, 5);
        next += 5;
        moved ||= m.getStats().transport === 'websocket';
        await sleep(2);
        if (Date.now() > end) assert.fail(`never moved back (${next - 1} published)`);
      }
      await liveOver(m, 'websocket', performance.now());
      await waitFor(() => seqs.length === next - 1, `all ${next - 1} events (got ${seqs.length})`);
      assert.deepEqual(seqs, range(1, next - 1), 'each once, in order, across the move');
      await waitFor(() => server.server.clientCount === 1, 'the stream closed: one client left');
      t.diagnostic(`${mode}: ${m.getStats().duplicatesDropped} events that came over both the stream and the socket were dropped once`);
      assert.ok(m.getStats().duplicatesDropped >= 20, 'the twenty came over both (the overlap the test is about)');
    });
  }

  it('keeps the stream when the background socket is refused or silent, and leaves nothing of those tries behind', async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'drop-frames');
    const { m, seqs } = follow(t, via(proxy, server.urlFor('p')), { websocketRetryInterval: 100, firstFrameTimeout: 200 });
    await m.connect();
    await liveOver(m, 'sse', performance.now());
    const upgrades = proxy.upgrades;
    let most = 0;
    await waitFor(() => {
      most = Math.max(most, server.server.clientCount);
      return proxy.upgrades >= upgrades + 3;
    }, 'three more background tries');
    assert.ok(most <= 2, `the stream and at most one try at a time (${most})`);
    assert.equal(m.getStats().transport, 'sse');
    await publish(server, 1, 5);
    await waitFor(() => seqs.length === 5, 'five events over the stream');
    m.disconnect();
    await waitFor(() => server.server.clientCount === 0, 'the silent sockets of the tries do not stay');
  });
});

describe('a server restart while on a stream', () => {
  it('resumes across the restart over a stream, then moves back to WebSocket: every event once, in order', async (t) => {
    const journal = new ProgressJournal();
    let server: ProgressServer = await createProgressServer({ journal, heartbeatInterval: 0 });
    const port = server.port;
    t.after(() => server.close());
    const proxy = await startBlockingProxy(t, port, 'refuse-403');
    const { m, seqs } = follow(t, via(proxy, server.urlFor('p')), { websocketRetryInterval: 300 });
    await m.connect();
    await liveOver(m, 'sse', performance.now());
    await publish(server, 1, 10);
    await waitFor(() => seqs.length === 10, 'ten before the restart');
    await server.close();
    server = await createProgressServer({ journal, port, heartbeatInterval: 0 });
    await publish(server, 11, 10);
    await waitFor(() => seqs.length === 20, 'ten after the restart', 10_000);
    assert.equal(m.getStats().transport, 'sse');
    proxy.mode = 'pass';
    await liveOver(m, 'websocket', performance.now(), 5000);
    await publish(server, 21, 10);
    await waitFor(() => seqs.length === 30, 'ten after the move back');
    assert.deepEqual(seqs, range(1, 30));
  });
});

describe('nothing left behind', () => {
  it('after disconnect() over a stream, and during a background try: no timer, stream or socket', async (t) => {
    const server = await startServer(t);
    const proxy = await startBlockingProxy(t, server.port, 'drop-frames');
    const before = activeResources();
    const m = new WebSocketManager({ url: via(proxy, server.urlFor('p')), WebSocket: NodeWebSocket, firstFrameTimeout: 200, websocketRetryInterval: 100 });
    await m.connect();
    await liveOver(m, 'sse', performance.now());
    const upgrades = proxy.upgrades;
    await waitFor(() => proxy.upgrades > upgrades, 'a background try under way');
    m.disconnect();
    await waitFor(() => server.server.clientCount === 0 && proxy.open === 0, 'the server and the proxy hold nothing');
    await waitFor(() => (activeResources()['Timeout'] ?? 0) <= (before['Timeout'] ?? 0), `no timer left (${JSON.stringify(activeResources())})`);
  });
});
