import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFrame, ProgressStore, type ProgressEvent, type RejectionReason, type TaskState } from '../../../src/client/index.js';

const ts = '2026-01-01T00:00:00.000Z';
const ok = (frame: unknown) => {
  const r = parseFrame(JSON.stringify(frame));
  assert.ok(r.ok, r.ok ? '' : r.rejection.message);
  return r.message;
};
const rejected = (data: unknown, reason: RejectionReason, field?: string) => {
  const r = parseFrame(typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
  assert.equal(r.ok, false, `expected a rejection (${reason})`);
  if (!r.ok) {
    assert.equal(r.rejection.reason, reason, r.rejection.message);
    if (field) assert.equal(r.rejection.field, field);
    assert.equal(typeof r.rejection.message, 'string');
  }
};

describe('parseFrame', () => {
  it('accepts every event type with its required fields', () => {
    const base = { projectId: 'p', timestamp: ts };
    const valid = [
      { type: 'task_queued', taskId: 't', input: { a: 1 } },
      { type: 'task_started', taskId: 't' },
      { type: 'step_progress', taskId: 't', status: 'running', step: 'build', progress: 50, message: 'm' },
      { type: 'output', taskId: 't', output: 'line\n' },
      { type: 'artifact', taskId: 't', artifact: { path: 'a.txt', type: 'file', size: 3 } },
      { type: 'task_completed', taskId: 't', output: { any: 'thing' }, duration: 12 },
      { type: 'task_failed', taskId: 't', error: 'boom' },
      { type: 'task_cancelled', taskId: 't' },
      { type: 'workflow_execution_created', executionId: 'e', workflowId: 'w' },
      { type: 'workflow_execution_started', executionId: 'e', workflowId: 'w' },
      { type: 'workflow_phase_started', executionId: 'e', workflowId: 'w', phaseId: 'ph', phase: 'Plan' },
      { type: 'workflow_phase_completed', executionId: 'e', workflowId: 'w', phaseId: 'ph' },
      { type: 'workflow_execution_completed', executionId: 'e', workflowId: 'w', duration: 5 },
      { type: 'workflow_execution_failed', executionId: 'e', workflowId: 'w', error: 'x' },
      { type: 'workflow_execution_paused', executionId: 'e', workflowId: 'w' },
      { type: 'workflow_execution_resumed', executionId: 'e', workflowId: 'w' },
      { type: 'container_created', containerId: 'c', image: 'python:3.11' },
      { type: 'container_started', containerId: 'c' },
      { type: 'container_stopped', containerId: 'c', exitCode: 1 },
      { type: 'container_error', containerId: 'c', error: 'oom' },
    ];
    for (const v of valid) assert.equal(ok({ ...base, ...v }).type, v.type);
  });

  it('delivers sandbox_* as the container event, with sandboxId as containerId', () => {
    const m = ok({ type: 'sandbox_stopped', projectId: 'p', timestamp: ts, sandboxId: 's1', exitCode: 0 });
    assert.deepEqual(m, { type: 'container_stopped', projectId: 'p', timestamp: ts, sandboxId: 's1', containerId: 's1', exitCode: 0 });
    const m2 = ok({ type: 'sandbox_created', projectId: 'p', timestamp: ts, containerId: 'c9' });
    assert.equal(m2.type, 'container_created');
    assert.equal((m2 as { containerId: string }).containerId, 'c9');
  });

  it('accepts heartbeat messages', () => {
    assert.equal(ok({ type: 'ping' }).type, 'ping');
    assert.equal(ok({ type: 'pong', timestamp: ts }).type, 'pong');
  });

  it('normalises an error object to its message', () => {
    const m = ok({ type: 'task_failed', projectId: 'p', timestamp: ts, taskId: 't', error: { message: 'disk full', code: 28 } });
    assert.equal((m as { error: string }).error, 'disk full');
  });

  it('keeps a failure whose error is neither a string nor { message }, as text', () => {
    const failed = (error: unknown) => (ok({ type: 'task_failed', projectId: 'p', timestamp: ts, taskId: 't', error }) as { error?: string }).error;
    assert.equal(failed({ code: 'E_QUOTA', retryable: false }), '{"code":"E_QUOTA","retryable":false}');
    assert.equal(failed(28), '28');
    assert.equal(failed(null), undefined);
    assert.equal(failed({ detail: 'x'.repeat(5000) })!.length, 1000);
    const container = ok({ type: 'container_error', projectId: 'p', timestamp: ts, containerId: 'c', error: ['OOM'] }) as { error?: string };
    assert.equal(container.error, '["OOM"]');
  });

  it("accepts a step's output of any kind; only text goes to the task's output tail", () => {
    const step = (output: unknown) => ({ type: 'step_progress', projectId: 'p', timestamp: ts, taskId: 't', stepId: 's', status: 'completed', output });
    assert.deepEqual((ok(step({ rows: 3 })) as { output?: unknown }).output, { rows: 3 });
    assert.equal((ok(step('done\n')) as { output?: unknown }).output, 'done\n');
    const store = new ProgressStore();
    store.apply(ok(step({ rows: 3 })) as ProgressEvent);
    const state = store.apply(ok(step('line\n')) as ProgressEvent) as TaskState;
    assert.deepEqual(state.output, ['line']);
    assert.equal(state.steps[0]!.status, 'completed');
  });

  it('rejects every kind of bad frame with a typed reason', () => {
    rejected('not json', 'not_json');
    rejected('{"type":', 'not_json');
    rejected('', 'not_json');
    rejected('[1,2]', 'not_object');
    rejected('"text"', 'not_object');
    rejected('null', 'not_object');
    rejected('42', 'not_object');
    rejected(new Uint8Array([1, 2, 3]), 'binary');
    rejected({ projectId: 'p' }, 'missing_field', 'type');
    rejected({ type: 7 }, 'missing_field', 'type');
    rejected({ type: 'task_exploded', projectId: 'p', timestamp: ts }, 'unknown_type');
    rejected({ type: 'task_started', timestamp: ts, taskId: 't' }, 'missing_field', 'projectId');
    rejected({ type: 'task_started', projectId: 'p', taskId: 't' }, 'missing_field', 'timestamp');
    rejected({ type: 'task_started', projectId: 'p', timestamp: ts }, 'missing_field', 'taskId');
    rejected({ type: 'task_started', projectId: 'p', timestamp: ts, taskId: 5 }, 'invalid_field', 'taskId');
    rejected({ type: 'task_started', projectId: 3, timestamp: ts, taskId: 't' }, 'invalid_field', 'projectId');
    rejected({ type: 'step_progress', projectId: 'p', timestamp: ts, taskId: 't' }, 'missing_field', 'status');
    rejected({ type: 'step_progress', projectId: 'p', timestamp: ts, taskId: 't', status: 'exploded' }, 'invalid_field', 'status');
    rejected({ type: 'step_progress', projectId: 'p', timestamp: ts, taskId: 't', status: 'running', progress: '50' }, 'invalid_field', 'progress');
    rejected({ type: 'step_progress', projectId: 'p', timestamp: ts, taskId: 't', status: 'running', message: {} }, 'invalid_field', 'message');
    rejected({ type: 'output', projectId: 'p', timestamp: ts, taskId: 't' }, 'missing_field', 'output');
    rejected({ type: 'artifact', projectId: 'p', timestamp: ts, taskId: 't', artifact: [] }, 'invalid_field', 'artifact');
    rejected({ type: 'artifact', projectId: 'p', timestamp: ts, taskId: 't', artifact: { type: 'file' } }, 'invalid_field', 'artifact.path');
    rejected({ type: 'workflow_phase_started', projectId: 'p', timestamp: ts, executionId: 'e', workflowId: 'w' }, 'missing_field', 'phaseId');
    rejected({ type: 'container_stopped', projectId: 'p', timestamp: ts, containerId: 'c', exitCode: 'one' }, 'invalid_field', 'exitCode');
    rejected({ type: 'sandbox_started', projectId: 'p', timestamp: ts }, 'missing_field', 'containerId');
  });

  it('rejects a frame over the size limit without parsing it', () => {
    const big = JSON.stringify({ type: 'output', projectId: 'p', timestamp: ts, taskId: 't', output: 'x'.repeat(2000) });
    const r = parseFrame(big, 1000);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.rejection.reason, 'too_large');
      assert.equal(r.rejection.size, big.length);
    }
  });

  it('treats __proto__ and constructor keys as plain data', () => {
    const frame = '{"type":"task_started","projectId":"p","timestamp":"t","taskId":"t","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}';
    const r = parseFrame(frame);
    assert.ok(r.ok);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  it('never throws, whatever it is given', () => {
    for (const v of [undefined, null, 0, {}, [], () => 1, Symbol('s'), new ArrayBuffer(4), '\u0000', '{"type":"ping"}'.repeat(3)]) {
      assert.doesNotThrow(() => parseFrame(v as never));
    }
  });
});
