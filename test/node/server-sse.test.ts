/**
 * The socket URLs as Server-Sent Events streams, over real HTTP on loopback: the same frames as a
 * socket with the same query, numbered by `id:`; resuming by `Last-Event-ID` or `epoch`+`since`;
 * the refusals as HTTP answers with JSON bodies; expiry, revoke, drain and close as one last
 * `event: close` message; streams and sockets counted together against the limits.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createServerMetrics } from '../../src/server/metrics.js';
import { createProgressServer, ProgressJournal, type AuthenticateAnswer, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import { task, waitFor } from './helpers/fixtures.js';
import { open } from './helpers/raw-client.js';
import { activeTimers, openStream, stream, type StreamClient } from './helpers/sse-stream.js';

async function start(t: TestContext, options: ProgressServerOptions = {}): Promise<ProgressServer> {
  const server = await createProgressServer({ heartbeatInterval: 0, ...options });
  t.after(() => server.close());
  return server;
}

/** A session frame without its timestamp, which differs between two clients. */
const untimed = (frame: any) => (frame?.type === 'session' ? { ...frame, timestamp: undefined } : frame);

/** Waits until the stream has `count` frames (messages without `event:`). */
const framesOf = async (client: StreamClient, count: number, what: string) => {
  await waitFor(() => client.frames().length >= count, `${what}: ${count} frames (got ${client.raw()})`);
  return client.frames();
};

test('a stream gets the frames a socket with the same query gets, in the same order, session first, each event numbered by id:', { timeout: 30_000 }, async (t) => {
  const server = await start(t);
  await server.publish(task.queued('p1', 'before'));
  for (const query of ['', '?resume=1', '?resume=1&epoch=' + server.log.epoch + '&since=0']) {
    const socket = await open(t, server.urlFor('p1') + query);
    const client = await stream(t, server.urlFor('p1') + query);
    const all = await open(t, server.urlFor() + query);
    const allStream = await stream(t, server.urlFor() + query);
    assert.equal(client.status, 200);
    assert.match(String(client.headers['content-type']), /^text\/event-stream; charset=utf-8$/);
    assert.equal(client.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(client.headers['x-accel-buffering'], 'no');
    assert.equal(client.headers['content-encoding'], undefined);
    await waitFor(() => server.clientCount === 4, 'the four clients registered');
    const published = [task.started('p1', 't1'), task.started('p2', 'other'), task.step('p1', 't1', 'build', 'running', 40), task.completed('p1', 't1')];
    for (const event of published) await server.publish(event);
    const expected = query === '' ? 3 : query.includes('since') ? 5 : 4;
    const frames = await framesOf(client, expected, `project stream ${query}`);
    await waitFor(() => socket.frames.length >= expected, 'the socket has them');
    assert.deepEqual(frames.map(untimed), socket.frames.map(untimed), `project ${query}`);
    const allFrames = await framesOf(allStream, expected + 1, `all-projects stream ${query}`);
    await waitFor(() => all.frames.length >= expected + 1, 'the all-projects socket has them');
    assert.deepEqual(allFrames.map(untimed), all.frames.map(untimed), `all projects ${query}`);
    if (query !== '') assert.equal(frames[0].type, 'session', 'the session frame comes first');
    for (const message of client.messages) {
      if (message.frame.type === 'session') assert.equal(message.id, undefined, 'the session frame carries no id');
      else assert.equal(message.id, String(message.frame.seq), 'id: is the event seq');
    }
    for (const c of [socket, all]) c.terminate();
    for (const c of [client, allStream]) c.cancel();
    await waitFor(() => server.clientCount === 0, 'all gone');
  }
});

test('batch=1: the same array frames as the socket, each one message whose id is the seq of its last event', { timeout: 30_000 }, async (t) => {
  const server = await start(t, { batchWindow: 40 });
  const query = '?resume=1&batch=1';
  const socket = await open(t, server.urlFor('p1') + query);
  const client = await stream(t, server.urlFor('p1') + query);
  await waitFor(() => server.clientCount === 2, 'both registered');
  await socket.next((frame) => frame.type === 'session');
  const events = Array.from({ length: 30 }, (_, i) => task.step('p1', 't1', `s${i}`, 'running', i));
  await Promise.all(events.map((event) => server.publish(event)));
  const count = (frames: any[]) => frames.reduce((n, frame) => n + (Array.isArray(frame) ? frame.length : frame.type === 'session' ? 0 : 1), 0);
  await waitFor(() => count(client.frames()) === 30 && count(socket.frames) === 30, 'every event in both');
  assert.deepEqual(client.frames().map(untimed), socket.frames.map(untimed));
  const batches = client.messages.filter((message) => Array.isArray(message.frame));
  assert.ok(batches.length > 0, 'some events came as batches');
  for (const message of batches) assert.equal(message.id, String(message.frame.at(-1).seq), 'id: is the last event seq');
});

test('Last-Event-ID resumes after that event: nothing lost, nothing twice; the epoch+since query wins over it', { timeout: 30_000 }, async (t) => {
  const server = await start(t);
  const url = server.urlFor('p1') + '?resume=1';
  const first = await stream(t, url);
  for (let i = 0; i < 3; i++) await server.publish(task.step('p1', 't1', `a${i}`, 'running', i));
  await framesOf(first, 4, 'first stream');
  const lastId = first.messages.at(-1)!.id!;
  first.cancel();
  await waitFor(() => server.clientCount === 0, 'the first stream gone');
  for (let i = 0; i < 3; i++) await server.publish(task.step('p1', 't1', `b${i}`, 'running', i));

  const again = await stream(t, url, { lastEventId: lastId });
  const [session, ...replay] = await framesOf(again, 4, 'resumed stream');
  assert.equal(session.type, 'session');
  assert.equal(session.resumed, true);
  assert.deepEqual(replay.map((frame) => frame.step), ['b0', 'b1', 'b2']);
  await server.publish(task.completed('p1', 't1'));
  const live = await framesOf(again, 5, 'live after the replay');
  assert.equal(live[4].type, 'task_completed');
  const seqs = again.messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'each number once, in order');

  // The query says which numbering: another epoch is a resync, whatever Last-Event-ID says.
  const other = await stream(t, `${url}&epoch=another&since=${lastId}`, { lastEventId: lastId });
  const [resync] = await framesOf(other, 1, 'stream of another epoch');
  assert.equal(resync.resumed, false);
  // And the query alone resumes as on a socket.
  const byQuery = await stream(t, `${url}&epoch=${server.log.epoch}&since=${lastId}`);
  const [resumed, ...missed] = await framesOf(byQuery, 5, 'stream resumed by the query');
  assert.equal(resumed.resumed, true);
  assert.deepEqual(missed.map((frame) => frame.step ?? frame.type), ['b0', 'b1', 'b2', 'task_completed']);
  // A Last-Event-ID that is no number is no position.
  const junk = await stream(t, url, { lastEventId: '12abc' });
  assert.equal((await framesOf(junk, 1, 'stream with a junk Last-Event-ID'))[0].resumed, false);
});

