/**
 * Three `progress-server` processes on one Redis behind Debian's nginx, configured as the README's
 * "Deploying" section says (docs/deploy/nginx.conf: round robin, no stickiness), with a few hundred
 * of the kit's own clients: while events are published over HTTP through nginx, one instance is
 * killed with `kill -9`, another is drained with SIGTERM and started again on the same port. Every
 * client ends with every event of its project exactly once, in the log's order, and the drained
 * instance's clients came back spread over its drain window.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { ProgressClient, type ProgressEvent, type ResyncReason } from '../../src/client/index.js';
import { startCliInstance, type CliInstance } from './helpers/cli-instances.js';
import { task, waitFor } from './helpers/fixtures.js';
import { DEPLOY_CONFIG, deploymentConfig, startNginx, UPSTREAM_HEADER, type TestNginx } from './helpers/nginx.js';
import { startRedis, type TestRedis } from './helpers/redis-server.js';

const PROJECTS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
const CLIENTS = 300;
/** ms between two rounds of publishing (one event per project each): the load, not a wait. */
const PUBLISH_PACE_MS = 40;
/** The instances' publisher key (`--publish-key`). */
const PUBLISH_KEY = 'load-balancer-test-publisher-key';
/** ms over which a drained instance closes its sockets (`--drain-window`). */
const DRAIN_WINDOW_MS = 5000;
const BUCKET_MS = 100;

interface Follower {
  projectId: string;
  client: ProgressClient;
  /** The number of every event delivered (its `output`), in order. */
  got: number[];
  /** The seq of every event delivered, in order. */
  seqs: number[];
  /** Every socket it opened through nginx: when, and the backend (`127.0.0.1:port`) that took it. */
  opened: { at: number; upstream: string }[];
  /** Every close of its socket: when, and the code. */
  closed: { at: number; code: number }[];
  reasons: ResyncReason[];
  ready: Promise<void>;
}

/** The backend a follower's socket is on now (the last one it opened). */
const upstreamOf = (f: Follower): string | undefined => f.opened.at(-1)?.upstream;
const backend = (instance: CliInstance): string => `127.0.0.1:${instance.port}`;
const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

/** A client of one project through nginx, whose sockets note the backend nginx chose for them. */
function follow(t: TestContext, nginx: TestNginx, projectId: string): Follower {
  const opened: Follower['opened'] = [];
  class NotingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      // After a backend that failed, nginx lists every one it tried: the last one took the socket.
      this.once('upgrade', (response: IncomingMessage) => opened.push({ at: Date.now(), upstream: String(response.headers[UPSTREAM_HEADER]).split(', ').at(-1)! }));
    }
  }
  const client = new ProgressClient({
    url: `${nginx.url}/progress/subscribe/{projectId}`,
    WebSocket: NotingWebSocket,
    reconnectDelay: 100,
    maxReconnectDelay: 1000,
    lingerTime: 0,
  });
  t.after(() => client.close());
  const follower: Follower = { projectId, client, got: [], seqs: [], opened, closed: [], reasons: [], ready: Promise.resolve() };
  client.onResync((reason) => follower.reasons.push(reason));
  client.onConnectionState((event) => {
    if (event.type === 'disconnected') follower.closed.push({ at: Date.now(), code: event.code });
  });
  const subscription = client.subscribeToProgress({
    projectId,
    onEvent: (event: ProgressEvent) => {
      follower.got.push(Number((event as { output?: string }).output));
      follower.seqs.push(event.seq!);
    },
  });
  follower.ready = subscription.ready;
  return follower;
}

/**
 * Reconnects (ms after the stop) spread over the drain window: no 100 ms bucket holds more than
 * three times its even share, plus a little slack for the clients' own jitter.
 */
function assertSpread(times: readonly number[], window: number): void {
  const buckets = new Map<number, number>();
  for (const time of times) buckets.set(Math.floor(time / BUCKET_MS), (buckets.get(Math.floor(time / BUCKET_MS)) ?? 0) + 1);
  const most = Math.max(...buckets.values());
  const bound = Math.ceil((3 * times.length * BUCKET_MS) / window) + 3;
  assert.ok(most <= bound, `${times.length} reconnects over ${window} ms: ${most} in one ${BUCKET_MS} ms bucket (at most ${bound}); by bucket: ${JSON.stringify([...buckets].sort((a, b) => a[0] - b[0]))}`);
}

