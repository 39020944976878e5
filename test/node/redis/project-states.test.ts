/**
 * On a Redis log too, the latest execution of a workflow is kept per project: on the server that
 * read the events, and on one that starts later and loads the states from Redis.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createProgressPublisher, createProgressServer, type ProgressServer } from '../../../src/server/index.js';
import { createRedisLog } from '../../../src/server/redis.js';
import { waitFor } from '../helpers/fixtures.js';
import { authenticateGrantToken } from '../helpers/grant-tokens.js';
import { startedProcesses } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis-server.js';
import { assertDeployReads, created, readDeploy, tokens } from '../helpers/workflow-reads.js';
import { grantToken } from '../helpers/grant-tokens.js';
import { task } from '../helpers/fixtures.js';
import { resumeAnswers } from '../helpers/scoped-resume.js';

/** Positions around p1's events (1 to 3) and around the head of the busy log (43). */
const SCOPED_SINCES = [0, 1, 3, 4, 20, 43, 44];

async function serverOnRedis(t: TestContext, url: string): Promise<ProgressServer> {
  const log = await createRedisLog({ url, checkpointInterval: 50, logger: { warn: () => {}, info: () => {} } });
  const server = await createProgressServer({ log, heartbeatInterval: 0, authenticate: authenticateGrantToken });
  t.after(async () => {
    await server.close();
    await log.close();
  });
  return server;
}

test("another project's run of a workflow of the same id changes no read of this project's (Redis; a server that loads the states too)", async (t) => {
  const redis = await startRedis(t);
  const first = await serverOnRedis(t, redis.url);
  const origin = `http://127.0.0.1:${first.port}`;
  await first.publish(created('p1', 'e1'));
  assert.equal(await readDeploy(origin, tokens.p1, 'p1'), 'e1');
  await first.publish(created('p2', 'e2'));
  assert.equal(await readDeploy(origin, tokens.p1, 'p1'), 'e1', "p2's run leaves p1's read as it was");
  assert.equal(await readDeploy(origin, tokens.p1), 'e1', 'without a project: within the projects the token may see');
  await first.publish(created('p1', 'e3'));
  await assertDeployReads(origin);
  // A server that starts now loads the states from the hash (complete at 3), not from the stream.
  let statesAt: unknown;
  const poll = setInterval(() => void redis.command('HGET', 'progress:meta', 'statesAt').then((value) => (statesAt = value)), 20);
  t.after(() => clearInterval(poll));
  await waitFor(() => statesAt === '3', 'the states hash complete at 3');
  clearInterval(poll);
  const later = await serverOnRedis(t, redis.url);
  await assertDeployReads(`http://127.0.0.1:${later.port}`);
});


test('a socket of p1 is told the same when it resumes, whether p2 is quiet or busy (Redis)', async (t) => {
  const redis = await startRedis(t);
  const token = grantToken({ projects: ['p1'] });
  const answers = [];
  for (const busy of [false, true]) {
    const log = await createRedisLog({ url: redis.url, prefix: busy ? 'busy:' : 'quiet:', logger: { warn: () => {}, info: () => {} } });
    const server = await createProgressServer({ log, heartbeatInterval: 0, authenticate: authenticateGrantToken });
    t.after(async () => {
      await server.close();
      await log.close();
    });
    for (const id of ['a', 'b', 'c']) await server.publish(task.started('p1', id));
    if (busy) for (let i = 0; i < 40; i++) await server.publish(task.started('p2', `x${i}`));
    const head = busy ? 43 : 3;
    await waitFor(() => log.position === head, 'the tail at the head');
    answers.push(await resumeAnswers(server.url, token, log.epoch, 'p1', SCOPED_SINCES));
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.ok(answers[0]!.some((a) => a.resumed) && answers[0]!.some((a) => !a.resumed));
});


test('on Redis, a socket of p1 ahead of a server that lags (since > its position) resumes by p1\'s entries, not by how far the stream got', async (t) => {
  const redis = await startRedis(t);
  const results = [];
  for (const busy of [false, true]) {
    const log = await createRedisLog({ url: redis.url, prefix: busy ? 'busy:' : 'quiet:', logger: { warn: () => {}, info: () => {} } });
    t.after(() => log.close());
    const publisher = createProgressPublisher({ log });
    for (const id of ['a', 'b', 'c']) await publisher.publish(task.started('p1', id));
    if (busy) for (let i = 0; i < 40; i++) await publisher.publish(task.started('p2', `x${i}`));
    // What a server that has read up to 1 only asks when a client comes with a later position.
    const ahead = async (after: number) => {
      const read = await log.read({ epoch: log.epoch, after, through: 1, projects: (p) => p === 'p1', maxBytes: 1e6 });
      return read.resumed;
    };
    results.push(await Promise.all([2, 3, 4, 20, 43, 44].map(ahead)));
  }
  assert.deepEqual(results, [
    [true, true, false, false, false, false],
    [true, true, false, false, false, false],
  ]);
});

test('every redis-server these tests started is stopped', () => {
  const { running } = startedProcesses();
  assert.deepEqual(running, []);
});
