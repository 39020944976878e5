/**
 * Reads of a workflow's latest execution while another project runs a workflow of the same id:
 * what a server answers, whatever keeps its states (a journal in memory, or Redis).
 */
import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { workflow } from './fixtures.js';
import { grantToken } from './grant-tokens.js';

/** What a read answered: the status, and the execution it found. */
export type WorkflowRead = number | string;

/** Reads the latest execution of `deploy`, of a project or of none, with a token; `origin` is the server's http://host:port. */
export async function readDeploy(origin: string, token: string, projectId?: string): Promise<WorkflowRead> {
  const project = projectId === undefined ? '' : `&projectId=${projectId}`;
  const response = await fetch(`${origin}/progress/snapshot?kind=workflow&workflowId=deploy${project}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return response.status === 200 ? (JSON.parse(text) as { executionId: string }).executionId : response.status;
}

export const created = (projectId: string, executionId: string): ProgressEvent => workflow('workflow_execution_created', projectId, 'deploy', executionId);

/** The tokens the scenario reads with (a server's `authenticate` must be `authenticateGrantToken`). */
export const tokens = { p1: grantToken({ projects: ['p1'] }), p2: grantToken({ projects: ['p2'] }), all: grantToken({ projects: '*' }) };

/**
 * Checks every read after p1's `e1`, p2's `e2`, then p1's `e3` were published (and read by the
 * server): each project's read finds its own execution; one without a project, the latest among
 * the projects the token may see.
 */
export async function assertDeployReads(origin: string): Promise<void> {
  const reads = {
    p1: await readDeploy(origin, tokens.p1, 'p1'),
    p2: await readDeploy(origin, tokens.p2, 'p2'),
    p1ByAll: await readDeploy(origin, tokens.all, 'p1'),
    p1Token: await readDeploy(origin, tokens.p1),
    p2Token: await readDeploy(origin, tokens.p2),
    allToken: await readDeploy(origin, tokens.all),
  };
  assert.deepEqual(reads, { p1: 'e3', p2: 'e2', p1ByAll: 'e3', p1Token: 'e3', p2Token: 'e2', allToken: 'e3' });
}
