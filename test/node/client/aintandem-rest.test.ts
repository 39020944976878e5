/**
 * AInTandem's REST execution (`GET {base}/workflows/executions/{executionId}`) in its documented
 * shape: no workflowId, and `cancelled` among its statuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aintandemSnapshotLoader,
  isFinished,
  ProgressClient,
  ProgressStore,
  reduceWorkflow,
  TERMINAL_WORKFLOW_STATUSES,
  workflowFromRest,
  type WorkflowEvent,
  type WorkflowState,
} from '../../../src/client/index.js';
import { NodeWebSocket, startServer, waitFor, workflow } from '../helpers/fixtures.js';

const BASE = 'http://orchestrator.invalid/api';

/** An execution as the orchestrator documents it: no workflowId, no projectId. */
function execution(status: string, extra: object = {}): object {
  const start = new Date(Date.now() - 60_000).toISOString();
  return {
    id: 'x1',
    status,
    currentPhase: 'b',
    totalPhases: 3,
    progress: 40,
    startTime: start,
    phases: [
      { phaseId: 'a', name: 'Plan', status: 'completed', startTime: start, endTime: start },
      { phaseId: 'b', name: 'Build', status: status === 'running' ? 'running' : 'failed', startTime: start },
    ],
    ...extra,
  };
}

/** A fetch that answers the execution endpoint with `body`, and records the URLs asked. */
function restWith(body: object): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const impl = (async (input: string | URL | Request) => {
    const url = String(input);
    urls.push(url);
    return url.endsWith('/workflows/executions/x1') ? new Response(JSON.stringify(body)) : new Response('', { status: 404 });
  }) as typeof fetch;
  return { fetch: impl, urls };
}

const signal = new AbortController().signal;

describe('AInTandem REST executions without a workflowId', () => {
  it('an execution asked for by its id alone becomes a state, its workflow unknown (empty)', async () => {
    const rest = restWith(execution('running'));
    const state = await aintandemSnapshotLoader(BASE, { fetch: rest.fetch })({ kind: 'workflow', executionId: 'x1' }, signal);
    assert.deepEqual(rest.urls, [`${BASE}/workflows/executions/x1`]);
    assert.ok(state && state.kind === 'workflow', 'a workflow state');
    assert.equal(state.executionId, 'x1');
    assert.equal(state.workflowId, '');
    assert.equal(state.projectId, '');
    assert.equal(state.status, 'running');
    assert.equal(state.currentPhaseId, 'b');
    assert.equal(state.totalPhases, 3);
    assert.deepEqual(state.phases.map((p) => `${p.id}:${p.status}`), ['a:completed', 'b:running']);
  });

  it('the ids the request names fill in what the body leaves out', () => {
    const state = workflowFromRest(execution('running'), { projectId: 'p', workflowId: 'wf', executionId: 'x1' });
    assert.equal(state?.workflowId, 'wf');
    assert.equal(state?.projectId, 'p');
    assert.equal(workflowFromRest({ status: 'running' }, {}), undefined, 'no execution id anywhere: nothing to show');
  });

  it('the store does not record an unknown workflow as a workflow, and records it once an event names it', () => {
    const store = new ProgressStore();
    store.set(workflowFromRest(execution('running'), { executionId: 'x1' })!);
    assert.equal(store.getLatestWorkflow(''), undefined);
    assert.equal(store.getWorkflow('x1')?.status, 'running');
    const next = store.apply(workflow('workflow_phase_completed', 'p', 'wf', 'x1', { phaseId: 'b', phase: 'Build' }));
    assert.equal((next as WorkflowState).workflowId, 'wf');
    assert.equal((next as WorkflowState).projectId, 'p');
    assert.equal(store.getLatestWorkflow('wf')?.executionId, 'x1');
    assert.deepEqual(store.getWorkflow('x1')!.phases.map((p) => `${p.id}:${p.status}`), ['a:completed', 'b:completed']);
  });

  it('the reducer keeps a known workflowId: only an unknown one is taken from the event', () => {
    const known = { ...workflowFromRest(execution('running'), { workflowId: 'wf', executionId: 'x1' })! };
    const event = workflow('workflow_execution_paused', 'p', 'other', 'x1') as WorkflowEvent;
    assert.equal(reduceWorkflow(known, event).workflowId, 'wf');
    // An event the state ignores (a terminal state) still names the workflow.
    const cancelled = workflowFromRest(execution('cancelled'), { executionId: 'x1' })!;
    const after = reduceWorkflow(cancelled, workflow('workflow_execution_started', 'p', 'wf', 'x1') as WorkflowEvent);
    assert.equal(after.workflowId, 'wf');
    assert.equal(after.status, 'cancelled');
  });

  it('over a real socket: a late view of an execution shows the REST execution, then the live events, and learns the workflow', async (t) => {
    const server = await startServer(t, { validate: false });
    const rest = restWith(execution('running'));
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, lingerTime: 0, snapshotLoader: aintandemSnapshotLoader(BASE, { fetch: rest.fetch }) });
    t.after(() => client.close());
    let shown: WorkflowState | undefined;
    await client.subscribeToWorkflow({ projectId: 'p', executionId: 'x1', onState: (s) => (shown = s) }).ready;
    await waitFor(() => shown !== undefined, 'the execution from REST');
    assert.equal(shown!.status, 'running');
    assert.equal(shown!.workflowId, '');
    assert.equal(shown!.projectId, 'p', 'the project the view asked for');
    assert.deepEqual(shown!.phases.map((p) => p.id), ['a', 'b']);

    server.publish(workflow('workflow_phase_completed', 'p', 'wf', 'x1', { phaseId: 'b', phase: 'Build' }));
    server.publish(workflow('workflow_phase_started', 'p', 'wf', 'x1', { phaseId: 'c', phase: 'Ship' }));
    await waitFor(() => shown?.phases.length === 3, 'the live phases over the REST ones');
    assert.equal(shown!.workflowId, 'wf');
    assert.equal(shown!.currentPhaseId, 'c');
    assert.equal(client.getLatestWorkflowState('wf')?.executionId, 'x1');
  });
});

describe('cancelled executions', () => {
  it('a REST execution cancelled is cancelled: terminal, not failed, with no error made up', () => {
    const state = workflowFromRest(execution('cancelled'), { executionId: 'x1' })!;
    assert.equal(state.status, 'cancelled');
    assert.equal(state.error, undefined);
    assert.ok(TERMINAL_WORKFLOW_STATUSES.has('cancelled'));
    assert.equal(isFinished(state), true);
    // The error the orchestrator gives, if any, is kept.
    assert.equal(workflowFromRest(execution('cancelled', { error: 'stopped by alice' }), { executionId: 'x1' })!.error, 'stopped by alice');
  });

  it('live events do not take a cancelled execution back', () => {
    let state = workflowFromRest(execution('cancelled'), { workflowId: 'wf', executionId: 'x1' })!;
    for (const type of ['workflow_execution_resumed', 'workflow_execution_paused', 'workflow_execution_completed', 'workflow_execution_failed']) {
      state = reduceWorkflow(state, workflow(type, 'p', 'wf', 'x1', { error: 'late' }) as WorkflowEvent);
    }
    assert.equal(state.status, 'cancelled');
    assert.equal(state.error, undefined);
  });
});
