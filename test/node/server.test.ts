import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { test } from 'node:test';
import {
  CLOSE_UNAUTHORIZED,
  createProgressPublisher,
  createProgressServer,
  ProgressJournal,
  type ProgressClientInfo,
  type ProgressEvent,
} from '../../src/server/index.js';
import { startServer } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';
import { beat as beatOnce } from './helpers/heartbeat-beat.js';
import { connect, connectError, once, open, type RawClient } from './helpers/raw-client.js';
import { until } from '../shared/until.js';

const now = () => new Date().toISOString();

function taskStarted(projectId: string, taskId = 't1'): ProgressEvent {
  return { type: 'task_started', timestamp: now(), projectId, taskId };
}

/** Resolves true when nothing matching arrives within `ms`. */
async function silentFor(client: RawClient, ms: number, match?: (frame: any) => boolean): Promise<boolean> {
  return client.next(match, ms).then(
    () => false,
    () => true,
  );
}

test('per-project sockets see only their project; the single path sees all', async (t) => {
  const server = await startServer(t);
  const p1 = await open(t, `${server.url}/api/progress/subscribe/p1`);
  const p2 = await open(t, server.urlFor('p2'));
  const odd = await open(t, server.urlFor('team/a b'));
  const all = await open(t, server.urlFor());
  assert.equal(server.clientCount, 4);
  assert.deepEqual(
    server.clients().map((c) => [c.projectId, c.path]),
    [
      ['p1', '/api/progress/subscribe/p1'],
      ['p2', '/progress/subscribe/p2'],
      ['team/a b', '/progress/subscribe/team%2Fa%20b'],
      [undefined, '/ws'],
    ],
  );

  assert.equal(server.publish(taskStarted('p2', 'a')), 2);
  assert.equal(server.publish(taskStarted('p1', 'b')), 2);
  assert.equal(server.publish(taskStarted('p2', 'c')), 2);
  assert.equal(server.publish(taskStarted('team/a b', 'd')), 2);
  assert.equal(server.publish(taskStarted('nobody', 'e')), 1);

  assert.equal((await p1.next()).taskId, 'b');
  assert.equal((await p2.next()).taskId, 'a');
  assert.equal((await p2.next()).taskId, 'c', 'p2 never sees p1');
  assert.equal((await odd.next()).taskId, 'd');
  for (const taskId of ['a', 'b', 'c', 'd', 'e']) assert.equal((await all.next()).taskId, taskId);
  assert.ok(await silentFor(p1, 150), 'p1 saw another project');
  assert.deepEqual(p1.frames.length, 1);
});

test('url and urlFor', async (t) => {
  const server = await startServer(t, { path: '/events' });
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.url, `ws://127.0.0.1:${server.port}`);
  assert.equal(server.urlFor(), `${server.url}/events`);
  assert.equal(server.urlFor('a/b'), `${server.url}/progress/subscribe/a%2Fb`);
  const all = await open(t, server.urlFor());
  assert.equal(server.publish(taskStarted('x')), 1);
  assert.equal((await all.next()).projectId, 'x');
});

test('publish returns 0 without clients and rejects invalid events with a TypeError', async (t) => {
  const server = await startServer(t);
  assert.equal(server.publish(taskStarted('p1')), 0);
  const client = await open(t, server.urlFor('p1'));

  const invalid: unknown[] = [
    { type: 'step_progress', timestamp: now(), projectId: 'p1', taskId: 't1' }, // no status
    { type: 'task_started', timestamp: now(), taskId: 't1' }, // no projectId
    { type: 'nonsense', timestamp: now(), projectId: 'p1' },
    { type: 'ping', timestamp: now(), projectId: 'p1' },
    { type: 'artifact', timestamp: now(), projectId: 'p1', taskId: 't1', artifact: { path: 1, type: 'file' } },
  ];
  for (const event of invalid) {
    assert.throws(() => server.publish(event as ProgressEvent), TypeError, JSON.stringify(event));
  }
  assert.throws(() => server.publish(invalid[0] as ProgressEvent), /step_progress: missing "status"/);
  assert.ok(await silentFor(client, 150), 'an invalid event reached the client');
});

