/**
 * How long an action's request waits for its answer (`actionTimeout`), on a controllable clock
 * (node:test's mock timers) against a real HTTP server on loopback that takes the request and
 * never answers: the request is abandoned at the deadline, not before, with a RunActionError
 * `timeout`, and its connection is closed; an answer in time clears the timer; a token that never
 * comes is abandoned at the same deadline.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { ProgressClient, RunActionError } from '../../../src/client/index.js';

/** A server that records each request and keeps its answer until the test gives it. */
async function silentServer(t: TestContext) {
  const waiting: { request: IncomingMessage; response: ServerResponse; closed: Promise<void> }[] = [];
  let arrived: () => void = () => {};
  const server = createServer((request, response) => {
    if (request.url === '/warm-up') return void response.end();
    const closed = new Promise<void>((resolve) => response.once('close', () => resolve()));
    waiting.push({ request, response, closed });
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const { port } = server.address() as { port: number };
  // Node's fetch keeps the timer functions it finds when it first loads: it loads now, on the
  // real ones, so that the mock clock of one test is not left inside it for the next.
  await (await fetch(`http://127.0.0.1:${port}/warm-up`)).text();
  return {
    baseURL: `http://127.0.0.1:${port}/api`,
    waiting,
    /** Resolves once `n` requests have arrived. */
    arrivals: (n: number) => new Promise<void>((resolve) => {
      arrived = () => waiting.length >= n && resolve();
      arrived();
    }),
  };
}

/** Whether the promise has settled, once the jobs queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 20 && !done; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const client = (baseURL: string, actionTimeout?: number) =>
  new ProgressClient({ url: 'ws://127.0.0.1:9/ws', baseURL, token: 'tk-secret', ...(actionTimeout === undefined ? {} : { actionTimeout }) });

test('an action without an answer is abandoned at actionTimeout, not before: a RunActionError `timeout`, and its connection closed', async (t) => {
  const server = await silentServer(t);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const pending = client(server.baseURL, 5000).pauseExecution('e1');
  pending.catch(() => {});
  await server.arrivals(1);
  assert.equal(server.waiting[0]!.request.url, '/api/workflows/executions/e1/pause');

  t.mock.timers.tick(4999);
  assert.equal(await settled(pending), false, 'still waiting just before the deadline');
  t.mock.timers.tick(1);
  assert.equal(await settled(pending), true, 'abandoned at the deadline');
  const error = await pending.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof RunActionError, String(error));
  assert.equal(error.code, 'timeout');
  assert.equal(error.status, undefined);
  assert.doesNotMatch(error.message, /tk-secret/);
  await server.waiting[0]!.closed;
});

test('the default waits 30 s; an answer in time settles it and leaves no timer; 0 waits for ever', async (t) => {
  const server = await silentServer(t);
  t.mock.timers.enable({ apis: ['setTimeout'] });

  const byDefault = client(server.baseURL).cancelTask('p1', 't1');
  byDefault.catch(() => {});
  await server.arrivals(1);
  t.mock.timers.tick(29_999);
  assert.equal(await settled(byDefault), false);
  t.mock.timers.tick(1);
  assert.equal(await settled(byDefault), true, 'abandoned after 30 s');
  assert.equal(((await byDefault.catch((e: unknown) => e)) as RunActionError).code, 'timeout');

  // Answered in time: accepted, and its timer is gone (nothing fires later).
  const answered = client(server.baseURL).resumeExecution('e2');
  await server.arrivals(2);
  server.waiting[1]!.response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":"resume"}');
  assert.deepEqual(await answered, { accepted: 'resume' });
  t.mock.timers.tick(60_000);

  // No limit: still waiting long after, until the server answers.
  const unlimited = client(server.baseURL, 0).cancelExecution('e3');
  await server.arrivals(3);
  t.mock.timers.tick(10 * 60_000);
  assert.equal(await settled(unlimited), false);
  server.waiting[2]!.response.writeHead(409, { 'content-type': 'application/json' }).end('{"error":"the execution has ended"}');
  const refused = (await unlimited.catch((e: unknown) => e)) as RunActionError;
  assert.deepEqual([refused.code, refused.status, refused.reason], ['conflict', 409, 'the execution has ended']);
});

test('the deadline covers the token too: a getToken that never answers is abandoned at actionTimeout, and nothing is sent', async (t) => {
  const server = await silentServer(t);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let asked = false;
  const getToken = () => ((asked = true), new Promise<string>(() => {}));
  const hung = new ProgressClient({ url: 'ws://127.0.0.1:9/ws', baseURL: server.baseURL, getToken, actionTimeout: 2000 });
  const pending = hung.cancelTask('p1', 't1');
  pending.catch(() => {});
  while (!asked) await new Promise((resolve) => setImmediate(resolve));
  t.mock.timers.tick(1999);
  assert.equal(await settled(pending), false);
  t.mock.timers.tick(1);
  assert.equal(await settled(pending), true, 'abandoned at the deadline');
  assert.equal(((await pending.catch((e: unknown) => e)) as RunActionError).code, 'timeout');
  assert.equal(server.waiting.length, 0, 'no request was sent');
});
