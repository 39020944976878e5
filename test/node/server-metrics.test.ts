/**
 * The metrics entry (`createServerMetrics`, prom-client) as a server's observer: what a scrape of
 * `GET /metrics` says after real sockets, sessions, publishing, refusals, shedding and draining;
 * its key; its own port; a Redis log's lag and failures; and an observer that throws breaking nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { createServerMetrics, type ServerMetrics } from '../../src/server/metrics.js';
import { createProgressPublisher, createProgressServer, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import { createRedisLog } from '../../src/server/redis.js';
import { task, waitFor } from './helpers/fixtures.js';
import { connect, connectError, delay, open, type RawClient } from './helpers/raw-client.js';
import { startRedis } from './helpers/redis-server.js';

const KEY = 'scrape-key';
const PUBLISH = 'publish-key';

async function start(t: TestContext, metrics: ServerMetrics, options: ProgressServerOptions = {}): Promise<ProgressServer & { http: string }> {
  const server = await createProgressServer({ heartbeatInterval: 0, observe: metrics, publishKey: PUBLISH, ...options });
  t.after(() => server.close());
  return Object.assign(server, { http: `http://127.0.0.1:${server.port}` });
}

async function scrape(base: string, key: string | null = KEY): Promise<string> {
  const response = await fetch(`${base}/metrics`, key === null ? {} : { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample (`name` or `name{labels}`, as written), or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a scrape counts sockets by kind, sessions by outcome, replays, events published and delivered, appends and refusals', async (t) => {
  const metrics = createServerMetrics({ key: KEY });
  const server = await start(t, metrics, { authenticate: (token) => token !== 'bad' });
  const all = await open(t, `${server.urlFor()}?token=ok&resume=1`);
  const session = await all.next();
  const project = await open(t, `${server.urlFor('p')}?token=ok`);
  await waitFor(() => server.clientCount === 2, 'both registered');

  const published = await fetch(`${server.http}/progress/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PUBLISH}` },
    body: JSON.stringify([task.started('p', 't1'), task.started('q', 't2')]),
  });
  assert.equal(published.status, 200);
  await published.text();
  await server.publish(task.started('p', 't3'));
  await all.next();
  await all.next();
  await all.next();
  await project.next();
  await project.next();
  // A socket resuming from the first session's position: it missed three events.
  const resumed = await open(t, `${server.urlFor()}?token=ok&resume=1&epoch=${session.epoch}&since=0`);
  await resumed.next();
  const refused = await connect(`${server.urlFor()}?token=bad`);
  assert.equal((await refused.closed).code, 4401);

  const text = await scrape(server.http);
  assert.equal(sample(text, 'progress_sockets_open{kind="all"}'), 2);
  assert.equal(sample(text, 'progress_sockets_open{kind="project"}'), 1);
  assert.equal(sample(text, 'progress_events_published_total'), 3);
  // t1 and t3 to both sockets of p, t2 to the all-projects one only.
  assert.equal(sample(text, 'progress_frames_delivered_total'), 5);
  assert.equal(sample(text, 'progress_sessions_total{outcome="resync",reason="none"}'), 1);
  assert.equal(sample(text, 'progress_sessions_total{outcome="resumed",reason=""}'), 1);
  assert.equal(sample(text, 'progress_replay_events_count'), 1);
  assert.equal(sample(text, 'progress_replay_events_sum'), 3);
  assert.equal(sample(text, 'progress_log_append_seconds_count'), 3);
  assert.equal(sample(text, 'progress_refusals_total{code="4401"}'), 1);
  assert.equal(sample(text, 'progress_draining'), 0);

  project.terminate();
  await waitFor(() => server.clientCount === 2, 'the project socket gone');
  const after = await scrape(server.http);
  assert.equal(sample(after, 'progress_sockets_open{kind="project"}'), 0);
  assert.equal(sample(after, 'progress_sockets_closed_total{kind="project",code="1006"}'), 1);
});

test('a socket shed for not reading is counted, and what waits in outboxes shows on a scrape while it piles up', async (t) => {
  const metrics = createServerMetrics();
  const server = await start(t, metrics, { maxBufferedBytes: 256 * 1024 });
  const slow: RawClient = await open(t, server.urlFor('p'));
  await waitFor(() => server.clientCount === 1, 'registered');
  slow.ws.pause();
  const text = 'x'.repeat(4000);
  let waiting = 0;
  for (let round = 0; round < 500 && sample(await metrics.text(), 'progress_sockets_shed_total') === 0; round++) {
    for (let i = 0; i < 16; i++) await server.publish(task.output('p', 't', text));
    waiting = Math.max(waiting, sample(await scrape(server.http, null), 'progress_outbox_bytes') ?? 0);
    await delay(1);
  }
  assert.equal(sample(await metrics.text(), 'progress_sockets_shed_total'), 1);
  assert.ok(waiting > 0, 'bytes were seen waiting');
});

test('without the key, or with a wrong one, /metrics answers 401; other methods 405', async (t) => {
  const metrics = createServerMetrics({ key: KEY });
  const server = await start(t, metrics);
  const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${KEY}` }];
  for (const headers of attempts) {
    const response = await fetch(`${server.http}/metrics`, { headers });
    assert.equal(response.status, 401);
    await response.text();
  }
  const post = await fetch(`${server.http}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(post.status, 405);
  await post.text();
});

test('on a port of its own, /metrics is served there only; one metrics object counts several servers; a closed server is forgotten', async (t) => {
  const metrics = createServerMetrics();
  const own = await metrics.listen();
  t.after(() => own.close());
  const a = await start(t, metrics);
  const b = await start(t, metrics);
  await open(t, a.urlFor());
  await open(t, b.urlFor());
  await waitFor(() => a.clientCount === 1 && b.clientCount === 1, 'both registered');
  const onServer = await fetch(`${a.http}/metrics`);
  assert.equal(onServer.status, 404);
  await onServer.text();
  const base = `http://127.0.0.1:${own.port}`;
  assert.equal(sample(await scrape(base, null), 'progress_sockets_open{kind="all"}'), 2);
  await b.drain({ window: 0 });
  const drainingB = await scrape(base, null);
  assert.equal(sample(drainingB, 'progress_draining'), 1);
  assert.equal(sample(drainingB, 'progress_sockets_open{kind="all"}'), 1);
  // Closed, b (draining for ever) is no longer read.
  await b.close();
  assert.equal(sample(await scrape(base, null), 'progress_draining'), 0);
  void a.drain({ window: 0 });
  assert.equal(sample(await scrape(base, null), 'progress_draining'), 1);
});

test('an observer that throws from every method breaks neither sockets, publishing nor the probes', async (t) => {
  const boom = () => {
    throw new Error('observer failure');
  };
  const observer = { socketOpened: boom, socketClosed: boom, sessionStarted: boom, eventsPublished: boom, framesDelivered: boom, refused: boom, logAppendSeconds: boom, attach: boom, handleRequest: boom };
  const server = await createProgressServer({ heartbeatInterval: 0, observe: observer as never });
  t.after(() => server.close());
  const client = await open(t, `${server.urlFor()}?resume=1`);
  await client.next();
  assert.equal(await server.publish(task.started('p', 't')), 1);
  assert.equal((await client.next()).taskId, 't');
  const refused = await connectError(`${server.url}/nowhere`);
  assert.match(refused.message, /404/);
  const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
  assert.equal(ready.status, 200);
  await ready.text();
  const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(metrics.status, 404);
  await metrics.text();
});

test("with a Redis log: the tail's lag is what the stream holds past what was delivered, and failed appends are counted", async (t) => {
  const redis = await startRedis(t);
  const quiet = { warn() {}, info() {} };
  const log = await createRedisLog({ url: redis.url, logger: quiet, commandTimeout: 500 });
  t.after(() => log.close());
  // Another server's log appends three events; this log has not read them yet (its tail has not started).
  const other = await createRedisLog({ url: redis.url, logger: quiet });
  t.after(() => other.close());
  const publisher = createProgressPublisher({ log: other });
  for (const id of ['a', 'b', 'c']) await publisher.publish(task.started('p', id));
  assert.equal(await log.lag(), 3);

  const metrics = createServerMetrics();
  const server = await start(t, metrics, { log });
  await waitFor(() => log.position === 3, 'the tail caught up');
  assert.equal(sample(await metrics.text(), 'progress_log_tail_lag'), 0);
  await redis.kill();
  await assert.rejects(server.publish(task.started('p', 'd')));
  const text = await metrics.text();
  assert.equal(sample(text, 'progress_log_errors_total'), 1);
  assert.equal(sample(text, 'progress_log_tail_lag'), 0, 'left as it was while Redis is away');
});

test('prom-client stays optional: the server entry (probes, publishing, draining) never loads it; the metrics entry does', async () => {
  const run = (code: string) =>
    new Promise<{ ok: boolean; output: string }>((resolve) => {
      const args = ['--import', fileURLToPath(new URL('./helpers/no-prom-client.mjs', import.meta.url)), '--import', 'tsx', '--input-type=module', '-e', code];
      execFile(process.execPath, args, { timeout: 30000 }, (error, stdout, stderr) => resolve({ ok: !error, output: stdout + stderr }));
    });
  const server = fileURLToPath(new URL('../../src/server/index.ts', import.meta.url));
  const metrics = fileURLToPath(new URL('../../src/server/metrics.ts', import.meta.url));
  const core = await run(`
    const { createProgressServer } = await import(${JSON.stringify(server)});
    const server = await createProgressServer({ publishKey: 'k', heartbeatInterval: 0 });
    const base = 'http://127.0.0.1:' + server.port;
    const ready = await fetch(base + '/readyz');
    const posted = await fetch(base + '/progress/events', { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify({ type: 'task_started', projectId: 'p', taskId: 't', timestamp: new Date().toISOString() }) });
    await server.drain({ window: 0 });
    await server.close();
    console.log(ready.status, posted.status);
  `);
  assert.ok(core.ok, core.output);
  assert.equal(core.output.trim(), '200 200');
  const entry = await run(`await import(${JSON.stringify(metrics)});`);
  assert.equal(entry.ok, false);
  assert.match(entry.output, /prom-client was loaded/);
});
