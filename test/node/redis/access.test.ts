/**
 * Who may see what, with several servers on one Redis (each in a child process, behind a plain
 * TCP load balancer): the same rules as on one server while the client moves between them.
 * Tokens carry their grant (test/node/helpers/grant-tokens.ts), so every server reads them alike.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ProgressClientConfig, ProgressEvent } from '../../../src/client/index.js';
import { followAllProjects, task, waitFor } from '../helpers/fixtures.js';
import { grantToken } from '../helpers/grant-tokens.js';
import { startedProcesses } from '../helpers/processes.js';
import { open, type RawClient } from '../helpers/raw-client.js';
import { startInstance, type Instance, type InstanceOptions } from '../helpers/redis-instances.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startForwarder } from '../helpers/tcp-forwarder.js';

async function instances(t: TestContext, redis: TestRedis, count: number, options: InstanceOptions = {}): Promise<Instance[]> {
  return Promise.all(Array.from({ length: count }, () => startInstance(t, redis.url, { grantTokens: true, ...options })));
}

/** Events of p2, p1 and p3 in turn; resolves with the numbers of p1's. */
async function publishMixed(server: Instance, rounds: number, tag: string): Promise<number[]> {
  const events: ProgressEvent[] = [];
  for (let i = 0; i < rounds; i++) for (const p of ['p2', 'p1', 'p3']) events.push(task.step(p, 't', `${tag}${i}`, 'running'));
  const results = await server.publish(events);
  return results.flatMap((r, i) => {
    if (typeof r !== 'number') throw new Error(r.error);
    return events[i]!.projectId === 'p1' ? [r] : [];
  });
}

const follow = (t: TestContext, config: Partial<ProgressClientConfig> & { url: string }) => followAllProjects(t, { reconnectDelay: 30, maxReconnectDelay: 200, ...config });

const eventsOf = (client: RawClient) => client.frames.flatMap((f) => (Array.isArray(f) ? f : [f])).filter((f: any) => f && typeof f === 'object' && 'projectId' in f);

test('a p1 token moving between three servers gets every p1 event once, in order, and no other; each server tells it p1\'s position', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 3);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const token = grantToken({ projects: ['p1'] });
  const follower = follow(t, { url: `${balancer.url}/ws`, token });
  await follower.ready;

  const p1: number[] = [];
  for (let chunk = 0; chunk < 6; chunk++) {
    p1.push(...(await publishMixed(servers[chunk % 2]!, 10, `c${chunk}`)));
    if (chunk === 1 || chunk === 3) {
      const before = follower.reasons.length;
      balancer.cut();
      p1.push(...(await publishMixed(servers[2]!, 5, `away${chunk}`)));
      await waitFor(() => follower.reasons.length > before, 'back', 10000);
    }
  }
  await waitFor(() => follower.events.length >= p1.length, 'every p1 event', 15000);
  assert.deepEqual(follower.events.map((e) => e.seq), p1);
  assert.ok(follower.events.every((e) => e.projectId === 'p1'));
  assert.deepEqual(follower.reasons, ['resumed', 'resumed']);
  assert.equal(follower.client.getStats().duplicatesDropped, 0);
  assert.ok(new Set(balancer.accepted.map((a) => a.backend)).size >= 2, 'it moved between servers');

  // A new socket on each server: its session frame says where p1 stands, not the log (which is further, at p3's last event).
  const head = (await servers[0]!.stats()).position;
  assert.ok(head > p1.at(-1)!);
  for (const server of servers) {
    const raw = await open(t, `${server.url}/ws?resume=1&token=${token}`);
    const session = await raw.next();
    assert.deepEqual([session.seq, session.resumed], [p1.at(-1), false], `server ${server.port}`);
  }
});

