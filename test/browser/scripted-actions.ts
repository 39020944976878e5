/**
 * The run actions as the browser tests' servers take them: the reference server's own endpoints
 * (`actions`), carried out for the runs the tests script (events published by hand, no
 * simulator), and every action request recorded as it reached the server. A taken action is
 * decided from the run's state as the server's log knows it, answered, then carried out by
 * publishing the run's event, as an orchestrator would. While `held`, actions that passed the
 * server's checks wait unanswered (a slow backend), and are carried out in order when released.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { ProgressEvent, WorkflowEvent } from '../../src/protocol/events.js';
import type { EntityState } from '../../src/protocol/state/progress-store.js';
import type { RunActionResult, RunActions } from '../../src/server/index.js';
import type { FaultServer } from '../node/helpers/fault-server.js';

export interface RecordedAction {
  method: string;
  /** The path and query, as requested. */
  url: string;
  authorization: string | undefined;
  /** The answer's status (undefined until it is sent). */
  status?: number;
}

export interface ScriptedActions {
  /** For the progress server's `actions` option. */
  readonly actions: RunActions;
  /** Records the action requests (POST and the others, not preflights) that reach `http`, and their answers. */
  record(http: HttpServer): void;
  readonly requests: RecordedAction[];
  hold(held: boolean): void;
}

const ACTION_PATH = /\/(projects\/[^/]+\/tasks\/[^/]+\/cancel|workflows\/executions\/[^/]+\/(pause|resume|cancel))$/;

type Action = 'cancel' | 'pause' | 'resume';

/** What a run's state allows, as the backend decides it. */
function allowed(state: EntityState, action: Action): boolean {
  if (state.kind === 'task') return state.status === 'queued' || state.status === 'running';
  if (state.kind !== 'workflow') return false;
  if (action === 'pause') return state.status === 'running';
  if (action === 'resume') return state.status === 'paused';
  return state.status !== 'completed' && state.status !== 'failed' && state.status !== 'cancelled';
}

/**
 * The event that says the action happened. A cancelled execution has no event of its own in the
 * wire format: it ends with `workflow_execution_failed` marked `status: "cancelled"`.
 */
function outcome(state: EntityState, action: Action): ProgressEvent {
  const timestamp = new Date().toISOString();
  if (state.kind === 'task') return { type: 'task_cancelled', projectId: state.projectId, taskId: state.taskId, timestamp };
  if (state.kind !== 'workflow') throw new TypeError('not a run');
  const base = { projectId: state.projectId, workflowId: state.workflowId, executionId: state.executionId, timestamp };
  if (action === 'pause') return { type: 'workflow_execution_paused', ...base };
  if (action === 'resume') return { type: 'workflow_execution_resumed', ...base };
  return { type: 'workflow_execution_failed', ...base, error: 'Cancelled', status: 'cancelled' } as WorkflowEvent;
}

export function createScriptedActions(server: () => FaultServer | undefined): ScriptedActions {
  const requests: RecordedAction[] = [];
  let held = false;
  const waiting: (() => void)[] = [];

  async function act(query: { kind: 'task'; projectId: string; taskId: string } | { kind: 'workflow'; executionId: string }, action: Action): Promise<RunActionResult> {
    if (held) await new Promise<void>((resolve) => waiting.push(resolve));
    const progress = server();
    if (!progress) throw new Error('the progress server is stopped');
    const state = await progress.log.states.snapshot(query);
    if (!state || state.kind !== query.kind) return 'unknown';
    if (!allowed(state, action)) return 'conflict';
    // Carried out after the answer, as a real orchestrator does.
    setImmediate(() => progress.publish(outcome(state, action)));
    return 'accepted';
  }

  return {
    requests,
    actions: {
      cancelTask: (projectId, taskId) => act({ kind: 'task', projectId, taskId }, 'cancel'),
      pauseExecution: (executionId) => act({ kind: 'workflow', executionId }, 'pause'),
      resumeExecution: (executionId) => act({ kind: 'workflow', executionId }, 'resume'),
      cancelExecution: (executionId) => act({ kind: 'workflow', executionId }, 'cancel'),
    },
    record(http) {
      // Before the server's own handler: what reached it, whatever it then answers.
      http.prependListener('request', (request: IncomingMessage, response) => {
        const url = request.url ?? '';
        if (request.method === 'OPTIONS' || !ACTION_PATH.test(url.split('?')[0]!)) return;
        const record: RecordedAction = { method: request.method ?? '', url, authorization: request.headers.authorization };
        requests.push(record);
        response.once('finish', () => (record.status = response.statusCode));
      });
    },
    hold(next) {
      held = next;
      if (!held) for (const release of waiting.splice(0)) release();
    },
  };
}
