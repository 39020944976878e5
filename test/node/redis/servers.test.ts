/**
 * Several reference servers on one Redis, each in a child process, behind a plain TCP load
 * balancer (no stickiness), with the project's own client: a client resumes on any server, every
 * event once and in order, through cuts, a killed server, Redis restarts, trimming, a server cut
 * off from Redis, and a reconnect storm.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  httpOriginOf,
  ProgressClient,
  referenceSnapshotLoader,
  type ProgressClientConfig,
  type ProgressEvent,
  type ResyncReason,
  type TaskState,
} from '../../../src/client/index.js';
import { NodeWebSocket, task, waitFor, workflow } from '../helpers/fixtures.js';
import { startedProcesses } from '../helpers/processes.js';
import { startInstance, type Instance, type InstanceOptions } from '../helpers/redis-instances.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startForwarder } from '../helpers/tcp-forwarder.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Steps s{from}..s{to} of one task. */
const steps = (projectId: string, taskId: string, from: number, to: number): ProgressEvent[] =>
  range(from, to).map((i) => task.step(projectId, taskId, `s${i}`, 'completed', i % 101));

interface Follower {
  client: ProgressClient;
  /** The seq of every event delivered, in order. */
  seqs: number[];
  reasons: ResyncReason[];
  ready: Promise<void>;
}

/** A ProgressClient following every event of the socket at `url`. */
function follow(t: TestContext, url: string, config: Partial<ProgressClientConfig> = {}): Follower {
  const client = new ProgressClient({ url, WebSocket: NodeWebSocket, reconnectDelay: 50, maxReconnectDelay: 500, lingerTime: 0, ...config });
  t.after(() => client.close());
  const seqs: number[] = [];
  const reasons: ResyncReason[] = [];
  client.onResync((reason) => reasons.push(reason));
  const subscription = client.subscribeToProgress({ onEvent: (event) => seqs.push(event.seq!) });
  return { client, seqs, reasons, ready: subscription.ready };
}

async function instances(t: TestContext, redis: TestRedis, count: number, options: InstanceOptions = {}): Promise<Instance[]> {
  return Promise.all(Array.from({ length: count }, () => startInstance(t, redis.url, options)));
}

/** The numbers in the stream, oldest first. */
async function streamSeqs(redis: TestRedis): Promise<number[]> {
  const entries = (await redis.command('XRANGE', 'progress:stream', '-', '+')) as [string, string[]][];
  return entries.map(([id]) => Number(id.split('-')[1]));
}

const published = (results: (number | { error: string })[]): number[] =>
  results.map((r) => {
    if (typeof r !== 'number') throw new Error(r.error);
    return r;
  });

test('three servers in child processes on one Redis: what two of them publish reaches the clients of all three, once each, in one order', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 3);
  const followers = servers.map((server) => follow(t, `${server.url}/ws`));
  await Promise.all(followers.map((f) => f.ready));

  // Two publishers at once, on different servers: their events interleave in the stream.
  const [a, b] = await Promise.all([servers[0]!.publish(steps('p1', 't', 0, 199)), servers[1]!.publish(steps('p2', 't', 0, 199))]);
  assert.deepEqual([...published(a!), ...published(b!)].sort((x, y) => x - y), range(1, 400), 'every event got its own number');
  await waitFor(() => followers.every((f) => f.seqs.length >= 400), 'every client has every event', 15000);
  const order = await streamSeqs(redis);
  for (const [i, f] of followers.entries()) {
    assert.deepEqual(f.seqs, order, `server ${i}: the stream's order`);
    assert.equal(f.client.getStats().duplicatesDropped, 0, `server ${i} sent nothing twice`);
  }
  const p1 = followers.map((f) => f.client.getTaskState('p1', 't')!.steps.map((s) => s.name));
  assert.deepEqual(p1[1], p1[0]);
  assert.deepEqual(p1[2], p1[0]);
  assert.equal(p1[0]!.length, 200);
});

test('a client cut mid-stream comes back through the load balancer on other servers and resumes: every event once, in order', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 3);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const follower = follow(t, `${balancer.url}/ws`, { reconnectDelay: 30 });
  await follower.ready;

  let resyncs = 0;
  for (let chunk = 0; chunk < 10; chunk++) {
    // Cut after chunks 1, 4 and 7; the next chunk is published while the client is away.
    published(await servers[2]!.publish(steps('p', 't', chunk * 30, chunk * 30 + 29)));
    if (chunk % 3 === 2) await waitFor(() => follower.reasons.length > resyncs, 'the client back');
    if (chunk % 3 === 1) {
      resyncs = follower.reasons.length;
      balancer.cut();
    }
  }
  await waitFor(() => follower.seqs.length >= 300, 'all 300 events', 15000);
  assert.deepEqual(follower.seqs, range(1, 300));
  assert.deepEqual(follower.reasons, ['resumed', 'resumed', 'resumed']);
  assert.equal(new Set(balancer.accepted.map((a) => a.backend)).size, 3, 'it was served by all three servers');
  assert.equal(follower.client.getStats().duplicatesDropped, 0);
});