/** A hook of tokens: `all` sees every project, `p1` project p1 only, `old` an expired grant, others nothing. */
const grants = (token: string | undefined): AuthenticateAnswer => {
  if (token === 'all-secret') return true;
  if (token === 'p1-secret') return { projects: ['p1'] };
  if (token === 'old-secret') return { projects: '*', expiresAt: Date.now() - 1000 };
  return false;
};

test('refusals before the stream are HTTP answers with a JSON body saying the socket close code, and no token in the log', { timeout: 30_000 }, async (t) => {
  const lines: string[] = [];
  const logger = { warn: (line: string) => lines.push(line) };
  const server = await start(t, { authenticate: grants, logger, maxConnectionsPerToken: 1 });
  const refused = async (url: string, options: Parameters<typeof openStream>[1], status: number, error: string | RegExp, code: number) => {
    const answer = await openStream(url, options);
    assert.equal(answer.status, status, `${url}: ${answer.raw()}`);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.equal(answer.body.code, code);
    if (typeof error === 'string') assert.equal(answer.body.error, error);
    else assert.match(answer.body.error, error);
    return answer;
  };
  const unauthorized = await refused(server.urlFor('p1'), {}, 401, 'unauthorized', 4401);
  assert.equal(unauthorized.headers['www-authenticate'], 'Bearer');
  await refused(server.urlFor('p1'), { token: 'wrong-secret' }, 401, 'unauthorized', 4401);
  await refused(server.urlFor('p1'), { token: 'old-secret' }, 401, 'token expired', 4401);
  await refused(server.urlFor('p2'), { token: 'p1-secret' }, 403, 'project not allowed', 4403);
  await refused(server.urlFor('p1').replace(/p1$/, ''), {}, 404, 'not found', 1006);
  await refused(server.urlFor('p1'), { token: 'p1-secret', accept: 'application/json' }, 406, /not acceptable/, 1003);

  // The token in the query works as for a socket; the header is preferred.
  const byQuery = await stream(t, server.urlFor('p1') + '?token=p1-secret');
  assert.equal(byQuery.status, 200);
  await refused(server.urlFor('p1'), { token: 'p1-secret' }, 429, 'too many connections for this token', 4429);
  assert.equal(server.clientCount, 1);
  assert.ok(lines.some((line) => /too many connections for this token/.test(line)), 'the refusal is logged');
  assert.ok(lines.every((line) => !line.includes('secret')), `no token in the log: ${lines.join('\n')}`);

  // A log that cannot be read, then draining: 503.
  class UnreachableLog extends ProgressJournal {
    get available(): boolean {
      return false;
    }
  }
  const down = await start(t, { log: new UnreachableLog() });
  await refused(down.urlFor('p1'), {}, 503, 'progress log unavailable', 1013);
  void server.drain({ window: 0 });
  await refused(server.urlFor('p1'), { token: 'all-secret' }, 503, 'draining', 1012);
});

