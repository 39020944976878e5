/**
 * The probes: `/healthz` while the process serves, `/readyz` while the server takes sockets and
 * reaches its log (503 while it drains, closes, or its Redis is away), at the root only.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createProgressServer, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import { createRedisLog } from '../../src/server/redis.js';
import { waitFor } from './helpers/fixtures.js';
import { startRedis } from './helpers/redis-server.js';

async function start(t: TestContext, options: ProgressServerOptions = {}): Promise<ProgressServer & { http: string }> {
  const server = await createProgressServer({ heartbeatInterval: 0, ...options });
  t.after(() => server.close());
  return Object.assign(server, { http: `http://127.0.0.1:${server.port}` });
}

async function probe(url: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  const json = response.headers.get('content-type') === 'application/json';
  return { status: response.status, body: text === '' ? undefined : json ? JSON.parse(text) : text };
}

/** Polls /readyz until it answers `status`. */
async function readyzBecomes(http: string, status: number, what: string): Promise<void> {
  let last = 0;
  const poll = async () => {
    last = (await probe(`${http}/readyz`)).status;
  };
  await poll();
  const end = Date.now() + 15000;
  while (last !== status) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await poll();
  }
}

test('/healthz and /readyz answer 200 at the root (GET and HEAD); other methods get 405; under a prefix they are not endpoints', async (t) => {
  const server = await start(t);
  assert.deepEqual(await probe(`${server.http}/healthz`), { status: 200, body: { status: 'ok' } });
  assert.deepEqual(await probe(`${server.http}/readyz`), { status: 200, body: { status: 'ok' } });
  assert.deepEqual(await probe(`${server.http}/readyz`, 'HEAD'), { status: 200, body: undefined });
  assert.equal((await probe(`${server.http}/readyz`, 'POST')).status, 405);
  assert.equal((await probe(`${server.http}/api/readyz`)).status, 404);
  // The older probe stays.
  const health = await fetch(`${server.http}/health`);
  assert.equal(health.status, 200);
  await health.text();
});

test('/readyz goes 503 (draining) the moment drain() is called, while /healthz stays 200', async (t) => {
  const server = await start(t);
  const drained = server.drain({ window: 0 });
  assert.deepEqual(await probe(`${server.http}/readyz`), { status: 503, body: { status: 'unavailable', reason: 'draining' } });
  assert.equal((await probe(`${server.http}/healthz`)).status, 200);
  await drained;
});

test('on a server of yours, handleRequest answers the probes and leaves other paths to you', async (t) => {
  const { createServer } = await import('node:http');
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const server = await createProgressServer({ server: http, heartbeatInterval: 0 });
  t.after(() => server.close());
  http.on('request', (request, response) => {
    if (!server.handleRequest(request, response)) response.writeHead(418).end();
  });
  const base = `http://127.0.0.1:${server.port}`;
  assert.equal((await probe(`${base}/readyz`)).status, 200);
  const other = await fetch(`${base}/elsewhere`);
  assert.equal(other.status, 418);
  await other.text();
});

test('with a Redis log, /readyz answers 503 while Redis is away and 200 once it is back; /healthz stays 200', async (t) => {
  const redis = await startRedis(t);
  const log = await createRedisLog({ url: redis.url, logger: { warn() {}, info() {} }, commandTimeout: 500 });
  t.after(() => log.close());
  const server = await start(t, { log });
  await waitFor(() => log.available === true, 'the log available');
  assert.equal((await probe(`${server.http}/readyz`)).status, 200);
  await redis.kill();
  await readyzBecomes(server.http, 503, '/readyz 503 with Redis away');
  assert.deepEqual((await probe(`${server.http}/readyz`)).body, { status: 'unavailable', reason: 'progress log unavailable' });
  assert.equal((await probe(`${server.http}/healthz`)).status, 200);
  await redis.start();
  await readyzBecomes(server.http, 200, '/readyz 200 with Redis back');
});
