/**
 * Publishing over HTTP (`POST …/progress/events`): with fetch and with a real curl, one event or
 * a batch, all or nothing, the publisher key, the body limit, the method, and an endpoint that
 * does not exist without a key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createProgressServer, LogUnavailableError, ProgressJournal, type ProgressLog, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import { waitFor } from './helpers/fixtures.js';
import { connect } from './helpers/raw-client.js';

const KEY = 'publisher-key-0123456789';
const now = () => new Date().toISOString();
const started = (taskId: string, projectId = 'p') => ({ type: 'task_started', projectId, taskId, timestamp: now() });

async function start(t: TestContext, options: ProgressServerOptions = { publishKey: KEY }): Promise<ProgressServer & { http: string }> {
  const server = await createProgressServer({ heartbeatInterval: 0, ...options });
  t.after(() => server.close());
  return Object.assign(server, { http: `http://127.0.0.1:${server.port}` });
}

/** POST with `Authorization: Bearer <key>` (none when key is null). */
function post(url: string, body: unknown, key: string | null = KEY): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Runs curl; resolves with the status it printed last and the body before it. */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', '--write-out', '\n%{http_code}', ...args], { maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const cut = stdout.lastIndexOf('\n');
      const status = Number(stdout.slice(cut + 1));
      if (error && !status) reject(new Error(`curl failed: ${stderr}`));
      else resolve({ status, body: stdout.slice(0, cut) });
    });
  });
}

test('fetch: one event and a batch are published, answered with their numbers, and reach the sockets in that order', async (t) => {
  const server = await start(t);
  const socket = await connect(server.urlFor('p'));
  t.after(() => socket.terminate());
  await waitFor(() => server.clientCount === 1, 'the socket registered');
  const one = await post(`${server.http}/progress/events`, started('t1'));
  assert.equal(one.status, 200);
  assert.deepEqual(await one.json(), { seqs: [1] });
  const batch = await post(`${server.http}/api/progress/events`, [started('t2'), started('t3', 'q'), started('t4')]);
  assert.equal(batch.status, 200);
  assert.deepEqual(await batch.json(), { seqs: [2, 3, 4] });
  const received = [await socket.next(), await socket.next(), await socket.next()];
  assert.deepEqual(received.map((e) => e.taskId), ['t1', 't2', 't4'], "the socket of project p gets p's events, in order");
  assert.equal(server.log.position, 4);
});

test('curl: the documented example publishes, and the answer holds the number', async (t) => {
  const server = await start(t);
  const { status, body } = await curl([
    '-X', 'POST', `${server.http}/progress/events`,
    '-H', `Authorization: Bearer ${KEY}`,
    '-H', 'Content-Type: application/json',
    '--data', JSON.stringify({ type: 'task_started', projectId: 'p', taskId: 't1', timestamp: now() }),
  ]);
  assert.equal(status, 200);
  assert.deepEqual(JSON.parse(body), { seqs: [1] });
  const state = await server.log.states.snapshot({ kind: 'task', projectId: 'p', taskId: 't1' });
  assert.equal(state?.kind === 'task' && state.status, 'running');
});

test('a batch with bad events gets 400 naming each by index and reason, and none of it is published', async (t) => {
  const server = await start(t);
  const response = await post(`${server.http}/progress/events`, [started('ok'), { type: 'task_started', projectId: 'p' }, 'text', started('ok2')]);
  assert.equal(response.status, 400);
  const body = (await response.json()) as { error: string; rejected: { index: number; reason: string }[] };
  assert.deepEqual(body.rejected.map((r) => r.index), [1, 2]);
  for (const r of body.rejected) assert.ok(typeof r.reason === 'string' && r.reason.length > 0, 'a reason for each');
  assert.equal(server.log.position, 0, 'nothing of the request was appended');
  const notJson = await post(`${server.http}/progress/events`, '{"type":');
  assert.equal(notJson.status, 400);
  assert.deepEqual(await notJson.json(), { error: 'the body is not JSON' });
  const heartbeat = await post(`${server.http}/progress/events`, { type: 'ping', timestamp: now() });
  assert.equal(heartbeat.status, 400, 'a heartbeat is not a progress event');
  await heartbeat.text();
  assert.equal(server.log.position, 0);
});

test('a missing or wrong key gets 401 with nothing published; a list of keys accepts each', async (t) => {
  const server = await start(t, { publishKey: ['new-key', KEY] });
  for (const key of [null, 'wrong', `${KEY}x`, KEY.slice(0, -1)]) {
    const response = await post(`${server.http}/progress/events`, started('t'), key);
    assert.equal(response.status, 401, `key ${key}`);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    await response.text();
  }
  const basic = await fetch(`${server.http}/progress/events`, { method: 'POST', headers: { authorization: `Basic ${KEY}` }, body: JSON.stringify(started('t')) });
  assert.equal(basic.status, 401);
  await basic.text();
  assert.equal(server.log.position, 0);
  for (const key of ['new-key', KEY]) {
    const response = await post(`${server.http}/progress/events`, started('t'), key);
    assert.equal(response.status, 200);
    await response.text();
  }
  const viaCurl = await curl(['-X', 'POST', `${server.http}/progress/events`, '-H', 'Authorization: Bearer nope', '--data', '{}']);
  assert.equal(viaCurl.status, 401);
});

