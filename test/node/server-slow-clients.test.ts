/** The reference server against clients that do not read: a bound on what it buffers for each, and a heartbeat they cannot fake. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import {
  CLOSE_TRY_AGAIN_LATER,
  type ProgressClientInfo,
  type ProgressEvent,
} from '../../src/server/index.js';
import { ProgressClient } from '../../src/client/index.js';
import { startServer, waitFor } from './helpers/fixtures.js';
import { delay, once, open, type RawClient } from './helpers/raw-client.js';
import { ManualClock } from './helpers/manual-clock.js';
import { beat as beatOnce } from './helpers/heartbeat-beat.js';

const now = () => new Date().toISOString();
const output = (projectId: string, text: string): ProgressEvent => ({ type: 'output', projectId, taskId: 't1', output: text, timestamp: now() });

/** Stop reading: the kernel buffers fill, then the server's side of the socket. */
const stopReading = (client: RawClient) => client.ws.pause();
const startReading = (client: RawClient) => client.ws.resume();

/** The largest `bufferedAmount` any socket of this process had right after a send, while the test runs. */
function watchBufferedAmount(t: TestContext): { max: number } {
  const seen = { max: 0 };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    send.apply(this, args);
    seen.max = Math.max(seen.max, this.bufferedAmount);
  } as WebSocket['send'];
  t.after(() => {
    WebSocket.prototype.send = send;
  });
  return seen;
}

test('a client that stops reading is shed with 1013 that reaches it right after a small window; the others keep receiving; it resumes without loss', async (t) => {
  const maxBufferedBytes = 1024 * 1024;
  const buffered = watchBufferedAmount(t);
  const server = await startServer(t, { maxBufferedBytes });
  const reader = await open(t, server.urlFor('p1'));
  const slow = await open(t, server.urlFor('p1') + '?resume=1');
  const session = await slow.next();
  const slowId = server.clients()[1]!.id;
  const disconnected: ProgressClientInfo[] = [];
  server.on('disconnection', (c) => disconnected.push(c));
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const timersBefore = timers();
  stopReading(slow);

  // Rounds the reader keeps up with, until the server gives up on the slow client (at most 64 MB).
  const text = 'x'.repeat(4000);
  let published = 0;
  let sentToBoth = true;
  for (let round = 0; round < 1000 && sentToBoth; round++) {
    for (let i = 0; i < 16 && sentToBoth; i++) {
      sentToBoth = server.publish(output('p1', text)) === 2;
      published++;
    }
    await delay(5);
  }
  assert.ok(!sentToBoth, `the slow client was still being sent events after ${published} events`);
  assert.ok(buffered.max <= 128 * 1024 + 8192, `the socket itself held ${buffered.max} bytes`);

  // What waited in the server's queue was dropped: the close frame comes after what the socket and
  // the kernel held, not after maxBufferedBytes of events.
  startReading(slow);
  assert.deepEqual(await slow.closed, { code: CLOSE_TRY_AGAIN_LATER, reason: 'too slow' });
  const got = slow.frames.filter((f: any) => f?.type === 'output') as { seq: number }[];
  await waitFor(() => disconnected.length > 0, 'the slow client\'s disconnection');
  assert.deepEqual(
    disconnected.map((c) => c.id),
    [slowId],
  );
  assert.equal(server.clientCount, 1);
  assert.ok(timers() <= timersBefore, 'the timer that would cut the slow client is gone with it');

  const readerEvents = () => reader.frames.filter((f: any) => f?.type === 'output').length;
  await waitFor(() => readerEvents() >= published, 'every event at the reader');
  assert.equal(readerEvents(), published, 'the reader got every event');
  // The events sent to both but never delivered to the slow client (the last one published went
  // to the reader alone): at least maxBufferedBytes of frames, less one, waited in the queue.
  const outputs = reader.frames.filter((f: any) => f?.type === 'output') as { seq: number }[];
  const shedAt = outputs.at(-1)!.seq;
  const lastGot = got.at(-1)?.seq ?? 0;
  const dropped = outputs.filter((f) => f.seq > lastGot && f.seq < shedAt).reduce((sum, f) => sum + Buffer.byteLength(JSON.stringify(f)), 0);
  const oneFrame = Buffer.byteLength(JSON.stringify(outputs.at(-1)));
  assert.ok(dropped >= maxBufferedBytes - oneFrame, `only ${dropped} bytes of frames were not delivered before the close frame`);
  assert.equal(server.publish(output('p1', 'after')), 1);
  published++;

  // The slow client comes back from where it stopped and gets the rest (more than maxBufferedBytes) from the replay buffer.
  const since = got.at(-1)!.seq;
  const back = await open(t, server.urlFor('p1') + `?resume=1&epoch=${session.epoch}&since=${since}`);
  const resumed = await back.next();
  assert.equal(resumed.resumed, true);
  for (let seq = since + 1; seq <= published; seq++) {
    const frame = await back.next();
    assert.equal(frame.type, 'output');
    assert.equal(frame.seq, seq, 'every event once, in order');
  }
  assert.equal((back.frames.at(-1) as { output: string }).output, 'after');
});

