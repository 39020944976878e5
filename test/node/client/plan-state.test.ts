/**
 * What the reducers hold of a run whatever part of it they saw: the whole plan up front, positions
 * only when they are true, times from the run's own start, and the run's own name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initialContainerState,
  initialTaskState,
  initialWorkflowState,
  parseFrame,
  reduceContainer,
  reduceTask,
  reduceWorkflow,
  workflowPercent,
  type ContainerEvent,
  type TaskEvent,
  type TaskState,
  type WorkflowEvent,
  type WorkflowState,
} from '../../../src/client/index.js';

let clock = Date.parse('2026-03-01T10:00:00Z');
const at = (ms = 1000) => new Date((clock += ms)).toISOString();
const te = (e: object) => ({ projectId: 'p', taskId: 't', timestamp: at(), ...e }) as TaskEvent;
const we = (e: object) => ({ projectId: 'p', workflowId: 'w', executionId: 'e', timestamp: at(), ...e }) as WorkflowEvent;
const ce = (e: object) => ({ projectId: 'p', containerId: 'c', timestamp: at(), ...e }) as ContainerEvent;
const task = (...events: object[]) => events.reduce<TaskState>((s, e) => reduceTask(s, te(e)), initialTaskState('p', 't'));
const workflow = (...events: object[]) => events.reduce<WorkflowState>((s, e) => reduceWorkflow(s, we(e)), initialWorkflowState('p', 'w', 'e'));
const steps = (s: TaskState) => s.steps.map((x) => `${x.id}:${x.status}`);
const phases = (s: WorkflowState) => s.phases.map((x) => `${x.id}:${x.status}`);

const STEP_PLAN = [{ stepId: 'lint', step: 'Lint' }, { stepId: 'build', step: 'Build' }, { stepId: 'test', step: 'Test' }, { stepId: 'pack', step: 'Package' }];
const PHASE_PLAN = ['plan', 'build', 'test', 'deploy', 'verify'].map((id) => ({ phaseId: id, phase: id[0]!.toUpperCase() + id.slice(1) }));

describe('a task with a plan', () => {
  it('lists every step from the start, pending, then moves each through its statuses', () => {
    let s = task({ type: 'task_queued', task: { name: 'Release build' }, steps: STEP_PLAN });
    assert.deepEqual(steps(s), ['lint:pending', 'build:pending', 'test:pending', 'pack:pending']);
    assert.deepEqual(s.steps.map((x) => x.name), ['Lint', 'Build', 'Test', 'Package']);
    assert.equal(s.name, 'Release build');
    assert.equal(s.earlierUnknown, undefined);
    s = reduceTask(s, te({ type: 'task_started' }));
    const started = s.startedAt;
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'lint', status: 'running', message: 'eslint .' }));
    assert.equal(s.steps[0]!.startedAt !== undefined, true, 'a planned step that begins has a start');
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'lint', status: 'completed' }));
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'build', status: 'running' }));
    assert.deepEqual(steps(s), ['lint:completed', 'build:running', 'test:pending', 'pack:pending']);
    // A step the plan did not name comes after the last one that began, before the pending ones.
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'codegen', step: 'Codegen', status: 'running' }));
    assert.deepEqual(steps(s), ['lint:completed', 'build:running', 'codegen:running', 'test:pending', 'pack:pending']);
    assert.equal(s.currentStepId, 'codegen');
    s = reduceTask(s, te({ type: 'task_completed' }));
    assert.equal(s.startedAt, started, 'the start stays the task_started time');
    assert.equal(s.duration, Date.parse(s.endedAt!) - Date.parse(started!), 'the duration counts from the start');
  });

  it('takes a plan that comes after some steps, keeping what they said', () => {
    const s = task({ type: 'step_progress', stepId: 'lint', status: 'completed', message: 'clean' }, { type: 'task_started', steps: STEP_PLAN });
    assert.deepEqual(steps(s), ['lint:completed', 'build:pending', 'test:pending', 'pack:pending']);
    assert.equal(s.steps[0]!.message, 'clean');
    assert.equal(s.earlierUnknown, undefined, 'a plan lists every step: positions are true again');
  });

  it('names steps without ids by their names, and a plan of names alone', () => {
    const s = task({ type: 'task_started', steps: [{ step: 'A' }, { step: 'B' }] }, { type: 'step_progress', step: 'B', status: 'running' });
    assert.deepEqual(steps(s), ['A:pending', 'B:running']);
  });

  it('stays within maxSteps, dropping from the front', () => {
    const plan = Array.from({ length: 8 }, (_, i) => ({ stepId: `s${i}` }));
    const s = reduceTask(initialTaskState('p', 't'), te({ type: 'task_queued', steps: plan }), { maxOutputLines: 10, maxLineLength: 10, maxArtifacts: 1, maxSteps: 5 });
    assert.equal(s.steps.length, 5);
    assert.equal(s.droppedSteps, 3);
  });
});

describe('a task joined after it began', () => {
  it('is running at once, with no start and no positions it cannot know', () => {
    let s = task({ type: 'step_progress', stepId: 'test', step: 'Test', status: 'running', progress: 80 });
    assert.equal(s.status, 'running');
    assert.equal(s.progress, 80);
    assert.equal(s.startedAt, undefined, 'not the time the state began');
    assert.equal(s.steps[0]!.startedAt, undefined, 'a step already running when the state began has no known start');
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'pack', status: 'running' }));
    assert.ok(s.steps[1]!.startedAt, 'a step that begins after the join has its start');
    assert.equal(s.earlierUnknown, true);
    s = reduceTask(s, te({ type: 'task_failed', error: 'boom' }));
    assert.equal(s.status, 'failed');
    assert.equal(s.duration, undefined, 'no duration rather than one counted from the join');
    assert.ok(s.endedAt);
  });

  it('takes the start an event carries', () => {
    const startedAt = new Date(clock - 60_000).toISOString();
    let s = task({ type: 'output', output: 'x\n', startedAt });
    assert.equal(s.status, 'running', 'output means running');
    assert.equal(s.startedAt, startedAt);
    s = reduceTask(s, te({ type: 'task_completed' }));
    assert.equal(s.duration, Date.parse(s.endedAt!) - Date.parse(startedAt));
  });

  it('ignores a start that does not parse', () => {
    assert.equal(task({ type: 'output', output: 'x', startedAt: 'yesterday' }).startedAt, undefined);
  });

  it('is running from an artifact, and queued only until it runs', () => {
    assert.equal(task({ type: 'artifact', artifact: { path: 'a', type: 'file' } }).status, 'running');
    assert.equal(task({ type: 'task_queued' }, { type: 'output', output: 'go\n' }).status, 'running');
  });
});

describe('names', () => {
  it("takes the task's name from `task` as a string or as { name }", () => {
    assert.equal(task({ type: 'task_started', task: 'Nightly export' }).name, 'Nightly export');
    assert.equal(task({ type: 'task_started', task: { name: 'Lint' } }).name, 'Lint');
    assert.equal(task({ type: 'task_started', task: { id: 3 } }).name, undefined);
  });

  it("takes the workflow's name and the container's image from any of their events", () => {
    assert.equal(workflow({ type: 'workflow_phase_started', phaseId: 'a', workflow: 'Release pipeline' }).name, 'Release pipeline');
    const c = reduceContainer(initialContainerState('p', 'c'), ce({ type: 'container_started', image: 'node:22' }));
    assert.equal(c.image, 'node:22');
  });
});

describe('a step that ends', () => {
  it('says what it ended with, not what it was doing', () => {
    let s = task({ type: 'task_started' }, { type: 'step_progress', stepId: 'a', status: 'running', message: 'Running tsc' });
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'a', status: 'completed' }));
    assert.equal(s.steps[0]!.message, undefined);
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'b', status: 'running', message: 'Running tests' }));
    s = reduceTask(s, te({ type: 'step_progress', stepId: 'b', status: 'failed', message: '2 tests failed' }));
    assert.equal(s.steps[1]!.message, '2 tests failed');
  });
});

describe('a workflow with a plan of five phases', () => {
  const planned = () => workflow({ type: 'workflow_execution_created', workflow: 'Release', phases: PHASE_PLAN }, { type: 'workflow_execution_started' });

  it('lists every phase pending from the start, with the total', () => {
    const s = planned();
    assert.deepEqual(phases(s), ['plan:pending', 'build:pending', 'test:pending', 'deploy:pending', 'verify:pending']);
    assert.equal(s.totalPhases, 5);
    assert.equal(workflowPercent(s), 0);
    assert.equal(s.name, 'Release');
    assert.ok(s.startedAt);
  });

  it('moves each phase through its statuses, inserting an unplanned one after the last that began', () => {
    let s = planned();
    for (const id of ['plan', 'build']) {
      s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: id }));
      s = reduceWorkflow(s, we({ type: 'workflow_phase_completed', phaseId: id }));
    }
    s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: 'test' }));
    assert.deepEqual(phases(s), ['plan:completed', 'build:completed', 'test:running', 'deploy:pending', 'verify:pending']);
    assert.equal(s.phases.findIndex((p) => p.id === s.currentPhaseId), 2, 'Test is the third phase');
    assert.equal(workflowPercent(s), 40);
    assert.equal(s.phases[1]!.duration, 1000);
    s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: 'hotfix', phase: 'Hotfix' }));
    assert.deepEqual(phases(s), ['plan:completed', 'build:completed', 'test:running', 'hotfix:running', 'deploy:pending', 'verify:pending']);
    assert.equal(s.totalPhases, 6, 'the total grows with a phase the plan did not name');
  });

  it('completes with its duration from its own start; its current phase is gone', () => {
    let s = planned();
    s = reduceWorkflow(s, we({ type: 'workflow_phase_started', phaseId: 'plan' }));
    s = reduceWorkflow(s, we({ type: 'workflow_execution_completed' }));
    assert.equal(s.status, 'completed');
    assert.equal(s.currentPhaseId, undefined);
    assert.equal(s.duration, Date.parse(s.endedAt!) - Date.parse(s.startedAt!));
  });
});

describe('a workflow joined after it began', () => {
  it('is running from a phase event, with no position, percent or start it cannot know', () => {
    const s = workflow({ type: 'workflow_phase_completed', phaseId: 'build', phase: 'Build', totalPhases: 3 });
    assert.equal(s.status, 'running', 'not waiting: a phase completed');
    assert.equal(s.earlierUnknown, true);
    assert.equal(workflowPercent(s), undefined, 'the phases done before the join are not known');
    assert.equal(s.startedAt, undefined);
    assert.equal(s.phases[0]!.duration, undefined, 'a phase whose start was not seen has no duration');
  });

  it('does not take a phase start as the execution start', () => {
    let s = workflow({ type: 'workflow_phase_started', phaseId: 'test' });
    assert.equal(s.startedAt, undefined);
    assert.ok(s.phases[0]!.startedAt, "a phase's start is its workflow_phase_started");
    s = reduceWorkflow(s, we({ type: 'workflow_phase_completed', phaseId: 'test' }));
    assert.equal(s.phases[0]!.duration, 1000);
    s = reduceWorkflow(s, we({ type: 'workflow_execution_completed' }));
    assert.equal(s.duration, undefined);
    assert.equal(workflowPercent(s), 100, 'completed is 100% whatever was missed');
  });

  it('takes the duration the server gives, and the start an event carries', () => {
    const startedAt = new Date(clock - 90_000).toISOString();
    const s = workflow({ type: 'workflow_phase_started', phaseId: 'x', startedAt }, { type: 'workflow_execution_completed', duration: 1234 });
    assert.equal(s.startedAt, startedAt);
    assert.equal(s.duration, 1234);
  });
});

describe('plans on the wire', () => {
  const base = { projectId: 'p', timestamp: '2026-01-01T00:00:00.000Z' };
  it('are kept by the parser when well formed', () => {
    const r = parseFrame(JSON.stringify({ ...base, type: 'workflow_execution_created', executionId: 'e', workflowId: 'w', phases: PHASE_PLAN }));
    assert.ok(r.ok && 'phases' in r.message && r.message.phases?.length === 5);
    const t = parseFrame(JSON.stringify({ ...base, type: 'task_queued', taskId: 't', steps: [{ step: 'Only a name' }] }));
    assert.ok(t.ok);
  });

  it('reject the event with the field named when malformed', () => {
    for (const [frame, field] of [
      [{ ...base, type: 'task_started', taskId: 't', steps: [{ stepId: 'a' }, { nothing: 1 }] }, 'steps'],
      [{ ...base, type: 'task_started', taskId: 't', steps: 'lint,build' }, 'steps'],
      [{ ...base, type: 'workflow_execution_started', executionId: 'e', workflowId: 'w', phases: [{ phase: 'no id' }] }, 'phases'],
      [{ ...base, type: 'workflow_phase_started', executionId: 'e', workflowId: 'w', phaseId: 'a', startedAt: 12 }, 'startedAt'],
    ] as const) {
      const r = parseFrame(JSON.stringify(frame));
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([r.rejection.reason, r.rejection.field], ['invalid_field', field]);
    }
  });
});

describe('AInTandem REST reads', () => {
  it("keep an execution's pending phases in order, its name, and its start", async () => {
    const { workflowFromRest, taskFromRest } = await import('../../../src/client/index.js');
    const s = workflowFromRest(
      {
        id: 'e',
        workflowName: 'Release pipeline',
        status: 'running',
        startTime: '2026-03-01T09:00:00Z',
        phases: [
          { phaseId: 'plan', name: 'Plan', status: 'completed' },
          { phaseId: 'build', name: 'Build', status: 'running' },
          { phaseId: 'test', name: 'Test', status: 'pending' },
        ],
      },
      { projectId: 'p' },
    )!;
    assert.deepEqual(phases(s), ['plan:completed', 'build:running', 'test:pending']);
    assert.equal(s.currentPhaseId, 'build');
    assert.equal(s.earlierUnknown, undefined, "the REST phase list is the whole execution's");
    assert.deepEqual([s.name, s.startedAt, s.totalPhases], ['Release pipeline', '2026-03-01T09:00:00Z', 3]);
    assert.equal(taskFromRest('p', 't', { status: 'running', name: 'Nightly export' })!.name, 'Nightly export');
  });
});

describe('output like a terminal', () => {
  const limits = { maxOutputLines: 3, maxLineLength: 40, maxArtifacts: 1, maxSteps: 5 };
  const out = (...chunks: string[]) => chunks.reduce<TaskState>((s, output) => reduceTask(s, te({ type: 'output', output }), limits), initialTaskState('p', 't'));

  it('a carriage return starts the line over, within a chunk and across chunks', () => {
    assert.deepEqual(out('Downloading  10%\rDownloading  55%\rDownloading 100%\n').output, ['Downloading 100%']);
    const s = out('Pulling fs layer\r', 'Downloading 1 MB\r', 'Download complete\n', 'done\n');
    assert.deepEqual(s.output, ['Download complete', 'done']);
    // A line that ends with a carriage return keeps its text until something replaces it.
    assert.deepEqual(out('Installing…\r').output, ['Installing…\r']);
    assert.deepEqual(out('a\r\nb\r\n').output, ['a', 'b'], 'CRLF is a newline');
  });

  it('keeps the tail within its cap, continuing an open line', () => {
    const s = out('1\n2\n3\n4', '5\n6\n');
    assert.deepEqual(s.output, ['3', '45', '6']);
    assert.equal(s.droppedOutputLines, 2);
  });
});

describe('carriage returns around escape sequences', () => {
  const limits = { maxOutputLines: 5, maxLineLength: 200, maxArtifacts: 1, maxSteps: 5 };
  it("keeps docker's progress line when a cursor move follows the carriage return", () => {
    // docker pull: the progress, a carriage return, then only a cursor move before the next line.
    const s = reduceTask(initialTaskState('p', 't'), te({ type: 'output', output: '\x1b[1A\x1b[2K\rabc123: Downloading  12MB/40MB\r\x1b[2B\n' }), limits);
    assert.equal(s.output[0], '\x1b[1A\x1b[2K\rabc123: Downloading  12MB/40MB'.slice('\x1b[1A\x1b[2K\r'.length));
  });
  it('a container seen first stopping takes the start its event gives', () => {
    const startedAt = '2026-03-01T09:00:00.000Z';
    const c = reduceContainer(initialContainerState('p', 'c'), ce({ type: 'container_stopped', exitCode: 0, startedAt }));
    assert.equal(c.startedAt, startedAt);
  });
});

describe('carriage returns at the start of a line', () => {
  it('end, whatever the line holds', () => {
    const limits = { maxOutputLines: 5, maxLineLength: 200, maxArtifacts: 1, maxSteps: 5 };
    for (const output of ['\r\n', '\r\x1b[2B\n', '\r\r\x1b[K\n', '\rabc\r\x1b[1A\n', '\r']) {
      const s = reduceTask(initialTaskState('p', 't'), te({ type: 'output', output }), limits);
      assert.ok(s.output.length <= 1);
    }
  });
});

describe('a cancelled execution', () => {
  it('ends cancelled on workflow_execution_failed marked status "cancelled", with no error and its running phase not failed', () => {
    const s = workflow({ type: 'workflow_execution_started' }, { type: 'workflow_phase_started', phaseId: 'a' }, { type: 'workflow_execution_failed', error: 'Cancelled', status: 'cancelled' });
    assert.equal(s.status, 'cancelled');
    assert.equal(s.error, undefined);
    assert.equal(s.phases[0]!.status, 'skipped');
    const r = parseFrame(JSON.stringify({ type: 'workflow_execution_failed', projectId: 'p', workflowId: 'w', executionId: 'e', timestamp: '2026-01-01T00:00:00Z', status: 'aborted' }));
    assert.equal(r.ok, false, 'only "cancelled" is a status this event may carry');
  });
});
