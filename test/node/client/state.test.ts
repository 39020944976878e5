import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containerFailed,
  initialContainerState,
  initialTaskState,
  initialWorkflowState,
  ProgressStore,
  reduceContainer,
  reduceTask,
  reduceWorkflow,
  workflowPercent,
  type ContainerEvent,
  type TaskEvent,
  type WorkflowEvent,
} from '../../../src/client/index.js';

let clock = Date.parse('2026-01-01T00:00:00Z');
const at = (ms = 1000) => new Date((clock += ms)).toISOString();
const te = (e: object) => ({ projectId: 'p', taskId: 't', timestamp: at(), ...e }) as TaskEvent;
const we = (e: object) => ({ projectId: 'p', workflowId: 'w', executionId: 'e', timestamp: at(), ...e }) as WorkflowEvent;
const ce = (e: object) => ({ projectId: 'p', containerId: 'c', timestamp: at(), ...e }) as ContainerEvent;

describe('task state', () => {
  it('follows a run: queued, running steps, current step, percent, duration', () => {
    let s = initialTaskState('p', 't');
    assert.equal(s.status, 'waiting');
    s = reduceTask(s, te({ type: 'task_queued' }));
    assert.equal(s.status, 'queued');
    s = reduceTask(s, te({ type: 'task_started' }));
    assert.equal(s.status, 'running');
    assert.equal(s.progress, undefined, 'indeterminate before any percent');
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'a', step: 'Fetch', status: 'running', progress: 10, message: 'downloading' }));
    assert.equal(s.currentStepId, 'a');
    assert.equal(s.progress, 10);
    assert.equal(s.message, 'downloading');
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'a', status: 'completed', progress: 50 }));
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'b', step: 'Build', status: 'running', progress: 150 }));
    assert.equal(s.progress, 100, 'clamped');
    assert.deepEqual(s.steps.map((x) => [x.id, x.name, x.status]), [['a', 'Fetch', 'completed'], ['b', 'Build', 'running']]);
    assert.equal(s.steps[0]!.message, undefined, 'a step that completed no longer says what it was doing');
    s = reduceTask(s, te({ type: 'task_completed', duration: 4200 }));
    assert.equal(s.status, 'completed');
    assert.equal(s.currentStepId, undefined);
    assert.equal(s.duration, 4200);
  });

  it('keeps a final status against late events', () => {
    let s = reduceTask(initialTaskState('p', 't'), te({ type: 'task_failed', error: 'x' }));
    s = reduceTask(s, te({ type: 'task_started' }));
    s = reduceTask(s, te({ type: 'step_progress', step: 'late', status: 'running' }));
    s = reduceTask(s, te({ type: 'task_completed' }));
    assert.equal(s.status, 'failed');
    assert.equal(s.error, 'x');
  });

  it('bounds the output tail and says how many lines were dropped', () => {
    let s = initialTaskState('p', 't');
    for (let i = 0; i < 30; i++) s = reduceTask(s, te({ type: 'output', output: `l${i}\n` }), { maxOutputLines: 10, maxLineLength: 5, maxArtifacts: 2, maxSteps: 3 });
    assert.equal(s.output.length, 10);
    assert.equal(s.output[0], 'l20');
    assert.equal(s.droppedOutputLines, 20);
    s = reduceTask(s, te({ type: 'output', output: 'x'.repeat(100) + '\n' }), { maxOutputLines: 10, maxLineLength: 5, maxArtifacts: 2, maxSteps: 3 });
    assert.equal(s.output.at(-1), 'xxxxx…');
    for (let i = 0; i < 5; i++) s = reduceTask(s, te({ type: 'artifact', artifact: { path: `f${i}`, type: 'file' } }), { maxOutputLines: 10, maxLineLength: 5, maxArtifacts: 2, maxSteps: 3 });
    assert.deepEqual(s.artifacts.map((a) => a.path), ['f3', 'f4']);
    assert.equal(s.droppedArtifacts, 3);
  });
});

