/**
 * The latest execution of a workflow is kept per project: another project's run of a workflow of
 * the same id changes no read of this one, and a read that names no project looks only within
 * the projects its token may see.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { ServerStore } from '../../src/server/server-store.js';
import { authenticateGrantToken } from './helpers/grant-tokens.js';
import { startServer, workflow } from './helpers/fixtures.js';
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

test('property: the latest execution a read finds is the last one created in its project (or among the projects it may see), whatever the other projects run', () => {
  const runs = fc.array(fc.record({ projectId: fc.constantFrom('p1', 'p2', 'p3'), workflowId: fc.constantFrom('deploy', 'build') }), { maxLength: 40 });
  fc.assert(
    fc.property(runs, fc.subarray(['p1', 'p2', 'p3']), (created, visible) => {
      const store = new ServerStore(1000);
      const model = new Map<string, string>();
      const order: { projectId: string; workflowId: string; executionId: string }[] = [];
      created.forEach(({ projectId, workflowId }, i) => {
        const executionId = `e${i}`;
        store.apply({ ...workflow('workflow_execution_created', projectId, workflowId, executionId), seq: i + 1 } as ProgressEvent);
        model.set(`${projectId}/${workflowId}`, executionId);
        order.push({ projectId, workflowId, executionId });
      });
      for (const projectId of ['p1', 'p2', 'p3']) {
        for (const workflowId of ['deploy', 'build']) {
          const found = store.find({ kind: 'workflow', projectId, workflowId });
          assert.equal(found?.kind === 'workflow' ? found.executionId : undefined, model.get(`${projectId}/${workflowId}`));
        }
      }
      for (const workflowId of ['deploy', 'build']) {
        const expected = order.filter((r) => r.workflowId === workflowId && visible.includes(r.projectId)).at(-1)?.executionId;
        const found = store.find({ kind: 'workflow', workflowId }, (p) => visible.includes(p));
        assert.equal(found?.kind === 'workflow' ? found.executionId : undefined, expected);
      }
    }),
    { numRuns: 300 },
  );
});