/**
 * Publishes one round (an event per project, as one request) through nginx, as a backend does;
 * a request that fails (its instance killed under it) is sent again, so an event may be in the
 * log twice, one after the other. Resolves with the requests that failed.
 */
async function publishRound(nginx: TestNginx, round: number): Promise<number> {
  const body = JSON.stringify(PROJECTS.map((p) => task.output(p, 'run', String(round))));
  for (let failed = 0; failed < 20; failed++) {
    try {
      const response = await fetch(`http://127.0.0.1:${nginx.port}/progress/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PUBLISH_KEY}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { seqs?: number[] };
      if (response.status === 200 && answer.seqs?.length === PROJECTS.length) return failed;
    } catch {
      // Cut under way: sent again.
    }
  }
  throw new Error(`round ${round} could not be published`);
}

/** The log in Redis, per project: the seq and the number of each event, in the log's order. */
async function logOf(redis: TestRedis): Promise<Map<string, { seq: number; n: number }[]>> {
  const entries = (await redis.command('XRANGE', 'progress:stream', '-', '+')) as [string, string[]][];
  const byProject = new Map<string, { seq: number; n: number }[]>(PROJECTS.map((p) => [p, []]));
  for (const [id, fields] of entries) {
    const text = fields[fields.indexOf('e') + 1];
    if (!fields.includes('e') || text === undefined) continue; // a marker, not an event
    const event = JSON.parse(text) as { projectId: string; output: string };
    byProject.get(event.projectId)!.push({ seq: Number(id.split('-')[1]), n: Number(event.output) });
  }
  return byProject;
}

/** Whether a follower is connected again on a socket it opened after `since`. */
const backSince = (f: Follower, since: number): boolean => f.client.isConnected() && (f.opened.at(-1)?.at ?? 0) > since;

test('behind nginx, three servers on one Redis: one killed, one drained and restarted while events are published over HTTP; every client gets every event of its project once, in order, and the drained clients come back spread out', async (t) => {
  const redis = await startRedis(t);
  const args = ['--redis', redis.url, '--no-auth', '--publish-key', PUBLISH_KEY, '--drain-window', String(DRAIN_WINDOW_MS)];
  const servers = await Promise.all([1, 2, 3].map(() => startCliInstance(t, args)));
  const [killed, restarted, kept] = servers as [CliInstance, CliInstance, CliInstance];
  const nginx = await startNginx(t, servers.map((s) => s.port));

  const followers = range(CLIENTS).map((i) => follow(t, nginx, PROJECTS[i % PROJECTS.length]!));
  await Promise.all(followers.map((f) => f.ready));
  const on = (instance: CliInstance) => followers.filter((f) => upstreamOf(f) === backend(instance));
  for (const instance of servers) assert.ok(on(instance).length >= CLIENTS / 6, `round robin: ${on(instance).length} clients on ${backend(instance)}`);

  // A backend publishing over HTTP through nginx, one event per project per round, each numbered.
  let published = 0;
  let failedRequests = 0;
  let publishing = true;
  const publishLoop = (async () => {
    while (publishing) {
      failedRequests += await publishRound(nginx, published++);
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_PACE_MS));
    }
  })();
  // A failure is seen where the loop is awaited; this keeps it from being reported as unhandled before that.
  publishLoop.catch(() => {});
  t.after(() => {
    publishing = false;
    return publishLoop.catch(() => {});
  });
  const rounds = () => published;
  const live = (n: number, what: string) => waitFor(() => followers.every((f) => f.got.length >= n), what, 20000);
  await live(10, 'every client receiving');

  // kill -9: its clients are cut (no close frame) and come back through nginx on the others.
  const onKilled = on(killed);
  let since = Date.now();
  await killed.kill();
  await waitFor(() => onKilled.every((f) => backSince(f, since)), 'the clients of the killed instance back', 15000);
  assert.ok(onKilled.every((f) => upstreamOf(f) !== backend(killed)));
  const afterKill = rounds();
  await live(afterKill + 5, 'every client receiving after the kill');

  // SIGTERM: the instance drains, closing its sockets (1012) over the window, and exits; its
  // clients come back through nginx on the one left, a few at a time.
  const onStopped = on(restarted);
  since = Date.now();
  assert.equal(await restarted.terminate(), 0, `exit code of a stop by SIGTERM:\n${restarted.output()}`);
  await waitFor(() => onStopped.every((f) => backSince(f, since)), 'the clients of the drained instance back', 20000);
  assert.ok(onStopped.every((f) => upstreamOf(f) === backend(kept)));
  assert.ok(onStopped.every((f) => f.closed.at(-1)?.code === 1012), 'closed with 1012');
  assertSpread(onStopped.map((f) => f.opened.find((o) => o.at > since)!.at - since), DRAIN_WINDOW_MS);

  // Started again on the same port: nginx sends new sockets to it once more.
  await restarted.start();
  // New clients, one at a time, until nginx sends one there (it skips a backend for a few seconds
  // after it failed); the others are closed.
  let fromLate: Follower | undefined;
  for (const end = Date.now() + 20000; !fromLate; ) {
    const candidate = follow(t, nginx, PROJECTS[0]!);
    await waitFor(() => candidate.opened.length > 0, 'the new client connected');
    if (upstreamOf(candidate) === backend(restarted)) fromLate = candidate;
    else candidate.client.close();
    if (Date.now() > end) throw new Error('no new client reached the restarted instance');
    // Polling: one new client every 100 ms at most.
    if (!fromLate) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await fromLate!.ready;
  const lateStart = rounds();
  await live(lateStart + 5, 'every client receiving after the restart');

  // Publishing stops; every client catches up with its project: the log's events, once each, in its order.
  publishing = false;
  await publishLoop;
  const log = await logOf(redis);
  for (const [p, entries] of log) {
    const numbers = entries.map((e) => e.n).filter((n, i, all) => i === 0 || n !== all[i - 1]);
    assert.deepEqual(numbers, range(published), `${p}: every round is in the log (a round sent again follows itself)`);
  }
  assert.ok(
    [...log.values()].every((entries) => entries.length <= published + failedRequests),
    'an event is in the log more than once only when its request failed',
  );
  const expected = (f: Follower) => log.get(f.projectId)!.map((e) => e.seq);
  // On a timeout, the assertion below says which clients miss what.
  await waitFor(() => followers.every((f) => f.seqs.length >= expected(f).length), 'every client has every event of its project', 20000).catch(() => {});
  const wrong = followers.filter((f) => f.seqs.length !== expected(f).length || f.seqs.some((seq, i) => seq !== expected(f)[i]));
  assert.deepEqual(
    wrong.map((f) => ({ project: f.projectId, events: f.seqs.length, of: expected(f).length, firstWrong: f.seqs.findIndex((seq, i) => seq !== expected(f)[i]) })),
    [],
    'every client: every event of its project exactly once, in the log\'s order',
  );
  const resyncs = followers.filter((f) => f.reasons.some((r) => r !== 'resumed'));
  assert.equal(resyncs.length, 0, 'nothing was missed: every reconnect resumed');
  assert.ok(onKilled.every((f) => f.reasons.length >= 1) && onStopped.every((f) => f.reasons.length >= 1));
  // The client that reached the restarted instance got what was published from then on.
  const first = fromLate!.got[0]!;
  assert.ok(first <= lateStart);
  const alpha = log.get(fromLate!.projectId)!.map((e) => e.seq);
  assert.deepEqual(fromLate!.seqs, alpha.slice(alpha.indexOf(fromLate!.seqs[0]!)));
});

test('the README\'s "Deploying" section shows docs/deploy/nginx.conf as it is, and the test replaces only its addresses', async () => {
  const config = await readFile(DEPLOY_CONFIG, 'utf8');
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Deploying\n'), readme.indexOf('\n## The reference server\n'));
  assert.ok(section.includes(`\`\`\`nginx\n${config}\`\`\`\n`), 'README.md "Deploying" holds docs/deploy/nginx.conf verbatim');
  const rendered = deploymentConfig(config, [4001, 4002], 5000).split('\n');
  const changed = config.split('\n').filter((line) => !rendered.includes(line));
  assert.deepEqual(changed.map((line) => line.trim().split(/\s+/)[0]), ['server', 'server', 'server', 'listen']);
  assert.ok(rendered.includes('    server 127.0.0.1:4002 max_fails=1 fail_timeout=5s;'));
  assert.ok(rendered.includes('    listen 127.0.0.1:5000;'));
});