test('publish resolves with the seq once the event is in the log; the sockets of this server have it by then; an invalid event rejects with a TypeError', async (t) => {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  t.after(() => server.close());
  const client = await open(t, server.urlFor('p1'));
  const publishing = server.publish(taskStarted('p1'));
  assert.ok(publishing instanceof Promise);
  assert.equal(await publishing, 1);
  assert.equal((await client.next()).seq, 1);
  assert.equal(await server.publish(taskStarted('other')), 2, 'numbered across projects');
  await assert.rejects(server.publish({ type: 'step_progress', timestamp: now(), projectId: 'p1', taskId: 't1' } as unknown as ProgressEvent), TypeError);
  assert.equal(server.log.position, 2, 'an invalid event takes no number');
});

test('a publisher without sockets appends to the log the servers fan out from; two servers on one journal deliver the same order', async (t) => {
  const log = new ProgressJournal();
  const a = await createProgressServer({ heartbeatInterval: 0, log });
  const b = await createProgressServer({ heartbeatInterval: 0, log });
  t.after(() => Promise.all([a.close(), b.close()]));
  const publisher = createProgressPublisher({ log });
  const onA = await open(t, a.urlFor());
  const onB = await open(t, b.urlFor('p1'));
  assert.equal(await publisher.publish(taskStarted('p1', 'x')), 1);
  assert.equal(await a.publish(taskStarted('p2', 'y')), 2);
  assert.equal(await b.publish(taskStarted('p1', 'z')), 3);
  assert.deepEqual([(await onA.next()).taskId, (await onA.next()).taskId, (await onA.next()).taskId], ['x', 'y', 'z']);
  assert.deepEqual([(await onB.next()).seq, (await onB.next()).seq], [1, 3]);
  await assert.rejects(publisher.publish({ type: 'nonsense' } as unknown as ProgressEvent), TypeError);
});

test('container events go out as sandbox_* to sockets that negotiated no extension (AInTandem SDK), as published to the others', async (t) => {
  const server = await startServer(t);
  const bare = await open(t, server.urlFor('p1'));
  const resuming = await open(t, server.urlFor('p1') + '?resume=1');
  assert.equal((await resuming.next()).type, 'session');
  const batching = await open(t, server.urlFor('p1') + '?batch=1');

  const published = { type: 'container_started', timestamp: now(), projectId: 'p1', containerId: 'c1' };
  assert.equal(server.publish(published as ProgressEvent), 3);
  assert.deepEqual(await bare.next(), { type: 'sandbox_started', timestamp: published.timestamp, projectId: 'p1', sandboxId: 'c1', seq: 1 });
  assert.deepEqual(await resuming.next(), { ...published, seq: 1 });
  assert.deepEqual(await batching.next(), { ...published, seq: 1 });
  assert.equal(published.type, 'container_started', "the caller's object is left as it was");

  // Published in the orchestrator's spelling: the bare socket gets it as is too.
  const sandbox = { type: 'sandbox_stopped', timestamp: now(), projectId: 'p1', sandboxId: 'c1', exitCode: 0 };
  server.publish(sandbox as unknown as ProgressEvent);
  assert.deepEqual(await bare.next(), { ...sandbox, seq: 2 });
  assert.deepEqual(await resuming.next(), { ...sandbox, seq: 2 });
  // The server's own state (snapshots) reads both spellings as the container's events.
  assert.equal(server.journal.snapshot({ kind: 'container', projectId: 'p1', containerId: 'c1' })?.status, 'stopped');
  // Other events are the same for everyone; one published with a seq of its own goes out with the server's.
  server.publish({ ...taskStarted('p1'), seq: 99 } as ProgressEvent);
  assert.equal((await bare.next()).seq, 3);
  assert.equal((await resuming.next()).seq, 3);
});