test('kill -9 of a server while it publishes: its clients resume on the others, and every event in the stream reaches every client once, in order', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 3);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const followers = range(1, 6).map(() => follow(t, `${balancer.url}/ws`, { reconnectDelay: 100 }));
  await Promise.all(followers.map((f) => f.ready));
  const onVictim = followers.filter((_, i) => balancer.accepted[i]!.backend === servers[0]!.port);
  assert.equal(onVictim.length, 2);

  // Both publish in a loop; the first one dies in the middle of it.
  const acknowledged: number[] = [];
  let n = 0;
  const loop = async (server: Instance, rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      const results = await server.publish(steps('p', `t${n++}`, 0, 19)).catch(() => []);
      for (const r of results) if (typeof r === 'number') acknowledged.push(r);
    }
  };
  const victim = loop(servers[0]!, 1000);
  const survivor = loop(servers[1]!, 20);
  await waitFor(() => acknowledged.length >= 200, 'publishing under way', 15000);
  balancer.backends = balancer.backends.filter((port) => port !== servers[0]!.port);
  await servers[0]!.kill();
  await Promise.all([victim, survivor]);

  const stream = await streamSeqs(redis);
  for (const seq of acknowledged) assert.ok(stream.includes(seq), `acknowledged ${seq} is in the stream`);
  await waitFor(() => followers.every((f) => f.seqs.length >= stream.length), 'every client caught up', 15000);
  for (const f of followers) assert.deepEqual(f.seqs, stream);
  for (const f of onVictim) assert.deepEqual(f.reasons, ['resumed'], 'resumed on another server');
});

test('Redis away: publishing fails clearly and sockets stay open; back without its data: a new epoch, clients resync, nothing twice', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 2);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const origin = httpOriginOf(balancer.url);
  const follower = follow(t, `${balancer.url}/ws`, { snapshotLoader: referenceSnapshotLoader(origin) });
  let state: TaskState | undefined;
  follower.client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => (state = s) });
  await follower.ready;
  published(await servers[0]!.publish(steps('p', 't', 0, 29)));
  await waitFor(() => follower.seqs.length === 30, 'thirty events');
  const before = await servers[0]!.stats();

  await redis.kill();
  const [refused] = await servers[0]!.publish(steps('p', 't', 30, 30));
  assert.match((refused as { error: string }).error, /^LogUnavailableError: progress log: cannot publish: Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
  await waitFor(() => /progress log: Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/.test(servers[0]!.output()), 'the log line');
  const open = (await servers[0]!.stats()).clients + (await servers[1]!.stats()).clients;
  assert.equal(open, 1, 'the socket stays open');
  assert.equal(follower.client.isConnected(), true);

  await redis.start(); // empty: no AOF
  await waitFor(() => follower.reasons.includes('epoch'), 'the resync for the new epoch', 15000);
  const after = await servers[1]!.stats();
  assert.notEqual(after.epoch, before.epoch);
  assert.deepEqual(published(await servers[1]!.publish(steps('p', 't', 31, 40))), range(1, 10), 'numbers start again, in a new epoch');
  await waitFor(() => follower.seqs.length === 40 && state?.steps.length === 40, 'the events of the new epoch', 10000);
  assert.deepEqual(follower.seqs, [...range(1, 30), ...range(1, 10)]);
  assert.equal(follower.client.getStats().duplicatesDropped, 0);
  assert.deepEqual(follower.reasons, ['epoch']);
  // The servers kept the state (without numbers of the old epoch): the resync found the first thirty steps.
  assert.deepEqual(state!.steps.map((s) => s.name).slice(0, 3), ['s0', 's1', 's2']);
});