test('the attempt rate counts streams: past the burst, 429 before the token is asked about', { timeout: 30_000 }, async (t) => {
  let asked = 0;
  const server = await start(t, { connectionAttempts: { burst: 2, perSecond: 0.001 }, authenticate: () => (asked++, true), logger: { warn: () => {} } });
  const a = await stream(t, server.urlFor('p1'));
  const b = await open(t, server.urlFor('p1') + '?token=x');
  assert.equal(a.status, 200);
  await waitFor(() => server.clientCount === 2, 'a stream and a socket admitted');
  const third = await openStream(server.urlFor('p1'));
  assert.equal(third.status, 429);
  assert.deepEqual(third.body, { error: 'too many connection attempts', code: 4429 });
  assert.equal(asked, 2);
  b.terminate();
});

test('streams and sockets count together against the per-token and per-address limits', { timeout: 30_000 }, async (t) => {
  const server = await start(t, { authenticate: () => true, maxConnectionsPerToken: 2, maxConnectionsPerAddress: 3, logger: { warn: () => {} } });
  await stream(t, server.urlFor('p1'), { token: 'a' });
  await open(t, server.urlFor('p1') + '?token=a');
  await waitFor(() => server.clientCount === 2, 'a stream and a socket of token a');
  const socket = await open(t, server.urlFor('p1') + '?token=a');
  assert.deepEqual(await socket.closed, { code: 4429, reason: 'too many connections for this token' });
  assert.equal((await openStream(server.urlFor('p1'), { token: 'a' })).status, 429);
  await stream(t, server.urlFor('p2'), { token: 'b' });
  await waitFor(() => server.clientCount === 3, 'three from this address');
  const fourth = await openStream(server.urlFor('p1'), { token: 'c' });
  assert.deepEqual(fourth.body, { error: 'too many connections from this address', code: 4429 });
});

test('a grant that expires ends the stream with event: close 4401 token expired; revoke() with token revoked, and counts streams', { timeout: 30_000 }, async (t) => {
  const server = await start(t, {
    authenticate: (token) => (token === 'short-secret' ? { projects: '*', expiresAt: Date.now() + 300 } : token === 'long-secret' ? true : false),
  });
  const short = await stream(t, server.urlFor('p1') + '?resume=1', { token: 'short-secret' });
  const long = await stream(t, server.urlFor() + '?resume=1', { token: 'long-secret' });
  const socket = await open(t, server.urlFor() + '?token=long-secret');
  assert.deepEqual(await short.closed, { code: 4401, reason: 'token expired' });
  await short.ended;
  await waitFor(() => server.clientCount === 2, 'the expired stream is no client');
  assert.equal(server.revoke('long-secret'), 2);
  assert.deepEqual(await long.closed, { code: 4401, reason: 'token revoked' });
  assert.deepEqual(await socket.closed, { code: 4401, reason: 'token revoked' });
  await waitFor(() => server.clientCount === 0, 'no clients');
});

test('drain() ends streams with event: close 1012 draining, close() with 1001; a stream waiting for its token check gets 503', { timeout: 30_000 }, async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const server = await start(t, { authenticate: async (token) => (token === 'slow-secret' ? (await held, true) : true) });
  const a = await stream(t, server.urlFor('p1'), { token: 'x' });
  const b = await stream(t, server.urlFor(), { token: 'x' });
  const waiting = openStream(server.urlFor('p1'), { token: 'slow-secret' });
  await waitFor(() => server.clientCount === 2, 'two streams');
  const drained = server.drain({ window: 0 });
  const answer = await waiting;
  release();
  assert.equal(answer.status, 503);
  assert.deepEqual(answer.body, { error: 'draining', code: 1012 });
  assert.deepEqual(await a.closed, { code: 1012, reason: 'draining' });
  assert.deepEqual(await b.closed, { code: 1012, reason: 'draining' });
  await drained;
  assert.equal(server.clientCount, 0);

  const other = await start(t);
  const c = await stream(t, other.urlFor('p1'));
  await waitFor(() => other.clientCount === 1, 'one stream');
  await other.close();
  assert.deepEqual(await c.closed, { code: 1001, reason: 'server closing' });
});