test('containerEvents chooses the spelling: one for every socket, or by what each negotiated', async (t) => {
  const sandbox = { type: 'sandbox_created', timestamp: now(), projectId: 'p1', sandboxId: 's1', image: 'node:20' };
  const everyone = await startServer(t, { containerEvents: 'container' });
  const bare = await open(t, everyone.urlFor('p1'));
  everyone.publish(sandbox as unknown as ProgressEvent);
  assert.deepEqual(await bare.next(), { type: 'container_created', timestamp: sandbox.timestamp, projectId: 'p1', image: 'node:20', containerId: 's1', seq: 1 });

  const terms: unknown[] = [];
  const chosen = await startServer(t, { containerEvents: (socket) => (terms.push(socket), socket.projectId === 'p1' ? 'sandbox' : 'container') });
  const p1 = await open(t, chosen.urlFor('p1') + '?resume=1&batch=1');
  const all = await open(t, chosen.urlFor());
  chosen.publish({ type: 'container_started', timestamp: now(), projectId: 'p1', containerId: 'c1' } as ProgressEvent);
  assert.equal((await p1.next((f) => f.type !== 'session')).type, 'sandbox_started');
  assert.equal((await all.next()).type, 'container_started');
  assert.deepEqual(terms, [{ resume: true, batch: true, projectId: 'p1' }, { resume: false, batch: false }]);
});

test('validate: false sends the event as is', async (t) => {
  const server = await startServer(t, { validate: false });
  const client = await open(t, server.urlFor('p1'));
  const event = { type: 'sandbox_started', timestamp: now(), projectId: 'p1', sandboxId: 's1', extra: [1] };
  assert.equal(server.publish(event as unknown as ProgressEvent), 1);
  assert.deepEqual(await client.next(), event);
});

test('authenticate: an accepted token connects, a rejected or throwing one is closed with 4401', async (t) => {
  const seen: (string | undefined)[] = [];
  const server = await startServer(t, {
    authenticate: async (token) => {
      seen.push(token);
      if (token === 'boom') throw new Error('auth backend down');
      return token === 'good';
    },
  });
  const connections: ProgressClientInfo[] = [];
  server.on('connection', (c) => connections.push(c));

  const good = await open(t, server.urlFor('p1') + '?token=good');
  assert.equal(server.clientCount, 1);
  assert.equal(server.clients()[0]!.path, '/progress/subscribe/p1', 'the path holds no token');
  assert.equal(server.publish(taskStarted('p1')), 1);
  assert.equal((await good.next()).type, 'task_started');

  for (const url of [server.urlFor('p1') + '?token=bad', server.urlFor('p1') + '?token=boom', server.urlFor()]) {
    const refused = await open(t, url);
    assert.deepEqual(await refused.closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized' });
  }
  assert.deepEqual(seen, ['good', 'bad', 'boom', undefined]);
  assert.equal(connections.length, 1, 'refused sockets are not clients');
  assert.equal(server.clientCount, 1);
  assert.equal(CLOSE_UNAUTHORIZED, 4401);
});

test('a synchronous authenticate works too', async (t) => {
  const server = await startServer(t, { authenticate: (token) => token === 'x' });
  await open(t, server.urlFor() + '?token=x');
  const refused = await open(t, server.urlFor());
  assert.equal((await refused.closed).code, 4401);
});

test('a JSON ping is answered with a JSON pong; server ping() reaches every client', async (t) => {
  const server = await startServer(t);
  const messages: unknown[] = [];
  server.on('message', (_client, message) => messages.push(message));
  const a = await open(t, server.urlFor('p1'));
  const b = await open(t, server.urlFor());

  a.send(JSON.stringify({ type: 'ping', timestamp: now() }));
  const pong = await a.next();
  assert.equal(pong.type, 'pong');
  assert.ok(!Number.isNaN(Date.parse(pong.timestamp)));
  assert.equal((messages[0] as { type: string }).type, 'ping');

  assert.equal(server.ping(), 2);
  for (const client of [a, b]) {
    const ping = await client.next();
    assert.equal(ping.type, 'ping');
    assert.ok(!Number.isNaN(Date.parse(ping.timestamp)));
  }
});

test('malformed client frames are dropped with a reason and the connection keeps working', async (t) => {
  const server = await startServer(t);
  const rejected: string[] = [];
  const messages: unknown[] = [];
  server.on('rejected', (_client, reason) => rejected.push(reason));
  server.on('message', (_client, message) => messages.push(message));
  const client = await open(t, server.urlFor('p1'));

  client.send('not json {');
  client.send('[1,2]');
  client.send('"text"');
  client.send('{"x":1}');
  client.send('{"type":5}');
  client.send(new Uint8Array([123, 125]));
  client.send(JSON.stringify({ type: 'subscribe', taskId: 't1' }));
  client.send(JSON.stringify({ type: 'ping' }));
  assert.equal((await client.next()).type, 'pong');

  assert.deepEqual(rejected, ['not_json', 'not_object', 'not_object', 'missing_type', 'missing_type', 'binary']);
  assert.deepEqual(messages, [{ type: 'subscribe', taskId: 't1' }, { type: 'ping' }]);
  assert.equal(server.clientCount, 1);
  assert.equal(server.publish(taskStarted('p1')), 1);
  assert.equal((await client.next()).type, 'task_started');
});

test('an oversized client frame closes that socket with 1009 and nothing else', async (t) => {
  const server = await startServer(t, { maxPayload: 1024 });
  const bystander = await open(t, server.urlFor('p1'));
  const big = await open(t, server.urlFor('p1'));
  big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(4096) }));
  assert.equal((await big.closed).code, 1009);

  const later = await open(t, server.urlFor('p1'));
  assert.equal(server.clientCount, 2);
  assert.equal(server.publish(taskStarted('p1')), 2);
  assert.equal((await later.next()).type, 'task_started');
  assert.equal((await bystander.next()).type, 'task_started');
});

