/**
 * One stream (`SsePeer`) over a real HTTP response on loopback, its heartbeat on a clock moved by
 * hand: a comment exactly when nothing was written for a whole interval, none otherwise; the
 * close as one `event: close` message; the timer removed by whatever ends the stream.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createParser } from 'eventsource-parser';
import { PEER_CLOSED, PEER_CLOSING, PEER_OPEN } from '../../src/server/peer.js';
import { SsePeer, sseMessage } from '../../src/server/sse-peer.js';
import { waitFor } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';
import { stream } from './helpers/sse-stream.js';

interface Served {
  peer: SsePeer;
  /** What the server wrote to the response so far (every write, in order). */
  written: string[];
  response: ServerResponse;
}

/** An HTTP server on loopback whose every request becomes a stream on `clock`. */
async function serveStreams(t: TestContext, heartbeat: number, clock: ManualClock): Promise<{ url: string; served: Served[] }> {
  const served: Served[] = [];
  const http = createServer((request, response) => {
    const written: string[] = [];
    const write = response.write.bind(response) as (chunk: string, ...rest: any[]) => boolean;
    response.write = ((chunk: string, ...rest: any[]) => (written.push(String(chunk)), write(chunk, ...rest))) as typeof response.write;
    served.push({ peer: new SsePeer(request, response, { heartbeat, clock }), written, response });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
  const address = http.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/`, served };
}

test('a comment when nothing was written for a whole interval, counted from the last write; none sooner', async (t) => {
  const clock = new ManualClock();
  const { url, served } = await serveStreams(t, 1000, clock);
  const client = await stream(t, url);
  await waitFor(() => served.length === 1, 'the stream served');
  const { peer, written } = served[0]!;
  const comments = () => written.filter((chunk) => chunk === ':\n\n').length;

  clock.advance(999);
  assert.equal(comments(), 0, 'not before the interval');
  clock.advance(1);
  assert.equal(comments(), 1, 'at the interval');
  await waitFor(() => client.comments.length === 1, 'the client has the comment');

  clock.advance(500);
  peer.send('{"type":"ping"}');
  clock.advance(999);
  assert.equal(comments(), 1, 'a frame written half way puts the next comment off');
  clock.advance(1);
  assert.equal(comments(), 2, 'one interval after that frame');
  clock.advance(1000);
  assert.equal(comments(), 3);
  await waitFor(() => client.comments.length === 3, 'the client has three comments');
  assert.deepEqual(client.frames(), [{ type: 'ping' }]);

  peer.close(4401, 'token expired');
  assert.equal(peer.readyState, PEER_CLOSING);
  assert.equal(clock.pending, 0, 'closing removes the heartbeat timer');
  assert.deepEqual(await client.closed, { code: 4401, reason: 'token expired' });
  clock.advance(5000);
  assert.equal(comments(), 3, 'nothing after the close');
});

test('the stream ends with the code of its close once written; a client that goes away ends it with 1006; either removes the timer', async (t) => {
  const clock = new ManualClock();
  const { url, served } = await serveStreams(t, 1000, clock);
  const a = await stream(t, url);
  const b = await stream(t, url);
  await waitFor(() => served.length === 2, 'two streams');
  const closes: [number, string][] = [];
  for (const { peer } of served) peer.once('close', (code: number, reason: Buffer) => closes.push([code, reason.toString()]));
  assert.equal(clock.pending, 2, 'one heartbeat timer each');

  served[0]!.peer.close(1012, 'draining');
  await a.ended;
  b.cancel();
  await waitFor(() => closes.length === 2, 'both closed');
  assert.deepEqual(closes.sort(), [
    [1006, ''],
    [1012, 'draining'],
  ]);
  assert.ok(served.every(({ peer }) => peer.readyState === PEER_CLOSED));
  assert.equal(clock.pending, 0, 'no timer left');
});

test('heartbeat 0: no timer; terminate() cuts the connection', async (t) => {
  const clock = new ManualClock();
  const { url, served } = await serveStreams(t, 0, clock);
  const client = await stream(t, url);
  await waitFor(() => served.length === 1, 'the stream served');
  assert.equal(clock.pending, 0);
  assert.equal(served[0]!.peer.readyState, PEER_OPEN);
  served[0]!.peer.terminate();
  await client.ended;
  await assert.rejects(client.closed, /without an "event: close"/);
});

test('a frame is one message: numbered by id when it carries numbers, split over data: lines if it ever held a line break', () => {
  const read: { id?: string; event?: string; data: string }[] = [];
  const parser = createParser({ onEvent: (message) => read.push(message) });
  parser.feed(sseMessage('{"seq":7}', 7) + sseMessage('{"type":"session"}') + sseMessage('a\nb\r\nc', 9) + sseMessage('{"code":1001}', 0, 'close'));
  assert.deepEqual(read, [
    { id: '7', event: undefined, data: '{"seq":7}' },
    { id: undefined, event: undefined, data: '{"type":"session"}' },
    { id: '9', event: undefined, data: 'a\nb\nc' },
    { id: undefined, event: 'close', data: '{"code":1001}' },
  ]);
});
