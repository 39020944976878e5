/**
 * The client's side of a stream of Server-Sent Events, over real HTTP on loopback: where the next
 * attempt goes after one that ended (a table), the token in the Authorization header, refusals as
 * close codes, bytes of any kind as proof of life, a ping answered without the network, and bad
 * input from the server (a malformed close, an endless message, a page that is not a stream)
 * closing the stream, never the client.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { nextTransport, type AttemptOutcome } from '../../src/client/connection/transport-fallback.js';
import { WebSocketManager, type ConnectionEvent, type Transport } from '../../src/client/index.js';
import { NodeWebSocket, startServer, task, waitFor } from './helpers/fixtures.js';
import { quietFor } from '../shared/quiet.js';

describe('the transport of the next attempt', () => {
  const both: Transport[] = ['websocket', 'sse'];
  const ws = (o: Partial<AttemptOutcome>): AttemptOutcome => ({ transport: 'websocket', opened: false, heard: false, timedOut: false, ...o });
  it('goes over a stream at once after a refused or silent WebSocket; after a few that only timed out', () => {
    assert.deepEqual(nextTransport(ws({}), 0, both, 3), ['sse', 0, true], 'refused or failed at once');
    assert.deepEqual(nextTransport(ws({ opened: true }), 0, both, 3), ['sse', 0, true], 'open and silent');
    assert.deepEqual(nextTransport(ws({ timedOut: true }), 0, both, 3), ['websocket', 1, false], 'one timeout');
    assert.deepEqual(nextTransport(ws({ timedOut: true }), 1, both, 3), ['websocket', 2, false], 'two');
    assert.deepEqual(nextTransport(ws({ timedOut: true }), 2, both, 3), ['sse', 0, true], 'the third in a row');
    assert.deepEqual(nextTransport(ws({ opened: true, heard: true }), 2, both, 3), ['websocket', 0, false], 'a socket that worked resets the count');
  });
  it('keeps a stream that worked; after one that carried nothing, WebSocket again after the backoff; one transport alone never changes', () => {
    const sse = (o: Partial<AttemptOutcome>): AttemptOutcome => ({ transport: 'sse', opened: true, heard: false, timedOut: false, ...o });
    assert.deepEqual(nextTransport(sse({ heard: true }), 0, both, 3), ['sse', 0, false]);
    assert.deepEqual(nextTransport(sse({ opened: false }), 0, both, 3), ['websocket', 0, false]);
    assert.deepEqual(nextTransport(ws({}), 0, ['websocket'], 3), ['websocket', 0, false]);
    assert.deepEqual(nextTransport(sse({}), 0, ['sse'], 3), ['sse', 0, false]);
  });
});

/** A manager over streams only, recording its connection events. */
function overStreams(t: TestContext, url: string, config: Partial<ConstructorParameters<typeof WebSocketManager>[0]> = {}) {
  const m = new WebSocketManager({ url, WebSocket: NodeWebSocket, transports: ['sse'], reconnectDelay: 20, onListenerError: () => {}, ...config });
  t.after(() => m.disconnect());
  const events: ConnectionEvent[] = [];
  m.onConnectionState((event) => events.push(event));
  return { m, events };
}

/** An HTTP server of the test's own that answers every request with `answer`. */
async function rawServer(t: TestContext, answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
}

const closes = (events: ConnectionEvent[]) => events.flatMap((e) => (e.type === 'disconnected' ? [`${e.code} ${e.reason}`] : []));

describe('a stream against the reference server', () => {
  it('sends the token in the Authorization header, never in the URL; a refused token is a 4401 close and the end', async (t) => {
    const seen: { url: string; auth: string | undefined }[] = [];
    const server = await startServer(t, {
      authenticate: (token, request) => {
        seen.push({ url: request.url ?? '', auth: request.headers.authorization });
        return token === 'good';
      },
    });
    const { m } = overStreams(t, server.urlFor('p'), { token: 'good' });
    await m.connect();
    assert.equal(m.getStats().transport, 'sse');
    assert.ok(seen.every((s) => !s.url.includes('good')), 'not in the URL');
    assert.ok(seen.some((s) => s.auth === 'Bearer good'));
    const bad = overStreams(t, server.urlFor('p'), { token: 'bad' });
    await assert.rejects(bad.m.connect(), /connection refused/);
    assert.match(closes(bad.events)[0] ?? '', /^4401 /);
    assert.equal(bad.m.getState(), 'failed');
  });

  it('counts any byte as life: heartbeat comments alone keep a stream open past its timeout; without them it is dropped and comes back', async (t) => {
    const server = await startServer(t, { sseHeartbeat: 50 });
    const { m, events } = overStreams(t, server.urlFor('p'), { streamTimeout: 300 });
    await m.connect();
    // Proving that nothing happens takes time: 1.2 s, four timeouts, with comments only.
    await quietFor(1200, 'no stream timeout while heartbeat comments arrive');
    assert.deepEqual(closes(events), [], 'never timed out');
    const quiet = await startServer(t, { sseHeartbeat: 0 });
    const silent = overStreams(t, quiet.urlFor('p'), { streamTimeout: 300 });
    await silent.m.connect();
    await waitFor(() => closes(silent.events).includes('1006 stream timeout'), 'a stream timeout', 3000);
    await waitFor(() => silent.m.isConnected(), 'connected again');
  });

  it('answers the heartbeat ping itself over a stream: the connection stays up, pongs heard', async (t) => {
    const server = await startServer(t);
    const { m, events } = overStreams(t, server.urlFor('p'), { heartbeatInterval: 50, heartbeatTimeout: 30 });
    await m.connect();
    await waitFor(() => events.filter((e) => e.type === 'heartbeat' && e.direction === 'pong').length >= 5, 'five pongs');
    assert.deepEqual(closes(events), []);
    await server.publish(task.started('p', 't'));
  });
});

describe('bad input from a stream', () => {
  const head = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
  const cases: [string, (response: ServerResponse) => void, RegExp][] = [
    ['a malformed close', (r) => (r.writeHead(200, head), r.write('event: close\ndata: {not json\n\n')), /^1006 malformed close$/],
    ['a close code out of range', (r) => (r.writeHead(200, head), r.write('event: close\ndata: {"code":99999,"reason":"x"}\n\n')), /^1006 malformed close$/],
    ['a message without end, past maxFrameSize', (r) => (r.writeHead(200, head), r.write(`data: ${'x'.repeat(5000)}`)), /^1009 message too big$/],
    ['a page that is not a stream', (r) => (r.writeHead(200, { 'content-type': 'text/html' }), r.end('<html>')), /^1006 not an event stream$/],
    ['a refusal whose body is not JSON', (r) => (r.writeHead(503), r.end('busy')), /^1013 HTTP 503$/],
    ['a refusal with its close code', (r) => (r.writeHead(429, { 'content-type': 'application/json' }), r.end('{"error":"too many","code":4429}')), /^4429 too many$/],
  ];
  for (const [what, answer, expected] of cases) {
    it(`closes the stream on ${what}, and the client goes on`, async (t) => {
      const url = await rawServer(t, (_request, response) => answer(response));
      const { m, events } = overStreams(t, url, { maxFrameSize: 1000, maxReconnectAttempts: 1 });
      const frames: unknown[] = [];
      m.onFrame((f) => frames.push(f));
      void m.connect();
      await waitFor(() => closes(events).length > 0, 'a close');
      assert.match(closes(events)[0]!, expected);
      assert.deepEqual(frames, [], 'nothing of it delivered');
    });
  }
});