test('unknown paths get 404; plain HTTP gets 404 except GET /health', async (t) => {
  const server = await startServer(t);
  for (const path of ['/nope', '/progress/subscribe/', '/progress/subscribe/a/b', '/ws/extra']) {
    const error = await connectError(server.url + path);
    assert.match(error.message, /404/, path);
  }
  const base = server.url.replace('ws:', 'http:');
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  // A socket URL answers a GET that is no upgrade with a stream, or 406 when it does not accept one.
  const other = await fetch(`${base}/ws`);
  assert.equal(other.status, 406);
  await other.text();
  const elsewhere = await fetch(`${base}/nope`);
  assert.equal(elsewhere.status, 404);
  await elsewhere.text();
  assert.equal(server.clientCount, 0);
});

test('the heartbeat terminates a client that stops answering and keeps a healthy one', async (t) => {
  const clock = new ManualClock();
  const server = await startServer(t, { heartbeatInterval: 100, clock });
  const healthy = await open(t, server.urlFor('p1'));
  const silent = await open(t, server.urlFor('p1'));
  const silentId = server.clients()[1]!.id;
  const gone: ProgressClientInfo[] = [];
  server.on('disconnection', (info) => gone.push(info));
  silent.ws.pause();

  /** One interval on, as the healthy client lives it. */
  const beat = () => beatOnce(clock, healthy, 100);

  await beat();
  assert.equal(clock.nextIn, 100, 'the next heartbeat is one interval away');
  assert.equal(gone.length, 0, 'not terminated before one interval without an answer');
  assert.equal(server.clientCount, 2);

  const terminated = once<[ProgressClientInfo]>(server, 'disconnection');
  await beat();
  const [info] = await terminated;
  assert.equal(info.id, silentId, 'terminated at the first heartbeat after a ping it did not answer');
  silent.ws.resume();
  assert.equal((await silent.closed).code, 1006, 'cut, without a close frame');

  for (let i = 0; i < 3; i++) await beat();
  assert.equal(server.clientCount, 1, 'the healthy client was kept');
  assert.deepEqual(gone.map((c) => c.id), [silentId]);
  assert.equal(server.publish(taskStarted('p1')), 1);
  assert.equal((await healthy.next((f) => f.type === 'task_started')).type, 'task_started');
});

test('dropConnections: clean with 1012 by default, with a given code, or abrupt', async (t) => {
  const server = await startServer(t);
  const a = await open(t, server.urlFor('p1'));
  const b = await open(t, server.urlFor());
  assert.equal(server.dropConnections(), 2);
  assert.deepEqual(await a.closed, { code: 1012, reason: 'server restarting' });
  assert.deepEqual(await b.closed, { code: 1012, reason: 'server restarting' });

  const c = await open(t, server.urlFor('p1'));
  assert.equal(server.dropConnections({ code: 4000, reason: 'bye' }), 1);
  assert.deepEqual(await c.closed, { code: 4000, reason: 'bye' });

  const d = await open(t, server.urlFor('p1'));
  assert.equal(server.dropConnections({ abrupt: true }), 1);
  assert.equal((await d.closed).code, 1006, 'no close frame was sent');

  await until(() => server.clientCount === 0, 'the server to count the dropped clients out');
  assert.equal(server.dropConnections(), 0);
});

