/**
 * The latest execution of a workflow is kept per project: another project's run of a workflow of
 * the same id changes no read of this one, and a read that names no project looks only within
 * the projects its token may see.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticateGrantToken } from './helpers/grant-tokens.js';
import { startServer } from './helpers/fixtures.js';
import { assertDeployReads, created, readDeploy, tokens } from './helpers/workflow-reads.js';

test("another project's run of a workflow of the same id changes no read of this project's (in memory)", async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  const origin = `http://127.0.0.1:${server.port}`;
  await server.publish(created('p1', 'e1'));
  assert.equal(await readDeploy(origin, tokens.p1, 'p1'), 'e1');
  await server.publish(created('p2', 'e2'));
  assert.equal(await readDeploy(origin, tokens.p1, 'p1'), 'e1', "p2's run leaves p1's read as it was");
  assert.equal(await readDeploy(origin, tokens.p1), 'e1', 'without a project: within the projects the token may see');
  assert.equal(await readDeploy(origin, tokens.p2, 'p2'), 'e2');
  assert.equal(await readDeploy(origin, tokens.all), 'e2', 'a token of every project: the latest of all');
  await server.publish(created('p1', 'e3'));
  await assertDeployReads(origin);
});