test('Redis restarted with its AOF: the same epoch, and a client away meanwhile resumes', async (t) => {
  const redis = await startRedis(t, { aof: true });
  const servers = await instances(t, redis, 2);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const follower = follow(t, `${balancer.url}/ws`);
  await follower.ready;
  published(await servers[0]!.publish(steps('p', 't', 0, 19)));
  await waitFor(() => follower.seqs.length === 20, 'twenty events');
  const { epoch } = await servers[0]!.stats();

  balancer.offline();
  await redis.kill();
  await redis.start();
  for (const end = Date.now() + 10000; ; ) {
    const results = await servers[1]!.publish(steps('p', 't', 20, 29));
    if (results.every((r) => typeof r === 'number')) break;
    if (Date.now() > end) throw new Error(`publishing failed: ${JSON.stringify(results)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  balancer.online();
  await waitFor(() => follower.seqs.length >= 30, 'the ten published while it was away', 10000);
  assert.deepEqual(follower.seqs, range(1, 30));
  assert.deepEqual(follower.reasons, ['resumed']);
  assert.equal((await servers[0]!.stats()).epoch, epoch);
  assert.equal((await servers[1]!.stats()).epoch, epoch);
});

test('the stream trimmed behind a client that is away: it resyncs (gap) from snapshots', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 2);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const follower = follow(t, `${balancer.url}/ws`, { snapshotLoader: referenceSnapshotLoader(httpOriginOf(balancer.url)) });
  let state: TaskState | undefined;
  follower.client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => (state = s) });
  await follower.ready;
  published(await servers[0]!.publish(steps('p', 't', 0, 9)));
  await waitFor(() => follower.seqs.length === 10, 'ten events');

  balancer.offline();
  published(await servers[1]!.publish(steps('p', 't', 10, 49)));
  assert.equal(await redis.command('XTRIM', 'progress:stream', 'MAXLEN', '=', 5), 45);
  balancer.online();
  await waitFor(() => follower.reasons.length > 0 && state?.steps.length === 50, 'the resync', 10000);
  assert.deepEqual(follower.reasons, ['gap']);
  published(await servers[0]!.publish(steps('p', 't', 50, 50)));
  await waitFor(() => follower.seqs.at(-1) === 51, 'live again');
  assert.deepEqual(follower.seqs, [...range(1, 10), 51], 'nothing of the gap was delivered as if it were complete');
});

test('away past retention: a resync; and a server started after the events answers snapshots and REST reads as the others do', async (t) => {
  const redis = await startRedis(t);
  // Small, but not so small that a server's own tail falls behind it during the bursts below.
  const options = { retention: 300, checkpointInterval: 100 };
  const servers = await instances(t, redis, 2, options);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const follower = follow(t, `${balancer.url}/ws`, { snapshotLoader: referenceSnapshotLoader(httpOriginOf(balancer.url)) });
  let old: TaskState | undefined;
  follower.client.subscribeToTask({ projectId: 'p', taskId: 'old', onState: (s) => (old = s) });
  await follower.ready;
  published(await servers[0]!.publish([task.started('p', 'old'), ...steps('p', 'old', 0, 2)]));
  await waitFor(() => follower.seqs.length === 4, 'the first events');

  balancer.offline();
  published(await servers[0]!.publish([task.completed('p', 'old'), workflow('workflow_execution_started', 'p', 'wf', 'e1', { totalPhases: 2 })]));
  for (let i = 0; i < 10; i++) published(await servers[1]!.publish(steps('p', 'busy', i * 100, i * 100 + 99)));
  const stream = await streamSeqs(redis);
  assert.ok(stream[0]! > 500, `the stream was trimmed (it starts at ${stream[0]})`);
  balancer.online();
  await waitFor(() => follower.reasons.length > 0 && old?.status === 'completed', 'the resync', 10000);
  assert.deepEqual(follower.reasons, ['gap']);

  // The states are kept beside the stream: a server that starts now knows "old", whose events are gone.
  for (const end = Date.now() + 10000; Number(await redis.command('HGET', 'progress:meta', 'statesAt')) < 1006; ) {
    if (Date.now() > end) throw new Error('the states were not written');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const late = await startInstance(t, redis.url, options);
  const reads = [
    '/progress/snapshot?kind=task&projectId=p&taskId=old',
    '/progress/snapshot?kind=task&projectId=p&taskId=busy',
    '/progress/snapshot?kind=workflow&workflowId=wf',
    '/api/projects/p/tasks/old',
    '/api/workflows/executions/e1',
  ];
  for (const path of reads) {
    const answers = await Promise.all([...servers, late].map(async (s) => {
      const response = await fetch(s.origin + path);
      return `${response.status} ${await response.text()}`;
    }));
    assert.match(answers[0]!, /^200 /, path);
    assert.equal(answers[1], answers[0], `${path}: the same on every server`);
    assert.equal(answers[2], answers[0], `${path}: the same on the server started later`);
  }
});

test('a server cut off from Redis (a stuck network) never claims a position it cannot replay, and catches up', async (t) => {
  const redis = await startRedis(t);
  const proxy = await startForwarder(t, [redis.port]);
  const [a] = await instances(t, redis, 1);
  const b = await startInstance(t, `redis://127.0.0.1:${proxy.port}`, { commandTimeout: 800 });
  const toA = () => startForwarder(t, [a!.port]);
  const [lbX, lbZ, lbF] = await Promise.all([toA(), toA(), startForwarder(t, [b.port])]);
  const x = follow(t, `${lbX.url}/ws`);
  const z = follow(t, `${lbZ.url}/ws`, { reconnectDelay: 100 });
  const y = follow(t, `${b.url}/ws`);
  await Promise.all([x.ready, z.ready, y.ready]);
  published(await a!.publish(steps('p', 't', 1, 10)));
  await waitFor(() => [x, y, z].every((f) => f.seqs.length === 10), 'ten everywhere');
  lbZ.offline();
  published(await a!.publish(steps('p', 't', 11, 20)));
  await waitFor(() => x.seqs.length === 20 && y.seqs.length === 20, 'twenty on X and Y');

  proxy.pause();
  published(await a!.publish(steps('p', 't', 21, 50)));
  await waitFor(() => x.seqs.length === 50, 'fifty on X');
  assert.equal(y.seqs.length, 20, 'B is behind');
  // X (at 50) moves to B, which has delivered 20; Z (at 10) too; F is new.
  lbX.backends = [b.port];
  lbX.cut();
  lbZ.backends = [b.port];
  lbZ.online();
  const f = follow(t, `${lbF.url}/ws`);
  await f.ready;
  // B cannot read what Z missed: Z is told to come back later (1013), again and again.
  await waitFor(() => lbZ.accepted.length >= 3, 'Z refused by B', 10000);
  assert.equal(z.seqs.length, 10);
  assert.deepEqual(z.reasons, []);

  proxy.resume();
  await waitFor(() => y.seqs.length === 50 && z.seqs.length === 50, 'B caught up', 15000);
  published(await a!.publish(steps('p', 't', 51, 55)));
  await waitFor(() => [x, y, z].every((c) => c.seqs.length === 55) && f.seqs.length === 35, 'live everywhere', 10000);
  for (const c of [x, y, z]) {
    assert.deepEqual(c.seqs, range(1, 55));
    assert.equal(c.client.getStats().duplicatesDropped, 0, 'nothing sent twice');
  }
  // F's session said 20 (what B had delivered), not the log's 50: it got 21 to 50 when B caught up.
  assert.deepEqual(f.seqs, range(21, 55));
  assert.deepEqual(x.reasons, ['resumed']);
  assert.ok(z.reasons.every((r) => r === 'resumed') && z.reasons.length >= 1, `Z: ${z.reasons}`);
});

test('a reconnect storm when a server dies is spread by the clients\' jitter', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 3);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const followers = range(1, 45).map(() => follow(t, `${balancer.url}/ws`, { reconnectDelay: 1000, maxReconnectDelay: 1000 }));
  await Promise.all(followers.map((f) => f.ready));
  const victims = followers.filter((_, i) => balancer.accepted[i]!.backend === servers[0]!.port);
  assert.equal(victims.length, 15);
  // One event everywhere first: every client has its session (and a position) before the kill.
  published(await servers[1]!.publish(steps('p', 't', 0, 0)));
  await waitFor(() => followers.every((f) => f.seqs.length === 1), 'every client in session');

  const killedAt = Date.now();
  await servers[0]!.kill();
  await waitFor(() => balancer.accepted.length === 60, 'the fifteen back', 10000);
  const delays = balancer.accepted.slice(45).map((a) => a.at - killedAt);
  assert.ok(balancer.accepted.slice(45).every((a) => a.backend !== servers[0]!.port), 'none back on the dead server');
  const spread = Math.max(...delays) - Math.min(...delays);
  assert.ok(spread >= 300, `reconnections within ${spread} ms: not spread`);
  const buckets = new Map<number, number>();
  for (const d of delays) buckets.set(Math.floor(d / 100), (buckets.get(Math.floor(d / 100)) ?? 0) + 1);
  assert.ok(Math.max(...buckets.values()) <= 8, `too many at once: ${JSON.stringify([...buckets])}`);

  published(await servers[1]!.publish(steps('p', 't', 1, 4)));
  await waitFor(() => followers.every((f) => f.seqs.length === 5), 'every client live');
  for (const f of victims) assert.deepEqual(f.reasons, ['resumed']);
});

test('every redis-server and server process these tests started is stopped', () => {
  const { count, running } = startedProcesses();
  assert.ok(count >= 20, `${count} started`);
  assert.deepEqual(running, []);
});