test('other methods get 405 with Allow: POST', async (t) => {
  const server = await start(t);
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const response = await fetch(`${server.http}/progress/events`, { method, headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get('allow'), 'POST');
    await response.text();
  }
});

test('without publishKey the endpoint does not exist: 404, nothing published', async (t) => {
  const server = await start(t, {});
  const response = await post(`${server.http}/progress/events`, started('t'));
  assert.equal(response.status, 404);
  await response.text();
  assert.equal(server.log.position, 0);
});

test('a body past maxPublishBytes gets 413 (fetch and curl); one just under it passes', async (t) => {
  const server = await start(t, { publishKey: KEY, maxPublishBytes: 1000 });
  const big = JSON.stringify({ ...started('t'), name: 'x'.repeat(2000) });
  const response = await post(`${server.http}/progress/events`, big);
  assert.equal(response.status, 413);
  await response.text();
  const viaCurl = await curl(['-X', 'POST', `${server.http}/progress/events`, '-H', `Authorization: Bearer ${KEY}`, '--data', big]);
  assert.equal(viaCurl.status, 413);
  // Just under the limit passes.
  const small = await post(`${server.http}/progress/events`, JSON.stringify({ ...started('t'), name: 'x'.repeat(800) }));
  assert.equal(small.status, 200);
  await small.text();
  assert.equal(server.log.position, 1);
});

test('a streamed body that passes the limit gets 413 at once, without waiting for its end, and the connection is closed', { timeout: 10000 }, async (t) => {
  const server = await start(t, { publishKey: KEY, maxPublishBytes: 64 * 1024 });
  const answered = new Promise<{ status: number; closed: Promise<void> }>((resolve, reject) => {
    // Chunked, no declared length: the server must count what it reads.
    const request = httpRequest(`${server.http}/progress/events`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'transfer-encoding': 'chunked' } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, closed: new Promise((done) => request.socket!.once('close', () => done())) });
    });
    request.on('error', () => {}); // the server closes the connection under the unfinished request
    request.on('response', () => {});
    // 96 KiB and never end(): a server that waited for the end would never answer.
    const chunk = Buffer.alloc(16 * 1024, 'a');
    for (let i = 0; i < 6; i++) request.write(chunk);
    request.once('close', () => reject(new Error('closed without an answer')));
  });
  const { status, closed } = await answered;
  assert.equal(status, 413);
  await closed;
  assert.equal(server.log.position, 0);
});

test('the log failing mid-batch: 503, with the numbers of the events that got in and null for the others', async (t) => {
  const journal = new ProgressJournal({ size: 100 });
  let appends = 0;
  // A log whose store goes away after two appends (as a Redis log's does when Redis is cut off).
  const log: ProgressLog = {
    get epoch() {
      return journal.epoch;
    },
    get position() {
      return journal.position;
    },
    get states() {
      return journal.states;
    },
    append: (event, text) => (++appends > 2 ? Promise.reject(new LogUnavailableError('store unavailable')) : Promise.resolve(journal.append(event, text))),
    read: (request) => journal.read(request),
    latest: (projects, through) => journal.latest(projects, through),
    tail: (listener) => journal.tail(listener),
  };
  const server = await start(t, { publishKey: KEY, log });
  const response = await post(`${server.http}/progress/events`, [started('a'), started('b'), started('c'), started('d')]);
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('retry-after'), '1');
  assert.deepEqual(await response.json(), { error: 'progress log unavailable', seqs: [1, 2, null, null] });
});

test('an empty publisher key is refused at start rather than taken as no key', async () => {
  for (const publishKey of ['', []]) {
    // A server that starts all the same is closed again, so that the failure is reported.
    const outcome = await createProgressServer({ publishKey, heartbeatInterval: 0 }).then(
      (server) => server.close().then(() => 'started'),
      (error: unknown) => error,
    );
    assert.ok(outcome instanceof TypeError, `publishKey ${JSON.stringify(publishKey)}: ${String(outcome)}`);
  }
});

test("output published over HTTP is numbered into the task's log as publish() numbers it: the frames carry their lines", async (t) => {
  const server = await start(t);
  const socket = await connect(server.urlFor('p'));
  t.after(() => socket.terminate());
  await waitFor(() => server.clientCount === 1, 'the socket registered');
  const output = (text: string) => ({ type: 'output', projectId: 'p', taskId: 't', output: text, timestamp: now() });
  const response = await post(`${server.http}/progress/events`, [output('first\n'), output('second\n')]);
  assert.equal(response.status, 200);
  await response.text();
  await server.publish(output('third\n') as never);
  const lines = [await socket.next(), await socket.next(), await socket.next()].map((frame) => [frame.output, frame.line]);
  assert.deepEqual(lines, [['first\n', 1], ['second\n', 2], ['third\n', 3]]);
});
