/**
 * What a server sends a resuming socket while it opens the session and, at the same time, reads
 * on in its log (a server on Redis catching up with the stream): every event once, in order, with
 * the reads and the catching up interleaved on purpose (a log whose tail and reads the test drives).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ProgressClient } from '../../src/client/index.js';
import { ProgressJournal } from '../../src/server/journal.js';
import { NodeWebSocket, startServer, task, waitFor } from './helpers/fixtures.js';
import { LaggingLog } from './helpers/lagging-log.js';
import { open, type RawClient } from './helpers/raw-client.js';
import { startForwarder } from './helpers/tcp-forwarder.js';

/** Server A reads a journal as it is written; server B reads it late (its tail and reads driven by the test). */
async function twoServers(t: TestContext) {
  const journal = new ProgressJournal();
  const late = new LaggingLog(journal);
  t.after(() => late.close());
  const a = await startServer(t, { log: journal });
  const b = await startServer(t, { log: late, batchWindow: 0 });
  const publish = (from: number, to: number) => {
    for (let i = from; i <= to; i++) a.publish(task.step('p', 't', `s${i}`, 'completed'));
  };
  return { journal, late, a, b, publish };
}

/** The numbers of the events a raw client received after its session frame. */
const eventSeqs = (client: RawClient): number[] => client.frames.filter((f: any) => f.type !== 'session').map((f: any) => f.seq);

test('a client ahead of a server that is catching up gets none of what it has, not even what the server read while it opened the session', async (t) => {
  const { journal, late, b, publish } = await twoServers(t);
  publish(1, 5);
  late.deliver(2);
  const client = await open(t, `${b.urlFor()}?resume=1&epoch=${journal.epoch}&since=5`);
  await late.readsAsked();
  // B reads on while the session waits for its read: 3 is one the client has.
  late.deliver(3);
  late.finishReads();
  assert.deepEqual(await client.next(), { ...(client.frames[0] as object), type: 'session', epoch: journal.epoch, seq: 2, resumed: true });
  late.deliver();
  publish(6, 6);
  late.deliver();
  assert.equal((await client.next()).seq, 6, 'the first event after the session is the first the client did not have');
  assert.deepEqual(eventSeqs(client), [6]);
});

test('a client behind a server that is catching up: the replay up to what the server had sent, then what it read meanwhile, each once', async (t) => {
  const { journal, late, b, publish } = await twoServers(t);
  publish(1, 5);
  late.deliver(3);
  const client = await open(t, `${b.urlFor()}?resume=1&epoch=${journal.epoch}&since=1`);
  await late.readsAsked();
  late.deliver(4);
  late.finishReads();
  const session = await client.next();
  assert.deepEqual([session.seq, session.resumed], [3, true]);
  late.deliver();
  await client.next((f) => f.seq === 5);
  assert.deepEqual(eventSeqs(client), [2, 3, 4, 5]);
});

test('a ProgressClient that moves to a server catching up while its session opens gets every event once, in order', async (t) => {
  const { late, a, b, publish } = await twoServers(t);
  const balancer = await startForwarder(t, [a.port]);
  const client = new ProgressClient({ url: `${balancer.url}/ws`, WebSocket: NodeWebSocket, reconnectDelay: 20, maxReconnectDelay: 50, lingerTime: 0 });
  t.after(() => client.close());
  const seqs: number[] = [];
  const reasons: string[] = [];
  client.onResync((reason) => reasons.push(reason));
  await client.subscribeToProgress({ onEvent: (event) => seqs.push(event.seq!) }).ready;
  publish(1, 5);
  await waitFor(() => seqs.length === 5, 'five events from A');
  late.deliver(2);

  balancer.backends = [b.port];
  balancer.cut();
  await late.readsAsked();
  late.deliver(4);
  late.finishReads();
  await waitFor(() => reasons.length === 1, 'the session on B');
  late.deliver();
  publish(6, 7);
  late.deliver();
  await waitFor(() => seqs.length >= 7, 'the events after the move');
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(reasons, ['resumed']);
  assert.equal(client.getStats().duplicatesDropped, 0, 'B sent nothing the client had');
});