test('a client that goes away leaves nothing: no client, no timer, a disconnection event', { timeout: 30_000 }, async (t) => {
  const server = await start(t, { sseHeartbeat: 60_000, authenticate: () => ({ projects: '*', expiresAt: Date.now() + 3_600_000 }) });
  const baseline = activeTimers();
  const gone: string[] = [];
  server.on('disconnection', (info) => gone.push(info.id));
  const clients = await Promise.all([0, 1, 2].map((i) => openStream(server.urlFor(i === 0 ? undefined : `p${i}`) + '?resume=1&batch=1', { token: 't' })));
  await waitFor(() => server.clientCount === 3, 'three streams');
  assert.ok(activeTimers() > baseline, 'each stream has its heartbeat and expiry');
  await server.publish(task.started('p1', 't1'));
  for (const client of clients) client.cancel();
  await waitFor(() => server.clientCount === 0 && gone.length === 3, 'all gone');
  await waitFor(() => activeTimers() <= baseline, `no timer left (${activeTimers()} > ${baseline})`);
});

test('a stream whose client does not read is shed with event: close 1013 too slow, and resumes by Last-Event-ID without loss', { timeout: 30_000 }, async (t) => {
  const maxBufferedBytes = 1024 * 1024;
  let shed = 0;
  const server = await start(t, { maxBufferedBytes, observe: { shed: () => shed++ } });
  const slow = await stream(t, server.urlFor('p1') + '?resume=1');
  const reader = await stream(t, server.urlFor('p1'));
  await waitFor(() => server.clientCount === 2, 'two streams');
  slow.pause();
  const big = 'x'.repeat(32 * 1024);
  let published = 0;
  // The kernel takes a lot first (loopback receive buffers grow to tens of MB here).
  while (shed === 0) {
    await server.publish(task.output('p1', 't1', `${published++} ${big}`));
    // The reader, in this process, reads while the loop turns.
    if (published % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (published * big.length > 256 * 1024 * 1024) assert.fail('never shed');
  }
  assert.ok(published * big.length > maxBufferedBytes, 'shed past the limit, not before');
  await waitFor(() => reader.frames().length === published, `the reader got everything (${published})`);
  assert.equal(shed, 1, 'only the slow one was shed');
  slow.resume();
  assert.deepEqual(await slow.closed, { code: 1013, reason: 'too slow' });
  const lastId = slow.messages.filter((m) => m.id !== undefined).at(-1)!.id!;
  const again = await stream(t, server.urlFor('p1') + '?resume=1', { lastEventId: lastId });
  const had = slow.frames().length - 1;
  await waitFor(() => again.frames().length === 1 + published - had, 'the rest, replayed');
  const outputs = [...slow.frames().slice(1), ...again.frames().slice(1)].map((frame) => Number(frame.output.split(' ')[0]));
  assert.deepEqual(outputs, Array.from({ length: published }, (_, i) => i), 'every event once, in order');
});

test('heartbeat: a comment when the stream was silent for sseHeartbeat ms', { timeout: 30_000 }, async (t) => {
  const server = await start(t, { sseHeartbeat: 40 });
  const client = await stream(t, server.urlFor('p1'));
  await waitFor(() => client.comments.length >= 3, 'three heartbeat comments');
  assert.match(client.raw(), /^:\n\n/, 'a comment is a colon and a blank line');
});

test('the metrics count streams with the sockets, and alone; refused streams and their closes by code', { timeout: 30_000 }, async (t) => {
  const metrics = createServerMetrics();
  const server = await start(t, { observe: metrics, authenticate: (token) => token === 'good' });
  const socket = await open(t, server.urlFor('p1') + '?token=good');
  const client = await stream(t, server.urlFor('p1') + '?resume=1', { token: 'good' });
  const all = await stream(t, server.urlFor(), { token: 'good' });
  assert.equal((await openStream(server.urlFor('p1'), { token: 'bad' })).status, 401);
  await waitFor(() => server.clientCount === 3, 'a socket and two streams');
  const sample = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  let text = await metrics.text();
  assert.equal(sample(text, 'progress_sockets_open{kind="project"}'), 2);
  assert.equal(sample(text, 'progress_sockets_open{kind="all"}'), 1);
  assert.equal(sample(text, 'progress_streams_open'), 2);
  assert.equal(sample(text, 'progress_refusals_total{code="4401"}'), 1);
  assert.equal(sample(text, 'progress_sessions_total{outcome="resync",reason="none"}'), 1);
  server.revoke('good');
  await client.closed;
  await all.closed;
  socket.terminate();
  await waitFor(() => server.clientCount === 0, 'all closed');
  text = await metrics.text();
  assert.equal(sample(text, 'progress_streams_open'), 0);
  assert.equal(sample(text, 'progress_sockets_closed_total{kind="project",code="4401"}'), 2);
});