test('a ProgressClient shed for being slow reconnects and resumes: every event once, in order', async (t) => {
  const server = await startServer(t, { maxBufferedBytes: 256 * 1024 });
  const sockets: WebSocket[] = [];
  class Recorded extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  const client = new ProgressClient({ url: server.urlFor(), WebSocket: Recorded, reconnectDelay: 20, lingerTime: 0 });
  t.after(() => client.close());
  const seqs: number[] = [];
  const closes: number[] = [];
  const reasons: string[] = [];
  client.onResync((reason) => reasons.push(reason));
  await client.subscribeToProgress({ projectId: 'p1', onEvent: (e) => seqs.push(e.seq!) }).ready;
  sockets[0]!.on('close', (code) => closes.push(code));
  sockets[0]!.pause();

  const text = 'y'.repeat(4000);
  let published = 0;
  let sent = 1;
  for (let round = 0; round < 1000 && sent > 0; round++) {
    for (let i = 0; i < 16; i++, published++) sent = server.publish(output('p1', text));
    await delay(5);
  }
  assert.equal(sent, 0, 'the slow client was shed');
  sockets[0]!.resume();
  for (let i = 0; i < 5; i++, published++) server.publish(output('p1', 'after'));
  await waitFor(() => seqs.length >= published, 'every event after the resume', 10000);
  assert.deepEqual(closes, [CLOSE_TRY_AGAIN_LATER], 'the client saw why it was closed');
  assert.deepEqual(reasons, ['resumed']);
  assert.deepEqual(seqs, Array.from({ length: published }, (_, i) => i + 1));
});

test('the heartbeat drops a client that sends (unsolicited pongs, messages) but never reads', async (t) => {
  const clock = new ManualClock();
  const server = await startServer(t, { heartbeatInterval: 100, clock });
  const healthy = await open(t, server.urlFor('p1'));
  const deaf = await open(t, server.urlFor('p1'));
  const deafId = server.clients()[1]!.id;
  let fromDeaf = 0;
  server.on('message', (client) => client.id === deafId && fromDeaf++);
  stopReading(deaf);
  const chatter = setInterval(() => {
    deaf.ws.pong();
    deaf.send(JSON.stringify({ type: 'subscribe', taskId: 't1' }));
  }, 20);
  t.after(() => clearInterval(chatter));

  /** One interval on, as the healthy client lives it. */
  const beat = () => beatOnce(clock, healthy, 100);

  await beat();
  // The deaf client's unsolicited pongs (each sent before one of its messages) reach the server after that ping.
  const heard = fromDeaf;
  await waitFor(() => fromDeaf > heard + 1, 'unsolicited pongs and messages from the deaf client after the ping');
  assert.equal(server.clientCount, 2, 'not dropped before an interval without an answer');
  const dropped = once<[ProgressClientInfo]>(server, 'disconnection', 5000);
  await beat();
  const [info] = await dropped;
  clearInterval(chatter);
  assert.equal(info.id, deafId);
  // The healthy client answers the heartbeats that follow and is kept.
  await beat();
  await beat();
  assert.equal(server.clientCount, 1, 'the healthy client was kept');
  assert.equal(server.publish(output('p1', 'hello')), 1);
  assert.equal((await healthy.next((f) => f.type === 'output')).output, 'hello');
});

test('a replay larger than maxReplayBytes is not sent: the client is told to resync; one past maxBufferedBytes is', async (t) => {
  const server = await startServer(t, { maxBufferedBytes: 16 * 1024, maxReplayBytes: 64 * 1024 });
  const first = await open(t, server.urlFor('p1') + '?resume=1');
  const session = await first.next();
  first.terminate();
  const back = () => open(t, server.urlFor('p1') + `?resume=1&epoch=${session.epoch}&since=${session.seq}`);

  const text = 'x'.repeat(10000);
  for (let i = 0; i < 4; i++) server.publish(output('p1', text));
  const small = await back();
  assert.equal((await small.next()).resumed, true, '40 KB fit');
  for (let i = 0; i < 4; i++) assert.equal((await small.next()).type, 'output');

  for (let i = 0; i < 4; i++) server.publish(output('p1', text));
  const large = await back();
  assert.equal((await large.next()).resumed, false, '80 KB do not');
  await assert.rejects(large.next(undefined, 300), 'no replay follows');
  assert.equal(server.publish(output('p1', 'live')), 2);
  assert.equal((await large.next()).output, 'live');
});
