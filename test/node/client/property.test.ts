/** Property-based tests: hostile and broken input never throws, corrupts state or grows memory without bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeFrame,
  DEFAULT_LIMITS,
  initialContainerState,
  initialTaskState,
  initialWorkflowState,
  parseFrame,
  ProgressStore,
  reduceContainer,
  reduceTask,
  reduceWorkflow,
  STEP_STATUSES,
  TERMINAL_TASK_STATUSES,
  type ContainerEvent,
  type ProgressEvent,
  type TaskEvent,
  type WorkflowEvent,
} from '../../../src/client/index.js';

const limits = { maxOutputLines: 20, maxLineLength: 50, maxArtifacts: 5, maxSteps: 8 };
const ids = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', 'toString', '');
const time = fc.integer({ min: 0, max: 10_000 }).map((ms) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString());
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constant('<img src=x onerror=alert(1)>'), fc.string({ minLength: 200, maxLength: 400 }));

const taskEvent: fc.Arbitrary<TaskEvent> = fc.oneof(
  fc.record({ type: fc.constantFrom('task_queued', 'task_started', 'task_cancelled') }),
  fc.record({
    type: fc.constant('step_progress'),
    stepId: fc.option(ids, { nil: undefined }),
    step: fc.option(text, { nil: undefined }),
    status: fc.constantFrom(...STEP_STATUSES),
    message: fc.option(text, { nil: undefined }),
    progress: fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: undefined }),
    output: fc.option(text, { nil: undefined }),
  }),
  fc.record({ type: fc.constant('output'), output: fc.array(text, { maxLength: 5 }).map((l) => l.join('\n')) }),
  fc.record({ type: fc.constant('artifact'), artifact: fc.record({ path: text, type: text, size: fc.option(fc.nat(), { nil: undefined }) }) }),
  fc.record({ type: fc.constant('task_completed'), duration: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ type: fc.constant('task_failed'), error: fc.option(text, { nil: undefined }) }),
).chain((e) => time.map((timestamp) => ({ ...e, projectId: 'p', taskId: 't', timestamp }) as TaskEvent));

const workflowEvent: fc.Arbitrary<WorkflowEvent> = fc
  .record({
    type: fc.constantFrom(
      'workflow_execution_created', 'workflow_execution_started', 'workflow_phase_started', 'workflow_phase_completed',
      'workflow_execution_completed', 'workflow_execution_failed', 'workflow_execution_paused', 'workflow_execution_resumed',
    ),
    phaseId: ids,
    phase: fc.option(text, { nil: undefined }),
    totalPhases: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    error: fc.option(text, { nil: undefined }),
    timestamp: time,
  })
  .map((e) => ({ ...e, projectId: 'p', workflowId: 'w', executionId: 'e' }) as WorkflowEvent);

const containerEvent: fc.Arbitrary<ContainerEvent> = fc
  .record({
    type: fc.constantFrom('container_created', 'container_started', 'container_stopped', 'container_error'),
    image: fc.option(text, { nil: undefined }),
    exitCode: fc.option(fc.integer({ min: -1, max: 255 }), { nil: undefined }),
    error: fc.option(text, { nil: undefined }),
    timestamp: time,
  })
  .map((e) => ({ ...e, projectId: 'p', containerId: 'c' }) as ContainerEvent);

describe('frame parser under random input', () => {
  it('never throws on any string, and every result is an event of a known type or a typed rejection', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (frame) => {
        const { messages, rejections } = decodeFrame(frame, 10_000);
        for (const m of messages) assert.equal(typeof m.type, 'string');
        for (const r of rejections) assert.equal(typeof r.reason, 'string');
        assert.ok(messages.length + rejections.length >= 1, 'every frame is accounted for');
      }),
      { numRuns: 2000 },
    );
  });

  it('validates random objects shaped like events without throwing, and without polluting prototypes', () => {
    const key = fc.constantFrom('type', 'projectId', 'taskId', 'timestamp', 'status', 'progress', 'artifact', 'executionId', 'workflowId', 'phaseId', 'containerId', 'sandboxId', 'seq', '__proto__', 'constructor', 'error', 'output');
    const value = fc.oneof(
      fc.constantFrom('task_started', 'step_progress', 'artifact', 'output', 'sandbox_stopped', 'workflow_phase_started', 'running', 'p', '2026-01-01T00:00:00Z'),
      fc.anything({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value), (o) => {
        const r = parseFrame(JSON.stringify(o));
        if (r.ok && r.message.type !== 'ping' && r.message.type !== 'pong' && r.message.type !== 'session') {
          assert.equal(typeof r.message.projectId, 'string');
          assert.equal(typeof r.message.timestamp, 'string');
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.equal(Object.getPrototypeOf({}), Object.prototype);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a huge frame by its size before parsing it', () => {
    const huge = JSON.stringify({ type: 'output', projectId: 'p', taskId: 't', timestamp: 't', output: 'x'.repeat(3_000_000) });
    const r = parseFrame(huge);
    assert.equal(r.ok, false);
  });
});

describe('reducers under random event sequences', () => {
  it('task: never throws, stays bounded, keeps a final status, clamps the percent', () => {
    fc.assert(
      fc.property(fc.array(taskEvent, { maxLength: 60 }), (events) => {
        let s = initialTaskState('p', 't');
        let final: string | undefined;
        for (const e of events) {
          s = reduceTask(s, e, limits);
          if (final) assert.equal(s.status, final, 'a final status never changes');
          if (TERMINAL_TASK_STATUSES.has(s.status)) final = s.status;
        }
        assert.ok(s.output.length <= limits.maxOutputLines);
        assert.ok(s.output.every((l) => l.length <= limits.maxLineLength + 1));
        assert.ok(s.artifacts.length <= limits.maxArtifacts);
        assert.ok(s.steps.length <= limits.maxSteps);
        assert.ok(s.progress === undefined || (s.progress >= 0 && s.progress <= 100));
        assert.ok(s.currentStepId === undefined || s.steps.some((x) => x.id === s.currentStepId) || s.droppedSteps > 0);
      }),
      { numRuns: 1500 },
    );
  });

  it('workflow and container: never throw, statuses stay in their sets', () => {
    const wfStatuses = new Set(['waiting', 'created', 'running', 'paused', 'completed', 'failed']);
    const cStatuses = new Set(['waiting', 'created', 'running', 'stopped', 'error']);
    fc.assert(
      fc.property(fc.array(workflowEvent, { maxLength: 60 }), fc.array(containerEvent, { maxLength: 30 }), (wes, ces) => {
        let w = initialWorkflowState('p', 'w', 'e');
        for (const e of wes) w = reduceWorkflow(w, e, limits);
        assert.ok(wfStatuses.has(w.status));
        assert.ok(w.phases.length <= limits.maxSteps);
        let c = initialContainerState('p', 'c');
        for (const e of ces) c = reduceContainer(c, e);
        assert.ok(cStatuses.has(c.status));
      }),
      { numRuns: 1500 },
    );
  });

  it('the store stays within its entity cap under events for ever new ids, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), taskEvent), { maxLength: 300 }), (pairs) => {
        const store = new ProgressStore({ maxEntities: 25, ...limits });
        for (const [id, e] of pairs) store.apply({ ...e, taskId: id } as ProgressEvent);
        assert.ok(store.size <= 25);
      }),
      { numRuns: 300 },
    );
  });

  it('default caps bound one long task', () => {
    let s = initialTaskState('p', 't');
    for (let i = 0; i < 5000; i++) s = reduceTask(s, { type: 'output', projectId: 'p', taskId: 't', timestamp: 't', output: `line ${i}\n` });
    assert.equal(s.output.length, DEFAULT_LIMITS.maxOutputLines);
    assert.equal(s.droppedOutputLines, 5000 - DEFAULT_LIMITS.maxOutputLines);
  });
});