test('stall(true) makes the server silent and deaf; stall(false) restores it and sends what it held, in order', async (t) => {
  const server = await startServer(t, { heartbeatInterval: 100 });
  const messages: unknown[] = [];
  server.on('message', (_client, message) => messages.push(message));
  const client = await open(t, server.urlFor('p1'));
  let protocolPongs = 0;
  client.ws.on('pong', () => protocolPongs++);

  server.stall(true);
  assert.equal(server.publish(taskStarted('p1')), 1, 'held for the client');
  assert.equal(server.ping(), 0);
  assert.equal(server.sendRaw('{"type":"x"}'), 1, 'held for the client');
  client.send(JSON.stringify({ type: 'ping' }));
  client.ws.ping();
  assert.ok(await silentFor(client, 500), 'a stalled server sent something');
  assert.equal(protocolPongs, 0, 'a stalled server answered a protocol ping');
  assert.deepEqual(messages, []);
  assert.equal(server.clientCount, 1, 'a stalled server terminated a client');

  server.stall(false);
  assert.equal((await client.next()).type, 'task_started', 'the held event first');
  assert.equal((await client.next()).type, 'x', 'then the held raw frame');
  client.send(JSON.stringify({ type: 'ping' }));
  assert.equal((await client.next((f) => f.type === 'pong')).type, 'pong');
  client.ws.ping();
  await until(() => protocolPongs >= 1, 'a protocol pong from the restored server');
  assert.equal(server.publish(taskStarted('p1')), 1);
  assert.equal((await client.next((f) => f.type === 'task_started')).type, 'task_started');
  assert.equal(server.clientCount, 1);
});

test('sendRaw sends any frame as is, to the clients a filter picks', async (t) => {
  const server = await startServer(t);
  const p1 = await open(t, server.urlFor('p1'));
  const p2 = await open(t, server.urlFor('p2'));
  assert.equal(server.sendRaw('not json', (c) => c.projectId === 'p1'), 1);
  assert.equal(await p1.next(), 'not json');
  const binary = new Promise<Buffer>((resolve) => p2.ws.once('message', (data) => resolve(data as Buffer)));
  assert.equal(server.sendRaw(new Uint8Array([1, 2, 3]), (c) => c.projectId === 'p2'), 1);
  assert.deepEqual([...(await binary)], [1, 2, 3]);
  assert.equal(server.sendRaw('{}'), 2);
});

test('attaches to an existing HTTP server and leaves it open on close()', async (t) => {
  const http = createHttpServer((_request, response) => response.end('hello'));
  // Another upgrade handler on the same server keeps the paths that are not ours.
  http.on('upgrade', (request, socket) => {
    if (request.url === '/other') socket.end('HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n');
  });
  t.after(() => new Promise<void>((resolve) => http.close(() => resolve())));

  const starting = createProgressServer({ server: http, heartbeatInterval: 0 });
  http.listen(0, '127.0.0.1');
  const server = await starting;
  t.after(() => server.close());
  assert.equal(server.port, (http.address() as { port: number }).port);

  const client = await open(t, `${server.url}/api/progress/subscribe/p1`);
  assert.equal(await server.publish(taskStarted('p1')), 1);
  assert.equal((await client.next()).projectId, 'p1');
  assert.match((await connectError(`${server.url}/other`)).message, /418/);

  const base = server.url.replace('ws:', 'http:');
  assert.equal(await (await fetch(`${base}/`)).text(), 'hello');

  await server.close();
  assert.equal((await client.closed).code, 1001);
  assert.ok(http.listening, 'the HTTP server was left open');
  assert.equal(await (await fetch(`${base}/`)).text(), 'hello');
  assert.equal(http.listenerCount('upgrade'), 1, 'the upgrade listener was removed');
});

