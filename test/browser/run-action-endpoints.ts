/**
 * The run actions' endpoints, as the tests' stand-in for the reference server's (which does not
 * have them yet): `POST …/projects/{p}/tasks/{t}/cancel` and
 * `POST …/workflows/executions/{e}/pause|resume|cancel`, with their CORS preflight. Each request
 * is recorded, checked as the server will check it (the token, then the run as the server's log
 * knows it), answered (202; 401, 404 or 409), and an accepted one is carried out by publishing
 * the run's event through the reference server, as its simulator will. While `held`, requests
 * wait unanswered (a slow server), and are handled in order when released.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProgressEvent, WorkflowEvent } from '../../src/client/events.js';
import type { EntityState } from '../../src/client/state/progress-store.js';
import type { FaultServer } from '../node/helpers/fault-server.js';

export interface RecordedAction {
  method: string;
  /** The path and query, as requested. */
  url: string;
  authorization: string | undefined;
  /** The answer's status (undefined while held). */
  status?: number;
}

export interface ActionEndpoints {
  /** Answers a run action or its preflight; false for any other request. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  readonly requests: RecordedAction[];
  hold(held: boolean): void;
}

const TASK = /\/projects\/([^/]+)\/tasks\/([^/]+)\/cancel$/;
const EXECUTION = /\/workflows\/executions\/([^/]+)\/(pause|resume|cancel)$/;

const HEADERS = { 'content-type': 'application/json', 'access-control-allow-origin': '*' };
const PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'authorization, accept, content-type',
};

/** What a run's state allows, as the server decides it. */
function allowed(state: EntityState, action: string): boolean {
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
function outcome(state: EntityState, action: string): ProgressEvent {
  const timestamp = new Date().toISOString();
  if (state.kind === 'task') return { type: 'task_cancelled', projectId: state.projectId, taskId: state.taskId, timestamp };
  if (state.kind !== 'workflow') throw new TypeError('not a run');
  const base = { projectId: state.projectId, workflowId: state.workflowId, executionId: state.executionId, timestamp };
  if (action === 'pause') return { type: 'workflow_execution_paused', ...base };
  if (action === 'resume') return { type: 'workflow_execution_resumed', ...base };
  return { type: 'workflow_execution_failed', ...base, error: 'Cancelled', status: 'cancelled' } as WorkflowEvent;
}

export function createActionEndpoints(server: () => FaultServer | undefined, authorise: (token: string | undefined) => boolean): ActionEndpoints {
  const requests: RecordedAction[] = [];
  let held = false;
  const waiting: (() => void)[] = [];

  const answer = (response: ServerResponse, record: RecordedAction, status: number, body: unknown) => {
    record.status = status;
    response.writeHead(status, HEADERS);
    response.end(JSON.stringify(body));
  };

  async function act(request: IncomingMessage, response: ServerResponse, record: RecordedAction, path: string): Promise<void> {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
    if (!authorise(bearer?.[1])) return answer(response, record, 401, { error: 'unauthorized' });
    const progress = server();
    if (!progress) return answer(response, record, 503, { error: 'server stopped' });
    const task = TASK.exec(path);
    const execution = EXECUTION.exec(path);
    const action = task ? 'cancel' : execution![2]!;
    const query = task
      ? ({ kind: 'task', projectId: decodeURIComponent(task[1]!), taskId: decodeURIComponent(task[2]!) } as const)
      : ({ kind: 'workflow', executionId: decodeURIComponent(execution![1]!) } as const);
    const state = await progress.log.states.snapshot(query);
    if (!state) return answer(response, record, 404, { error: `unknown ${query.kind}` });
    if (!allowed(state, action)) return answer(response, record, 409, { error: `the ${query.kind} is ${state.status}` });
    answer(response, record, 202, { accepted: action });
    // Carried out after the answer, as a real orchestrator does.
    setImmediate(() => progress.publish(outcome(state, action)));
  }

  return {
    requests,
    hold(next) {
      held = next;
      if (!held) for (const run of waiting.splice(0)) run();
    },
    handle(request, response) {
      const url = request.url ?? '';
      const path = url.split('?')[0]!;
      if (!TASK.test(path) && !EXECUTION.test(path)) return false;
      if (request.method === 'OPTIONS') {
        response.writeHead(204, PREFLIGHT);
        response.end();
        return true;
      }
      if (request.method !== 'POST') {
        response.writeHead(405, { ...HEADERS, allow: 'POST' });
        response.end(JSON.stringify({ error: 'method not allowed' }));
        return true;
      }
      const record: RecordedAction = { method: request.method, url, authorization: request.headers.authorization };
      requests.push(record);
      const run = () => void act(request, response, record, path).catch(() => answer(response, record, 500, { error: 'failed' }));
      if (held) waiting.push(run);
      else run();
      return true;
    },
  };
}
