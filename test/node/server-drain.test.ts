/**
 * Draining over real sockets: every socket closed with 1012 `draining`, spread evenly over the
 * window (on a clock advanced by hand), new upgrades refused with 503, and a client that was on
 * the drained server back within a second on another one, resumed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { type ConnectionEvent, type ResyncReason } from '../../src/client/index.js';
import { ProgressJournal, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import { followAllProjects, task, waitFor } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';
import { connect, connectError, type Closed, type RawClient } from './helpers/raw-client.js';
import { servedConnections, startServed } from './helpers/served-connections.js';
import { startForwarder } from './helpers/tcp-forwarder.js';

async function start(t: TestContext, options: ProgressServerOptions = {}): Promise<ProgressServer> {
  const server = await startServed({ heartbeatInterval: 0, ...options });
  t.after(() => server.close());
  return server;
}

/** Server-side sockets not yet asked to close. */
const stillOpen = (server: ProgressServer): number => servedConnections(server).filter((s) => s.ws.readyState === WebSocket.OPEN).length;

test('100 sockets are closed with 1012 draining, no more than a tenth of them (and a little) in any tenth of the window; the promise resolves once all are closed', async (t) => {
  const N = 100;
  const WINDOW = 10000;
  const server = await start(t);
  const clients: RawClient[] = [];
  for (let i = 0; i < N; i++) clients.push(await connect(i % 2 === 0 ? server.urlFor() : server.urlFor(`p${i % 7}`)));
  t.after(() => clients.forEach((c) => c.terminate()));
  await waitFor(() => server.clientCount === N, 'every socket registered');
  const closes: Closed[] = [];
  for (const client of clients) void client.closed.then((closed) => closes.push(closed));

  const clock = new ManualClock();
  let drained = false;
  const draining = server.drain({ window: WINDOW, clock });
  assert.equal(server.drain(), draining, 'a second call returns the same promise');
  void draining.then(() => (drained = true));

  const perTenth: number[] = [];
  for (let tenth = 0; tenth < 10; tenth++) {
    clock.advance(WINDOW / 10);
    // The closes the server sent in this tenth, once their clients have them.
    const sent = N - stillOpen(server);
    await waitFor(() => closes.length === sent, `the closes of tenth ${tenth}`);
    perTenth.push(closes.length - perTenth.reduce((a, b) => a + b, 0));
  }
  assert.equal(closes.length, N, 'every socket closed within the window');
  for (const [tenth, count] of perTenth.entries()) assert.ok(count <= N / 10 + 2, `tenth ${tenth}: ${count} closes (${perTenth.join(', ')})`);
  assert.ok(closes.every((c) => c.code === 1012 && c.reason === 'draining'), 'all with 1012 draining');
  await waitFor(() => drained, 'drain() resolved');
  assert.equal(server.clientCount, 0);
});

test('while draining, an upgrade gets HTTP 503, and so does one whose token was being checked when drain() was called', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let checking = false;
  const server = await start(t, {
    authenticate: async (token) => {
      if (token === 'slow') {
        checking = true;
        await held;
      }
      return true;
    },
  });
  const waiting = connectError(`${server.urlFor()}?token=slow`);
  await waitFor(() => checking, 'the token in the hook');
  const drained = server.drain({ window: 0 });
  release();
  assert.match((await waiting).message, /503/);
  assert.match((await connectError(server.urlFor())).message, /503/);
  assert.match((await connectError(server.urlFor('p'))).message, /503/);
  await drained;
});

test('a client on a drained server comes back within a second on another server of the same log and resumes there, missing nothing', async (t) => {
  const log = new ProgressJournal({ size: 1000 });
  const a = await start(t, { log });
  const b = await start(t, { log });
  const balancer = await startForwarder(t, [a.port]);
  // A long backoff: only the 1012 rule brings it back within a second.
  const follower = followAllProjects(t, { url: `${balancer.url}/ws`, reconnectDelay: 20000, maxReconnectDelay: 30000 });
  await follower.ready;
  await a.publish(task.started('p', 't1'));
  await waitFor(() => follower.events.length === 1, 'the first event');

  // The balancer sends new connections elsewhere once /readyz says 503, as it would.
  const drained = a.drain({ window: 100 });
  const ready = await fetch(`http://127.0.0.1:${a.port}/readyz`);
  assert.equal(ready.status, 503);
  await ready.text();
  balancer.backends = [b.port];
  // Published while the client moves: it must get it on b, from its position.
  await b.publish(task.started('p', 't2'));
  await drained;
  await waitFor(() => follower.events.length === 2 && b.clientCount === 1, 'the client on b with the second event', 5000);
  await b.publish(task.started('p', 't3'));
  await waitFor(() => follower.events.length === 3, 'the third event');
  assert.deepEqual(follower.events.map((e) => (e as { taskId?: string }).taskId), ['t1', 't2', 't3']);
  assert.deepEqual(follower.reasons, ['resumed'] satisfies ResyncReason[]);
  const drop = follower.connection.find((e): e is Extract<ConnectionEvent, { type: 'disconnected' }> => e.type === 'disconnected');
  assert.equal(drop?.code, 1012);
  assert.ok(drop.delay !== undefined && drop.delay < 1000, `reconnect after ${drop.delay} ms`);
});
