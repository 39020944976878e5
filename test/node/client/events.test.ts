import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONTAINER_EVENT_TYPES,
  isContainerEvent,
  isProgressEvent,
  isTaskEvent,
  isWorkflowEvent,
  TASK_EVENT_TYPES,
  WORKFLOW_EVENT_TYPES,
} from '../../../src/client/index.js';

type Kind = 'task' | 'workflow' | 'container' | 'none';
const table: [string, Kind][] = [
  ['task_queued', 'task'],
  ['task_started', 'task'],
  ['step_progress', 'task'],
  ['output', 'task'],
  ['artifact', 'task'],
  ['task_completed', 'task'],
  ['task_failed', 'task'],
  ['task_cancelled', 'task'],
  ['workflow_execution_created', 'workflow'],
  ['workflow_execution_started', 'workflow'],
  ['workflow_phase_started', 'workflow'],
  ['workflow_phase_completed', 'workflow'],
  ['workflow_execution_completed', 'workflow'],
  ['workflow_execution_failed', 'workflow'],
  ['workflow_execution_paused', 'workflow'],
  ['workflow_execution_resumed', 'workflow'],
  ['container_created', 'container'],
  ['container_started', 'container'],
  ['container_stopped', 'container'],
  ['container_error', 'container'],
  // Near misses that prefix tests would get wrong, and connection/heartbeat messages.
  ['task_', 'none'],
  ['task_unknown', 'none'],
  ['workflow_', 'none'],
  ['container_paused', 'none'],
  ['sandbox_created', 'none'],
  ['connected', 'none'],
  ['disconnected', 'none'],
  ['error', 'none'],
  ['heartbeat', 'none'],
  ['ping', 'none'],
  ['pong', 'none'],
  ['', 'none'],
];

describe('event type guards', () => {
  for (const [type, kind] of table) {
    it(`${JSON.stringify(type)} is ${kind === 'none' ? 'not a progress event' : `a ${kind} event only`}`, () => {
      const e = { type, projectId: 'p', timestamp: 't' };
      assert.equal(isTaskEvent(e), kind === 'task');
      assert.equal(isWorkflowEvent(e), kind === 'workflow');
      assert.equal(isContainerEvent(e), kind === 'container');
      assert.equal(isProgressEvent(e), kind !== 'none');
    });
  }

  it('the table covers every declared type', () => {
    const declared = [...TASK_EVENT_TYPES, ...WORKFLOW_EVENT_TYPES, ...CONTAINER_EVENT_TYPES];
    assert.equal(declared.length, 20);
    for (const type of declared) assert.ok(table.some(([t]) => t === type), type);
  });

  it('rejects values that are not events', () => {
    for (const v of [null, undefined, {}, { type: 5 }, { type: null }]) {
      assert.equal(isProgressEvent(v as never), false);
    }
  });
});
