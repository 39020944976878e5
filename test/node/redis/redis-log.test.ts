/**
 * The Redis log in this process, against a real redis-server: numbers are the stream's entry
 * ids, the epoch lives in Redis, errors are clear when Redis is away, and the epoch changes when
 * the stream goes back behind what was read (never reusing a number).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressPublisher, createProgressServer, LogUnavailableError } from '../../../src/server/index.js';
import { createRedisLog, type RedisLogOptions } from '../../../src/server/redis.js';
import { freePort } from '../helpers/free-port.js';
import { startRedis } from '../helpers/redis-server.js';
import { startedProcesses } from '../helpers/processes.js';
import { startForwarder } from '../helpers/tcp-forwarder.js';
import { task, waitFor } from '../helpers/fixtures.js';
import type { TestContext } from 'node:test';
import type { TaskState } from '../../../src/protocol/state/task-state.js';

/** Log lines, kept instead of printed. */
function logger(): { lines: string[]; warn(m: string): void; info(m: string): void } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m), info: (m) => lines.push(m) };
}

async function openLog(t: TestContext, options: RedisLogOptions) {
  const log = await createRedisLog(options);
  t.after(() => log.close());
  return log;
}

test('sequence numbers are the stream ids 0-N; the epoch is in Redis, shared by every log on the prefix', async (t) => {
  const redis = await startRedis(t);
  const a = await openLog(t, { url: redis.url, prefix: 'a:' });
  const b = await openLog(t, { url: redis.url, prefix: 'a:' });
  const other = await openLog(t, { url: redis.url, prefix: 'other:' });
  assert.equal(a.epoch, b.epoch);
  assert.notEqual(other.epoch, a.epoch, 'another prefix, another log');
  assert.equal(await redis.command('HGET', 'a:meta', 'epoch'), a.epoch);

  const publisher = createProgressPublisher({ log: a });
  assert.deepEqual([await publisher.publish(task.started('p', 't')), await createProgressPublisher({ log: b }).publish(task.started('p', 'u'))], [1, 2]);
  const ids = ((await redis.command('XRANGE', 'a:stream', '-', '+')) as [string, string[]][]).map(([id]) => id);
  assert.deepEqual(ids, ['0-1', '0-2']);
  await assert.rejects(publisher.publish({ type: 'task_started' } as never), TypeError);
});

test('a reader of quiet projects resumes after the stream was trimmed past its position; one whose projects had entries in what was trimmed does not', async (t) => {
  const redis = await startRedis(t);
  const log = await openLog(t, { url: redis.url, retention: 50 });
  t.after(log.tail({ entry: () => {}, lost: () => {} }));
  const publisher = createProgressPublisher({ log });
  const p1 = await publisher.publish(task.started('p1', 'quiet'));
  // One after the other, so that the tail keeps up (a burst past the retention would leave it behind).
  for (let i = 0; i < 600; i++) await publisher.publish(task.step('p2', 'busy', `s${i}`, 'running'));
  const last = await publisher.publish(task.step('p2', 'busy', 'last', 'running'));
  await waitFor(() => log.position === last, 'the tail to read everything');
  const first = ((await redis.command('XRANGE', 'progress:stream', '-', '+', 'COUNT', '1')) as [string][])[0]![0];
  assert.ok(Number(first.split('-')[1]) > p1 + 1, `trimmed past p1's entry (first kept ${first})`);

  const read = (after: number, scope: { projectId?: string; projects?: (p: string) => boolean }) =>
    log.read({ epoch: log.epoch, after, through: log.position, maxBytes: 1 << 20, ...scope });
  assert.deepEqual(await read(p1, { projects: (p) => p === 'p1' }), { resumed: true, entries: [] }, 'a p1 socket on /ws');
  assert.deepEqual(await read(p1, { projectId: 'p1' }), { resumed: true, entries: [] }, 'a p1 socket on its own URL');
  assert.deepEqual(await read(p1 - 1, { projectId: 'p1' }), { resumed: false, reason: 'gap' }, 'its own entry was trimmed');
  assert.deepEqual(await read(p1, { projects: (p) => p !== 'p3' }), { resumed: false, reason: 'gap' }, 'p2 entries were trimmed');
  assert.deepEqual(await read(p1, {}), { resumed: false, reason: 'gap' }, 'every project');

  // A server started after the trimming did not see what was trimmed: it claims nothing of it.
  const late = await openLog(t, { url: redis.url, retention: 50 });
  t.after(late.tail({ entry: () => {}, lost: () => {} }));
  await waitFor(() => late.position === last, 'the late tail');
  const fromLate = await late.read({ epoch: late.epoch, after: p1, through: late.position, maxBytes: 1 << 20, projectId: 'p1' });
  assert.deepEqual(fromLate, { resumed: false, reason: 'gap' });
});

