/**
 * The HTTP side of the actions on runs, in AInTandem's REST shape:
 * `POST …/projects/{projectId}/tasks/{taskId}/cancel` and
 * `POST …/workflows/executions/{executionId}/pause|resume|cancel` (any prefix, such as `/api/v1`,
 * before them), with their CORS preflight. A request is authorised from its
 * `Authorization: Bearer` header only (never a token in the URL), checked against the run's
 * project, and handed to the `RunActions` the server was given; what the action then did comes as
 * the run's events, published by whatever carries it out (docs/protocol.md, "Actions on runs").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunAction, RunRef } from '../protocol/entity.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import type { EntityStates } from './entity-states.js';

/** What carrying out an action answers: taken, a run it does not know, or a run not in a state for it. */
export type RunActionResult = 'accepted' | 'unknown' | 'conflict';

/**
 * What carries out the actions the server takes (the simulator does; a backend's would call its
 * orchestrator). Each answers once it has taken the action, or why not; the events that say what
 * happened are published by it (or by what it calls), not by the server. Throwing (or rejecting)
 * answers 500.
 */
export interface RunActions {
  cancelTask(projectId: string, taskId: string): RunActionResult | Promise<RunActionResult>;
  pauseExecution(executionId: string): RunActionResult | Promise<RunActionResult>;
  resumeExecution(executionId: string): RunActionResult | Promise<RunActionResult>;
  cancelExecution(executionId: string): RunActionResult | Promise<RunActionResult>;
}

/** Which projects an authorised token may act in. */
export interface ProjectAccess {
  allows(projectId: string): boolean;
}

/** Access to every project: what a token accepted by a yes-or-no `authenticate` hook gets. */
export const EVERY_PROJECT: ProjectAccess = Object.freeze({ allows: () => true });

export type RunActionVerdict = { ok: true; access: ProjectAccess } | { ok: false; reason: 'refused' | 'expired' | 'invalid' };

/** Decides what the bearer of `token` may act on; resolves (never rejects) with the verdict. */
export type RunActionAuthorisation = (token: string | undefined, request: IncomingMessage) => Promise<RunActionVerdict>;

export interface RunActionContext {
  /** The log's entity states: the project of an execution, and the state a refusal names. */
  states: EntityStates;
  authorise: RunActionAuthorisation;
  /** What carries the actions out; without it every action is answered 501. */
  actions: RunActions | undefined;
}

const TASK_CANCEL = /\/projects\/([^/]+)\/tasks\/([^/]+)\/cancel$/;
const EXECUTION_ACTION = /\/workflows\/executions\/([^/]+)\/(pause|resume|cancel)$/;

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'authorization, accept, content-type',
  'access-control-max-age': '600',
  'cache-control': 'no-store',
};
const ALLOW = 'POST, OPTIONS';

/** A run action's path, its ids still percent-encoded. */
interface ActionPath {
  action: RunAction;
  kind: RunRef['kind'];
  encoded: string[];
}

function actionPath(path: string): ActionPath | undefined {
  const task = TASK_CANCEL.exec(path);
  if (task) return { action: 'cancel', kind: 'task', encoded: [task[1]!, task[2]!] };
  const execution = EXECUTION_ACTION.exec(path);
  if (execution) return { action: execution[2] as RunAction, kind: 'workflow', encoded: [execution[1]!] };
  return undefined;
}

/** The run a path names, its ids decoded; undefined when one is not valid percent-encoding. */
function runOf(path: ActionPath): RunRef | undefined {
  let ids: string[];
  try {
    ids = path.encoded.map((id) => decodeURIComponent(id));
  } catch {
    return undefined;
  }
  return path.kind === 'task' ? { kind: 'task', projectId: ids[0]!, taskId: ids[1]! } : { kind: 'workflow', executionId: ids[0]! };
}

/** The token of an action: `Authorization: Bearer …` only. */
function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { ...HEADERS, ...headers });
  response.end(response.req?.method === 'HEAD' ? undefined : JSON.stringify(body));
}

const refuse = (response: ServerResponse, status: number, error: string, headers?: Record<string, string>) => answer(response, status, { error }, headers);

const PAST: Record<RunAction, string> = { cancel: 'cancelled', pause: 'paused', resume: 'resumed' };