describe('workflow state', () => {
  it('follows phases, pause and resume, percent and failure', () => {
    let s = initialWorkflowState('p', 'w', 'e');
    s = reduceWorkflow(s, we({ type: 'workflow_execution_created', totalPhases: 3 }));
    assert.equal(s.status, 'created');
    assert.equal(workflowPercent(s), 0);
    s = reduceWorkflow(s, we({ type: 'workflow_execution_started' }));
    s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: 'a', phase: 'Plan' }));
    assert.equal(s.currentPhaseId, 'a');
    s = reduceWorkflow(s, we({ type: 'workflow_phase_completed', phaseId: 'a' }));
    assert.equal(s.phases[0]!.duration, 1000);
    assert.equal(workflowPercent(s), 33);
    s = reduceWorkflow(s, we({ type: 'workflow_execution_paused' }));
    assert.equal(s.status, 'paused');
    s = reduceWorkflow(s, we({ type: 'workflow_execution_resumed' }));
    assert.equal(s.status, 'running');
    s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: 'b', phase: 'Build' }));
    s = reduceWorkflow(s, we({ type: 'workflow_execution_failed', error: 'compile error' }));
    assert.equal(s.status, 'failed');
    assert.equal(s.error, 'compile error');
    assert.deepEqual(s.phases.map((p) => [p.name, p.status]), [['Plan', 'completed'], ['Build', 'failed']]);
  });

  it('has no percent while the number of phases is unknown, and 100 once completed', () => {
    let s = reduceWorkflow(initialWorkflowState('p', 'w', 'e'), we({ type: 'workflow_phase_started', phaseId: 'a' }));
    assert.equal(workflowPercent(s), undefined);
    s = reduceWorkflow(s, we({ type: 'workflow_execution_completed', output: { ok: true } }));
    assert.equal(workflowPercent(s), 100);
    assert.deepEqual(s.output, { ok: true });
  });
});

describe('container state', () => {
  it('follows the lifecycle and marks a non-zero exit as a failure', () => {
    let s = initialContainerState('p', 'c');
    s = reduceContainer(s, ce({ type: 'container_created', image: 'node:20' }));
    assert.deepEqual([s.status, s.image], ['created', 'node:20']);
    s = reduceContainer(s, ce({ type: 'container_started' }));
    assert.equal(s.status, 'running');
    s = reduceContainer(s, ce({ type: 'container_stopped', exitCode: 0 }));
    assert.equal(containerFailed(s), false);
    s = reduceContainer(s, ce({ type: 'container_started' }));
    s = reduceContainer(s, ce({ type: 'container_stopped', exitCode: 137 }));
    assert.equal(containerFailed(s), true);
    s = reduceContainer(s, ce({ type: 'container_error', error: 'oom' }));
    assert.deepEqual([s.status, s.error, containerFailed(s)], ['error', 'oom', true]);
  });
});

describe('ProgressStore', () => {
  it('stays within maxEntities, forgetting finished entities first', () => {
    const store = new ProgressStore({ maxEntities: 10 });
    store.apply({ type: 'task_started', projectId: 'p', taskId: 'live', timestamp: at() });
    for (let i = 0; i < 50; i++) {
      store.apply({ type: 'task_started', projectId: 'p', taskId: `t${i}`, timestamp: at() });
      store.apply({ type: 'task_completed', projectId: 'p', taskId: `t${i}`, timestamp: at() });
    }
    assert.ok(store.size <= 10);
    assert.equal(store.getTask('p', 'live')?.status, 'running', 'the unfinished task is kept');
    assert.equal(store.getTask('p', 't49')?.status, 'completed');
  });

  it('knows the latest execution of a workflow', () => {
    const store = new ProgressStore();
    store.apply({ type: 'workflow_execution_started', projectId: 'p', workflowId: 'w', executionId: 'e1', timestamp: at() });
    store.apply({ type: 'workflow_execution_started', projectId: 'p', workflowId: 'w', executionId: 'e2', timestamp: at() });
    assert.equal(store.getLatestWorkflow('w')?.executionId, 'e2');
  });
});