test('on every server: a per-project URL of another project gets 4403, reads of it 403, reads of its own 200', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 2);
  await servers[0]!.publish([task.started('p1', 'a'), task.started('p2', 'b')]);
  const token = grantToken({ projects: ['p1'] });
  for (const server of servers) {
    const refused = await open(t, `${server.url}/progress/subscribe/p2?token=${token}`);
    assert.deepEqual(await refused.closed, { code: 4403, reason: 'project not allowed' });
    const byMessage = await open(t, `${server.url}/progress/subscribe/p2?auth=message`);
    byMessage.send(JSON.stringify({ type: 'auth', token }));
    assert.equal((await byMessage.closed).code, 4403);
    const read = async (path: string) => (await fetch(server.origin + path, { headers: { authorization: `Bearer ${token}` } })).status;
    assert.equal(await read('/api/projects/p2/tasks/b'), 403);
    assert.equal(await read('/progress/snapshot?kind=task&projectId=p2&taskId=b'), 403);
    assert.equal(await read('/api/projects/p1/tasks/a'), 200);
  }
});

test('a grant that expires mid-stream: the client reconnects through the load balancer with a new token, to another server, and resumes once', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 2);
  const balancer = await startForwarder(t, servers.map((s) => s.port));
  const issued: string[] = [];
  const getToken = () => {
    const token = grantToken(issued.length === 0 ? { projects: ['p1'], expiresAt: Date.now() + 600 } : { projects: ['p1'] });
    issued.push(token);
    return token;
  };
  const follower = follow(t, { url: `${balancer.url}/ws`, getToken, tokenTransport: 'message' });
  await follower.ready;
  const p1: number[] = [];
  let round = 0;
  while (follower.reasons.length === 0) {
    p1.push(...(await publishMixed(servers[round % 2]!, 2, `r${round++}`)));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let i = 0; i < 5; i++) p1.push(...(await publishMixed(servers[i % 2]!, 2, `after${i}`)));
  await waitFor(() => follower.events.length >= p1.length, 'every p1 event', 10000);
  assert.deepEqual(follower.events.map((e) => e.seq), p1);
  assert.deepEqual(follower.reasons, ['resumed']);
  assert.deepEqual(follower.connection.flatMap((e) => (e.type === 'disconnected' ? [[e.code, e.reason]] : [])), [[4401, 'token expired']]);
  assert.equal(follower.client.getStats().duplicatesDropped, 0);
  assert.equal(issued.length, 2);
  assert.notEqual(balancer.accepted[0]!.backend, balancer.accepted[1]!.backend, 'the new connection went to the other server');
});

test('revoke on the server that holds the socket closes it at once; limits count per server', async (t) => {
  const redis = await startRedis(t);
  const servers = await instances(t, redis, 2, { limits: { maxConnectionsPerToken: 1 } });
  const token = grantToken();
  const held = await open(t, `${servers[0]!.url}/ws?token=${token}`);
  const other = await open(t, `${servers[1]!.url}/ws?token=${token}`);
  const second = await open(t, `${servers[0]!.url}/ws?token=${token}`);
  assert.deepEqual(await second.closed, { code: 4429, reason: 'too many connections for this token' });
  assert.match(servers[0]!.output(), /refused a connection from 127\.0\.0\.1 to \/ws: too many connections for this token \(limit 1\)/);
  assert.ok(!servers[0]!.output().includes(token), 'the log line holds no token');

  assert.equal(await servers[0]!.revoke(token), 1);
  assert.deepEqual(await held.closed, { code: 4401, reason: 'token revoked' });
  await servers[1]!.publish([task.started('p1', 'x')]);
  await waitFor(() => eventsOf(other).length === 1, 'the other server\'s socket goes on');
});

test('a server started while the stream is busy tells a p1 socket p1\'s position at once', async (t) => {
  const redis = await startRedis(t);
  const [first] = await instances(t, redis, 1, { checkpointInterval: 100 });
  const [p1] = (await first!.publish([task.started('p1', 'a')])) as number[];
  await first!.publish(Array.from({ length: 3000 }, (_, i) => task.step('p2', 'b', `s${i}`, 'running')));
  const late = await startInstance(t, redis.url, { grantTokens: true });
  const raw = await open(t, `${late.url}/ws?resume=1&token=${grantToken({ projects: ['p1'] })}`);
  const session = await raw.next();
  assert.deepEqual([session.seq, session.resumed], [p1, false]);
});

test('every redis-server and server process these tests started is stopped', () => {
  const { count, running } = startedProcesses();
  assert.ok(count >= 10, `${count} started`);
  assert.deepEqual(running, []);
});