/** Why a run is not in a state for the action, from its state as the log knows it. */
function conflictReason(run: RunRef, action: RunAction, state: EntityState | undefined): string {
  const noun = run.kind === 'task' ? 'task' : 'workflow';
  return state && state.kind === run.kind ? `the ${noun} is ${state.status}` : `the ${noun} cannot be ${PAST[action]} now`;
}

function carryOut(actions: RunActions, run: RunRef, action: RunAction): RunActionResult | Promise<RunActionResult> {
  if (run.kind === 'task') return actions.cancelTask(run.projectId, run.taskId);
  if (action === 'pause') return actions.pauseExecution(run.executionId);
  if (action === 'resume') return actions.resumeExecution(run.executionId);
  return actions.cancelExecution(run.executionId);
}

/**
 * Answers a run action or its preflight; returns false for any other request, which is left
 * untouched. Answers: 202 taken; 400 ids that are not valid percent-encoding; 401 a missing,
 * refused or expired token (with `WWW-Authenticate: Bearer`); 403 a token that may not act in the
 * task's project (named in the path); 404 a run not known, or an execution of a project the token
 * may not see (so the answer does not tell that it exists); 405 another method; 409 a run not in
 * a state for the action; 501 a server without `actions`; 503 the states unreachable. Every answer is JSON,
 * `no-store`, with `Access-Control-Allow-Origin: *`; refusals carry `{"error":"…"}`, never the token.
 */
export function handleRunAction(request: IncomingMessage, response: ServerResponse, context: RunActionContext): boolean {
  if (!request.url) return false;
  let pathname: string;
  try {
    pathname = new URL(request.url, 'http://localhost').pathname;
  } catch {
    return false;
  }
  const path = actionPath(pathname);
  if (!path) return false;
  if (request.method === 'OPTIONS') {
    response.writeHead(204, PREFLIGHT_HEADERS);
    response.end();
    return true;
  }
  if (request.method !== 'POST') {
    refuse(response, 405, `${path.action} takes POST`, { allow: ALLOW });
    return true;
  }
  act(request, response, path, context).catch(() => refuse(response, 500, `the ${path.action} failed`));
  return true;
}

async function act(request: IncomingMessage, response: ServerResponse, path: ActionPath, context: RunActionContext): Promise<void> {
  const token = bearerToken(request);
  const verdict = await context.authorise(token, request).catch((): RunActionVerdict => ({ ok: false, reason: 'refused' }));
  if (!verdict.ok) {
    if (token === undefined) refuse(response, 401, 'a Bearer token is required', { 'www-authenticate': 'Bearer' });
    else refuse(response, 401, verdict.reason === 'expired' ? 'the token has expired' : 'the token was refused', { 'www-authenticate': 'Bearer error="invalid_token"' });
    return;
  }
  const run = runOf(path);
  if (!run) return refuse(response, 400, 'ids in the path must be valid percent-encoding');
  const { actions, states } = context;
  if (!actions) return refuse(response, 501, 'this server takes no actions on runs');

  if (run.kind === 'task') {
    if (!verdict.access.allows(run.projectId)) return refuse(response, 403, `the token may not act on runs of this project`);
  } else {
    // The execution's project, as the log knows it: the token must be allowed there. Another
    // project's execution is refused as one not known: the answer does not tell it exists.
    const state = await readState(states, run);
    if (state === 'unavailable') return refuse(response, 503, 'states unavailable');
    if (state?.kind !== 'workflow' || !verdict.access.allows(state.projectId)) return refuse(response, 404, 'unknown workflow execution');
  }

  const result = await carryOut(actions, run, path.action);
  if (result === 'accepted') return answer(response, 202, { accepted: path.action });
  if (result === 'unknown') return refuse(response, 404, run.kind === 'task' ? 'unknown task' : 'unknown workflow execution');
  if (result === 'conflict') {
    const state = await readState(states, run);
    return refuse(response, 409, conflictReason(run, path.action, state === 'unavailable' ? undefined : state));
  }
  throw new TypeError('a run action answered neither accepted, unknown nor conflict');
}

async function readState(states: EntityStates, run: RunRef): Promise<EntityState | undefined | 'unavailable'> {
  try {
    return await states.snapshot(run.kind === 'task' ? { kind: 'task', projectId: run.projectId, taskId: run.taskId } : { kind: 'workflow', executionId: run.executionId });
  } catch {
    return 'unavailable';
  }
}
