/**
 * The run actions from code without elements: ProgressClient's and AInTandemClient's
 * cancelTask, pauseExecution, resumeExecution and cancelExecution against the reference server's
 * own endpoints (carried out for the tests' scripted runs), in Chromium: what is sent, what the run's
 * events then say, and the typed errors of refusals.
 */
import { expect } from '@open-wc/testing';
import {
  AInTandemClient,
  ProgressClient,
  ProgressClientError,
  RunActionError,
  type ProgressEvent,
  type TaskState,
  type WorkflowState,
} from '../../src/client/index.js';
import { postRunAction } from '../../src/client/run-action-request.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';

const ts = () => new Date().toISOString();

/** The rejection of a promise that must reject. */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('it did not reject');
}

describe('run actions from code (ProgressClient, AInTandemClient)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.create({ actions: true });
  });
  after(() => server.dispose());

  it('ProgressClient cancels a task: one POST to {baseURL}/projects/{p}/tasks/{t}/cancel, then task_cancelled', async () => {
    const client = new ProgressClient({ url: server.projectUrl, baseURL: server.apiBase, lingerTime: 0 });
    try {
      const projectId = uniqueId('ra');
      let state: TaskState | undefined;
      const sub = client.subscribeToTask({ projectId, taskId: 'a/b', onState: (s) => (state = s) });
      await sub.ready;
      await server.publish({ type: 'task_started', projectId, taskId: 'a/b', timestamp: ts() });
      await waitFor(() => state?.status === 'running', 'running');
      expect(await client.cancelTask(projectId, 'a/b')).to.deep.equal({ accepted: 'cancel' });
      await waitFor(() => state?.status === 'cancelled', 'cancelled');
      const requests = (await server.actionRequests()).filter((r) => r.url.includes(projectId));
      expect(requests.map((r) => [r.method, r.url, r.status])).to.deep.equal([['POST', `/api/projects/${projectId}/tasks/a%2Fb/cancel`, 202]]);
    } finally {
      client.close();
    }
  });

  it('AInTandemClient pauses, resumes and cancels an execution, as the SDK’s workflow service does', async () => {
    const projectId = uniqueId('ra');
    const client = new AInTandemClient({ baseURL: server.apiBase, projectId, snapshots: false });
    try {
      const executionId = uniqueId('exec');
      const statuses: string[] = [];
      const base = { projectId, workflowId: 'release', executionId };
      let state: WorkflowState | undefined;
      const sub = await client.subscribeToWorkflow('release', (e) => statuses.push(e.type), executionId);
      const watch = client.getProgress().subscribeToWorkflow({ projectId, executionId, onState: (s) => (state = s) });
      const events: ProgressEvent[] = [
        { type: 'workflow_execution_created', ...base, timestamp: ts() },
        { type: 'workflow_execution_started', ...base, timestamp: ts() },
      ];
      await server.publish(...events);
      await waitFor(() => state?.status === 'running', 'running');
      await client.pauseExecution(executionId);
      await waitFor(() => state?.status === 'paused', 'paused');
      // Paused: another pause is refused (409), with what the server said.
      const again = (await refusal(client.pauseExecution(executionId))) as RunActionError;
      expect(again).to.be.instanceOf(RunActionError);
      expect([again.code, again.status, again.reason, again.action]).to.deep.equal(['conflict', 409, 'the workflow is paused', 'pause']);
      expect(again.run).to.deep.equal({ kind: 'workflow', executionId });
      await client.resumeExecution(executionId);
      await waitFor(() => state?.status === 'running', 'running again');
      await client.cancelExecution(executionId);
      await waitFor(() => statuses.includes('workflow_execution_failed'), 'the end');
      expect(statuses).to.deep.equal([
        'workflow_execution_created',
        'workflow_execution_started',
        'workflow_execution_paused',
        'workflow_execution_resumed',
        'workflow_execution_failed',
      ]);
      sub.unsubscribe();
      watch.unsubscribe();
    } finally {
      client.close();
    }
  });

  it('rejects with typed errors: 404, 401, no API base, no server, an action the run does not take', async () => {
    const guarded = await TestServer.create({ actions: true, token: 'tk-right' });
    const wrong = new ProgressClient({ url: guarded.projectUrl, baseURL: guarded.apiBase, getToken: () => 'tk-wrong' });
    const right = new ProgressClient({ url: guarded.projectUrl, baseURL: guarded.apiBase, token: 'tk-right' });
    const unset = new ProgressClient({ url: guarded.projectUrl });
    const stopped = await TestServer.create({ actions: true });
    await stopped.dispose();
    const nowhere = new ProgressClient({ url: stopped.projectUrl, baseURL: stopped.apiBase });
    try {
      const unknown = (await refusal(right.cancelTask('p', 'nobody'))) as RunActionError;
      expect([unknown.name, unknown.code, unknown.status, unknown.reason]).to.deep.equal(['RunActionError', 'not_found', 404, 'unknown task']);
      expect(unknown.message).to.equal('cancel of task p/nobody did not happen: HTTP 404 (unknown task)');

      const denied = (await refusal(wrong.cancelExecution('e1'))) as RunActionError;
      expect([denied.code, denied.status]).to.deep.equal(['unauthorized', 401]);
      expect(denied.message).not.to.contain('tk-wrong');

      const before = (await guarded.actionRequests()).length;
      const unconfigured = (await refusal(unset.pauseExecution('e1'))) as RunActionError;
      expect([unconfigured.code, unconfigured.status]).to.deep.equal(['not_configured', undefined]);
      const offline = (await refusal(nowhere.resumeExecution('e1'))) as RunActionError;
      expect([offline.code, offline.status]).to.deep.equal(['network', undefined]);
      expect(offline.cause).to.be.instanceOf(Error);

      const invalid = await refusal(right.cancelTask('', 't'));
      expect(invalid).to.be.instanceOf(ProgressClientError);
      expect((invalid as ProgressClientError).code).to.equal('invalid_options');
      // Neither was sent.
      expect((await guarded.actionRequests()).length).to.equal(before);
    } finally {
      for (const c of [wrong, right, unset, nowhere]) c.close();
      await guarded.dispose();
    }
  });

  it('keeps a refusal’s reason to one short line of text, without markup or the token', async () => {
    const answer = (body: string, type: string) => async () => new Response(body, { status: 403, headers: { 'content-type': type } });
    const request = { url: 'http://127.0.0.1:9/api/x', token: 'tk-123' };
    expect(await postRunAction({ ...request, fetch: answer('{"error":{"message":"token tk-123\\nexpired"}}', 'application/json') })).to.deep.equal({
      status: 403,
      body: undefined,
      reason: 'token [token] expired',
    });
    expect((await postRunAction({ ...request, fetch: answer('<h1>Forbidden</h1>', 'text/html') })).status).to.equal(403);
    expect(await postRunAction({ ...request, fetch: answer('<h1>Forbidden</h1>', 'text/html') })).to.have.property('reason', undefined);
    const long = await postRunAction({ ...request, fetch: answer('x'.repeat(1000), 'text/plain') });
    expect((long as { reason: string }).reason.length).to.equal(200);
  });
});
