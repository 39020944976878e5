/**
 * Acting on a run through AInTandem's REST API: cancel a task
 * (`POST {base}/projects/{projectId}/tasks/{taskId}/cancel`), pause, resume or cancel a workflow
 * execution (`POST {base}/workflows/executions/{executionId}/pause|resume|cancel`), with the token
 * in the `Authorization: Bearer` header. What the action did is not in the answer: the run's live
 * events say it (`task_cancelled`, `workflow_execution_paused`, …). The client loads this code
 * on its first action.
 */
import type { TokenSource } from './connection/reconnecting-socket.js';
import { ProgressClientError } from './progress-client-error.js';
import type { RunRef } from '../protocol/entity.js';
import { RunActionError, type RunAction, type RunActionErrorCode } from './run-action-error.js';
import { postRunAction } from './run-action-request.js';

export type { RunAction } from './run-action-error.js';
export type { RunRef } from '../protocol/entity.js';

export interface RunActionOptions {
  /** The REST base URL, `/api` included (e.g. `https://host/api`). */
  baseURL?: string | undefined;
  token?: string | undefined;
  getToken?: TokenSource | undefined;
  /** ms to wait for the answer; 0 or undefined: no limit. */
  timeout?: number | undefined;
}

const CODES: Record<number, RunActionErrorCode> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict' };

const WORKFLOW_ACTIONS: ReadonlySet<unknown> = new Set<RunAction>(['cancel', 'pause', 'resume']);

/** The path of an action under the base URL; a ProgressClientError (`invalid_options`) for an action the run does not take, or an id that is not a non-empty string. */
export function runActionPath(run: RunRef, action: RunAction): string {
  const task = run.kind === 'task';
  const ids: unknown[] = task ? [run.projectId, run.taskId] : [run.executionId];
  if (!ids.every((id) => typeof id === 'string' && id !== '') || (task ? action !== 'cancel' : !WORKFLOW_ACTIONS.has(action))) {
    throw new ProgressClientError('invalid_options', `${String(action)} of a ${run.kind}: an action it does not take, or ids that are not non-empty strings`);
  }
  const [a, b] = ids.map((id) => encodeURIComponent(id as string));
  return task ? `/projects/${a}/tasks/${b}/cancel` : `/workflows/executions/${a}/${action}`;
}

/**
 * Sends one action. Resolves with the server's answer (its JSON body, or undefined) when it
 * accepted it (any 2xx); rejects with a RunActionError when it refused, could not be reached, did
 * not answer within `timeout` or no base URL is set, and with a ProgressClientError for an action
 * the run does not take.
 */
export async function sendRunAction(options: RunActionOptions, run: RunRef, action: RunAction): Promise<unknown> {
  const path = runActionPath(run, action);
  if (!options.baseURL) throw new RunActionError('not_configured', action, run, undefined, undefined);
  const url = options.baseURL.replace(/[?#].*$/, '').replace(/\/+$/, '') + path;
  const answer = await postRunAction({ url, token: options.token, getToken: options.getToken, timeout: options.timeout });
  if (answer.status === undefined) {
    const { failed, cause } = answer;
    if (failed === 'token') throw new RunActionError('unauthorized', action, run, undefined, 'the token could not be read', { cause });
    throw new RunActionError(failed, action, run, undefined, undefined, { cause });
  }
  if (answer.status < 200 || answer.status > 299) throw new RunActionError(CODES[answer.status] ?? 'failed', action, run, answer.status, answer.reason);
  return answer.body;
}
