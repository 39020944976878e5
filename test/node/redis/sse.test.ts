/**
 * Streams from several servers on one Redis (each in a child process): a stream on each gets
 * every event once and in order, whichever server it was published through; a stream that moves
 * resumes on the other server by Last-Event-ID; grants, expiry, revoke and the limits hold for
 * streams there as for sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent } from '../../../src/client/index.js';
import { task, waitFor } from '../helpers/fixtures.js';
import { grantToken } from '../helpers/grant-tokens.js';
import { open } from '../helpers/raw-client.js';
import { startInstance } from '../helpers/redis-instances.js';
import { startRedis } from '../helpers/redis-server.js';
import { openStream, stream, type StreamClient } from '../helpers/sse-stream.js';

/** The events a stream got (batches flattened), without the session frame. */
const eventsOf = (client: StreamClient): any[] => client.frames().flatMap((f) => (Array.isArray(f) ? f : [f])).filter((f) => f.type !== 'session');

const seqsOf = (results: (number | { error: string })[]): number[] =>
  results.map((r) => {
    if (typeof r !== 'number') throw new Error(r.error);
    return r;
  });

test('two servers on one Redis, a stream on each: every event once and in order, whichever server published it; a stream resumes on the other server', async (t) => {
  const redis = await startRedis(t);
  const [a, b] = await Promise.all([startInstance(t, redis.url), startInstance(t, redis.url)]);
  const onA = await stream(t, `${a.url}/ws?resume=1&batch=1`);
  const onB = await stream(t, `${b.url}/progress/subscribe/p1?resume=1`);
  await waitFor(() => onA.frames().length >= 1 && onB.frames().length >= 1, 'both sessions');
  const seqs: number[] = [];
  for (let round = 0; round < 6; round++) {
    const events: ProgressEvent[] = Array.from({ length: 20 }, (_, i) => task.step('p1', 't1', `r${round}-${i}`, 'running', i));
    seqs.push(...seqsOf(await (round % 2 === 0 ? a : b).publish(events)));
  }
  await waitFor(() => eventsOf(onA).length >= seqs.length && eventsOf(onB).length >= seqs.length, 'every event on both', 15000);
  assert.deepEqual(eventsOf(onA).map((e) => e.seq), seqs, 'the stream on A: each once, in order');
  assert.deepEqual(eventsOf(onB).map((e) => e.seq), seqs, 'the stream on B: each once, in order');
  for (const message of onB.messages.slice(1)) assert.equal(message.id, String(message.frame.seq));

  // The stream on A goes away; events come meanwhile; it comes back on B with its Last-Event-ID.
  const lastId = onA.messages.at(-1)!.id!;
  onA.cancel();
  const missed = seqsOf(await a.publish(Array.from({ length: 10 }, (_, i) => task.step('p1', 't1', `away${i}`, 'running', i))));
  const back = await stream(t, `${b.url}/ws?resume=1&batch=1`, { lastEventId: lastId });
  await waitFor(() => eventsOf(back).length >= missed.length, 'the missed events replayed on B', 10000);
  assert.equal(back.frames()[0].resumed, true);
  assert.deepEqual(eventsOf(back).map((e) => e.seq), missed);
});

test('on Redis, a stream ends with 4401 at its grant end and at revoke(), and counts with sockets against the token limit', async (t) => {
  const redis = await startRedis(t);
  const server = await startInstance(t, redis.url, { grantTokens: true, limits: { maxConnectionsPerToken: 2 } });
  const p1 = grantToken({ projects: ['p1'] });
  assert.equal((await openStream(`${server.url}/progress/subscribe/p2`, { token: p1 })).status, 403);
  assert.equal((await openStream(`${server.url}/progress/subscribe/p1`, { token: 'nonsense' })).status, 401);
  const expiring = await stream(t, `${server.url}/progress/subscribe/p1?resume=1`, { token: grantToken({ projects: ['p1'], expiresAt: Date.now() + 500 }) });
  assert.deepEqual(await expiring.closed, { code: 4401, reason: 'token expired' });

  const first = await stream(t, `${server.url}/progress/subscribe/p1?resume=1`, { token: p1 });
  const socket = await open(t, `${server.url}/progress/subscribe/p1?token=${p1}`);
  const third = await openStream(`${server.url}/progress/subscribe/p1`, { token: p1 });
  assert.equal(third.status, 429);
  assert.deepEqual(third.body, { error: 'too many connections for this token', code: 4429 });
  assert.equal(await server.revoke(p1), 2);
  assert.deepEqual(await first.closed, { code: 4401, reason: 'token revoked' });
  assert.deepEqual(await socket.closed, { code: 4401, reason: 'token revoked' });
});
