/**
 * A socket whose token may see some projects learns nothing of the others' traffic from the
 * answers of its own: its session frame and whether it resumes are the same whether another
 * project is quiet or busy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressServer } from '../../src/server/index.js';
import { ProgressJournal } from '../../src/server/journal.js';
import { task } from './helpers/fixtures.js';
import { authenticateGrantToken, grantToken } from './helpers/grant-tokens.js';
import { resumeAnswers } from './helpers/scoped-resume.js';

/** Positions around p1's events (1 to 3) and around the head of the busy server (43). */
const SINCES = [0, 1, 2, 3, 4, 5, 20, 42, 43, 44, 45];

test('a socket of p1 is told the same when it resumes, whether p2 is quiet or busy (in memory)', async (t) => {
  const token = grantToken({ projects: ['p1'] });
  const answers = [];
  for (const busy of [false, true]) {
    const log = new ProgressJournal();
    const server = await createProgressServer({ log, heartbeatInterval: 0, authenticate: authenticateGrantToken });
    t.after(() => server.close());
    for (const id of ['a', 'b', 'c']) await server.publish(task.started('p1', id));
    if (busy) for (let i = 0; i < 40; i++) await server.publish(task.started('p2', `x${i}`));
    answers.push(await resumeAnswers(server.url, token, log.epoch, 'p1', SINCES));
  }
  const [quiet, busy] = answers;
  assert.deepEqual(busy, quiet);
  // What it is told: p1's position, and a position past it is none of its own.
  assert.deepEqual(quiet!.filter((a) => a.path === '/ws').map((a) => [a.since, a.seq, a.resumed, a.replayed.length]), [
    [0, 3, true, 3], [1, 3, true, 2], [2, 3, true, 1], [3, 3, true, 0],
    ...SINCES.slice(4).map((since) => [since, 3, false, 0]),
  ]);
});