test('createRedisLog fails clearly when Redis cannot be reached, and never prints the password', async () => {
  const port = await freePort();
  await assert.rejects(createRedisLog({ url: `redis://:s3cret@127.0.0.1:${port}`, connectTimeout: 1000 }), (error: Error) => {
    assert.match(error.message, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
});

test('Redis away: publish rejects with LogUnavailableError, the sockets stay open, one log line each way; back with its data, the same epoch', async (t) => {
  const redis = await startRedis(t, { aof: true, password: 'pa55word' });
  const lines = logger();
  const log = await openLog(t, { url: redis.url, logger: lines, commandTimeout: 1000 });
  const server = await createProgressServer({ log, heartbeatInterval: 0 });
  t.after(() => server.close());
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(server.urlFor('p') + '?resume=1');
  const frames: any[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  t.after(() => ws.terminate());
  await waitFor(() => frames.length === 1, 'the session frame');
  assert.equal(await server.publish(task.started('p', 't')), 1);
  await waitFor(() => frames.length === 2, 'the event');
  const epoch = log.epoch;

  await redis.kill();
  await waitFor(() => lines.lines.some((l) => /unavailable/.test(l)), 'the outage reported');
  const refused = await server.publish(task.started('p', 'u')).then(
    () => undefined,
    (error: Error) => error,
  );
  assert.ok(refused instanceof LogUnavailableError, String(refused));
  assert.match(refused.message, /^progress log: cannot publish: Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
  assert.equal(ws.readyState, WebSocket.OPEN, 'the socket stays open');
  assert.equal(server.clientCount, 1);

  await redis.start();
  await waitFor(() => lines.lines.some((l) => /is back \(epoch/.test(l)), 'the recovery reported', 10000);
  assert.equal(await server.publish(task.started('p', 'v')), 2);
  await waitFor(() => frames.length === 3, 'the event after the outage');
  assert.equal(log.epoch, epoch, 'the data survived: the same epoch');
  assert.deepEqual(frames.slice(1).map((f) => f.taskId), ['t', 'v']);
  assert.equal(lines.lines.filter((l) => /unavailable/.test(l)).length, 1, 'one line per outage');
  for (const line of lines.lines) assert.doesNotMatch(line, /pa55word/);
});

test('the stream gone back behind what was read: a new epoch after the highest number read, never a number used twice', async (t) => {
  const redis = await startRedis(t);
  const lines = logger();
  const log = await openLog(t, { url: redis.url, logger: lines });
  const lost: string[] = [];
  const seen: number[] = [];
  log.tail({ entry: (e) => seen.push(e.seq), lost: (epoch) => lost.push(epoch) });
  const publisher = createProgressPublisher({ log });
  for (let i = 0; i < 20; i++) await publisher.publish(task.started('p', `t${i}`));
  await waitFor(() => log.position === 20, 'the tail at 20');
  const before = log.epoch;

  // A failover to a replica that had only the first five entries.
  await redis.command('DEL', 'progress:stream');
  for (let i = 0; i < 5; i++) await redis.command('XADD', 'progress:stream', '0-*', 'p', 'p', 'e', JSON.stringify(task.started('p', `r${i}`)), 'x', before);
  await waitFor(() => log.epoch !== before, 'a new epoch', 10000);
  assert.deepEqual(lost, [log.epoch]);
  assert.equal(await publisher.publish(task.started('p', 'after')), 21, 'numbering goes on after the highest number read');
  await waitFor(() => seen.at(-1) === 21, 'the new entry delivered');
  assert.ok(lines.lines.some((l) => l.includes(`epoch ${before} -> ${log.epoch}`)));
});

test('a server that fell behind the retention reloads the states another server wrote, and its sockets reconnect', async (t) => {
  const redis = await startRedis(t);
  const proxy = await startForwarder(t, [redis.port]);
  const a = await openLog(t, { url: redis.url, retention: 50, checkpointInterval: 50 });
  const lines = logger();
  const b = await openLog(t, { url: `redis://127.0.0.1:${proxy.port}`, retention: 50, checkpointInterval: 50, commandTimeout: 10000, logger: lines });
  a.tail({ entry: () => {}, lost: () => {} });
  const lost: string[] = [];
  b.tail({ entry: () => {}, lost: (epoch) => lost.push(epoch) });
  const publisher = createProgressPublisher({ log: a });
  await publisher.publish(task.started('p', 'early'));
  await waitFor(() => b.position === 1, 'B at 1');

  proxy.pause();
  // One after the other: A's own tail keeps up (a burst past the retention would leave A behind too).
  for (let i = 0; i < 500; i++) await publisher.publish(task.step('p', 'busy', `s${i}`, 'completed', i % 100));
  await publisher.publish(task.completed('p', 'early'));
  await waitFor(() => a.position === 502, 'A read everything');
  proxy.resume();
  await waitFor(() => lines.lines.some((l) => /states reloaded from Redis/.test(l)), 'B reloaded its states', 10000);
  assert.ok(lines.lines.some((l) => /left the stream before this server read them/.test(l)));
  assert.deepEqual(lost, [a.epoch], "B's sockets were told");
  for (const query of [{ kind: 'task', projectId: 'p', taskId: 'early' }, { kind: 'task', projectId: 'p', taskId: 'busy' }] as const) {
    assert.deepEqual(await b.states.snapshot(query), await a.states.snapshot(query), `${query.taskId}: the same on both`);
  }
  assert.equal(((await b.states.snapshot({ kind: 'task', projectId: 'p', taskId: 'busy' })) as TaskState | undefined)?.steps.length, 500);
});

test('close() ends the tail, the checkpoint timer and both connections, and writes the states once more', async (t) => {
  const redis = await startRedis(t);
  const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind || (kind === 'TCP' && r.startsWith('TCP'))).length;
  const before = { tcp: count('TCP'), timers: count('Timeout') };
  const log = await createRedisLog({ url: redis.url, checkpointInterval: 60000 });
  const server = await createProgressServer({ log, heartbeatInterval: 0 });
  await server.publish(task.started('p', 't'));
  await waitFor(() => log.position === 1, 'the tail at 1');
  assert.ok(count('TCP') >= before.tcp + 2, 'two connections while open');
  await server.close();
  await log.close();
  await waitFor(() => count('TCP') <= before.tcp && count('Timeout') <= before.timers, 'nothing left', 3000);
  assert.equal(await redis.command('HGET', 'progress:meta', 'statesAt'), '1', 'the states written on close');
  assert.ok(await redis.command('HGET', 'progress:states', 't\u0000p\u0000t'));
});

test('every redis-server these tests started is stopped', () => {
  const { count, running } = startedProcesses();
  assert.ok(count >= 4, `${count} started`);
  assert.deepEqual(running, []);
});