test('close() closes clients with 1001, frees the port and leaves no timer behind', async (t) => {
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const server = await createProgressServer({ heartbeatInterval: 50 });
  const port = server.port;
  const disconnections: string[] = [];
  server.on('disconnection', (c) => disconnections.push(c.id));
  const a = await connect(server.urlFor('p1'));
  const b = await connect(server.urlFor());
  // This one will not answer the close frame: close() must cut it after its grace period.
  const stuck = await connect(server.urlFor('p2'));
  t.after(() => {
    for (const c of [a, b, stuck]) c.terminate();
  });
  stuck.ws.pause();
  assert.equal(server.clientCount, 3);

  const closing = server.close();
  assert.equal(server.close(), closing, 'close() is idempotent');
  await closing;
  assert.equal(server.clientCount, 0);
  assert.equal(disconnections.length, 3);
  assert.deepEqual(await a.closed, { code: 1001, reason: 'server closing' });
  assert.deepEqual(await b.closed, { code: 1001, reason: 'server closing' });
  stuck.terminate();
  await stuck.closed;

  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await until(() => timers() <= before, `no timers left behind (${before} before)`, 2000).catch(() => {
    assert.fail(`timers left behind: ${timers()} after, ${before} before`);
  });
  assert.equal(await server.publish(taskStarted('p1')), 1, 'the log outlives the server');
  assert.match((await connectError(server.urlFor('p1'))).message, /ECONNREFUSED/);
});

test('auth=message: frames sent while an async authenticate runs are handled, in order, once it accepts', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  const server = await startServer(t, {
    authenticate: async (token) => {
      asked = true;
      await held;
      return token === 'good';
    },
  });
  const messages: unknown[] = [];
  server.on('message', (_client, message) => messages.push(message));
  const client = await open(t, server.urlFor('p1') + '?auth=message&resume=1');
  client.send(JSON.stringify({ type: 'auth', token: 'good' }));
  client.send(JSON.stringify({ type: 'subscribe', taskId: 't1' }));
  client.send('not json');
  client.send(JSON.stringify({ type: 'ping' }));
  client.send(JSON.stringify({ type: 'unsubscribe', taskId: 't1' }));
  // The token is checked once the server has read the auth frame; the frames after it went out
  // with it, and the check answers only when the test lets it.
  await until(() => asked && client.ws.bufferedAmount === 0, 'the token being checked with every frame sent');
  release();

  assert.equal((await client.next()).type, 'session', 'the session frame comes first');
  assert.equal((await client.next()).type, 'pong', 'the early ping is answered');
  assert.deepEqual(messages, [{ type: 'subscribe', taskId: 't1' }, { type: 'ping' }, { type: 'unsubscribe', taskId: 't1' }]);
  assert.equal(server.publish(taskStarted('p1')), 1);
  assert.equal((await client.next()).type, 'task_started');
});

test('auth=message: frames sent before a refused token are not handled', async (t) => {
  const server = await startServer(t, { authenticate: async (token) => token === 'good' });
  const messages: unknown[] = [];
  server.on('message', (_client, message) => messages.push(message));
  const client = await open(t, server.urlFor('p1') + '?auth=message');
  client.send(JSON.stringify({ type: 'auth', token: 'bad' }));
  client.send(JSON.stringify({ type: 'ping' }));
  assert.deepEqual(await client.closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized' });
  assert.deepEqual(messages, []);
  assert.ok(!client.frames.some((f: any) => f?.type === 'pong'));
});

test('auth=message: a client that floods while its token is checked is closed with 1008', { timeout: 10000 }, async (t) => {
  let release!: () => void;
  const checked = new Promise<void>((resolve) => (release = resolve));
  const server = await startServer(t, {
    authenticate: async (token) => {
      await checked;
      return token === 'good';
    },
  });
  const connections: ProgressClientInfo[] = [];
  server.on('connection', (c) => connections.push(c));
  const flooder = await open(t, server.urlFor('p1') + '?auth=message');
  flooder.send(JSON.stringify({ type: 'auth', token: 'good' }));
  for (let i = 0; i < 1000; i++) flooder.send(JSON.stringify({ type: 'ping', i }));
  assert.equal((await flooder.closed).code, 1008);
  release();

  const polite = await open(t, server.urlFor('p1') + '?auth=message');
  polite.send(JSON.stringify({ type: 'auth', token: 'good' }));
  for (let i = 0; i < 10; i++) polite.send(JSON.stringify({ type: 'ping', i }));
  for (let i = 0; i < 10; i++) assert.equal((await polite.next()).type, 'pong');
  assert.equal(connections.length, 1, 'the flooder never became a client');
});
