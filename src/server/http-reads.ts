/**
 * The server's HTTP reads: snapshots (`…/progress/snapshot?kind=…`) and AInTandem's REST reads
 * (`…/projects/{p}/tasks/{t}`, `…/workflows/executions/{e}`), answered from the log's entity
 * states, with their token check and CORS preflight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadAnswer } from './access.js';
import type { EntityStates, SnapshotQuery } from './entity-states.js';
import { isRestPath, restAnswer, restProject } from './rest.js';

const SNAPSHOT_PATH = '/progress/snapshot';
const READ_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
/** The answer to a CORS preflight: loaders send `Authorization`, which a cross-origin GET may only do after one. */
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'authorization, accept',
};

/**
 * An entity the server has no state of: 204 No Content, not 404, so that a page viewing a task
 * that has just been created logs no failed request (the client's loaders read 204 as "nothing
 * known"). 404 stays for paths that are not endpoints. A read that names a project the token may
 * not see gets 403; one that names no project (an execution by id) and finds another project's
 * gets this same answer, which tells nothing of what exists there.
 */
function answerUnknown(response: ServerResponse): void {
  if (response.destroyed || response.headersSent) return;
  const { 'content-type': _type, ...headers } = READ_HEADERS;
  response.writeHead(204, headers);
  response.end();
}

function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { ...READ_HEADERS, ...headers });
  // HEAD: the same answer without its body.
  response.end(response.req?.method === 'HEAD' ? undefined : JSON.stringify(body));
}

/** The token of an HTTP read: `Authorization: Bearer …`, else the `token` query parameter. */
function httpToken(request: IncomingMessage, params: URLSearchParams): string | undefined {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return bearer ? bearer[1] : (params.get('token') ?? undefined);
}

/** The entity a snapshot request names, or undefined when it names none. */
function snapshotQuery(params: URLSearchParams): SnapshotQuery | undefined {
  const get = (name: string) => params.get(name) ?? undefined;
  const projectId = get('projectId');
  switch (get('kind')) {
    case 'task': {
      const taskId = get('taskId');
      return projectId !== undefined && taskId !== undefined ? { kind: 'task', projectId, taskId } : undefined;
    }
    case 'workflow': {
      const executionId = get('executionId');
      const workflowId = get('workflowId');
      if (executionId === undefined && workflowId === undefined) return undefined;
      const query: SnapshotQuery = { kind: 'workflow' };
      if (projectId !== undefined) query.projectId = projectId;
      if (executionId !== undefined) query.executionId = executionId;
      if (workflowId !== undefined) query.workflowId = workflowId;
      return query;
    }
    case 'container': {
      const containerId = get('containerId');
      return projectId !== undefined && containerId !== undefined ? { kind: 'container', projectId, containerId } : undefined;
    }
    default:
      return undefined;
  }
}

/** What `token` may read; never rejects. */
export type ReadAuthorisation = (token: string | undefined, request: IncomingMessage) => Promise<ReadAnswer>;

function answerForbidden(response: ServerResponse): void {
  answerJson(response, 403, { error: 'forbidden' });
}

/**
 * Answers a snapshot or REST read (or its preflight); returns false for any other request, which
 * is left untouched.
 */
export function handleRead(request: IncomingMessage, response: ServerResponse, states: EntityStates, authorise: ReadAuthorisation): boolean {
  if ((request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') || !request.url) return false;
  let url: URL;
  try {
    url = new URL(request.url, 'http://localhost');
  } catch {
    answerJson(response, 400, { error: 'bad request URL' });
    return true;
  }
  if (!url.pathname.endsWith(SNAPSHOT_PATH) && !isRestPath(url.pathname)) return false;
  if (request.method === 'OPTIONS') {
    response.writeHead(204, PREFLIGHT_HEADERS);
    response.end();
    return true;
  }
  answerRead(request, response, url, states, authorise).catch(() => answerJson(response, 503, { error: 'states unavailable' }));
  return true;
}

async function answerRead(request: IncomingMessage, response: ServerResponse, url: URL, states: EntityStates, authorise: ReadAuthorisation): Promise<void> {
  const answer = await authorise(httpToken(request, url.searchParams), request);
  if (!answer.ok) {
    answerJson(response, 401, { error: answer.reason === 'expired' ? 'token expired' : 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const { access } = answer;
  if (url.pathname.endsWith(SNAPSHOT_PATH)) {
    const query = snapshotQuery(url.searchParams);
    if (!query) {
      answerJson(response, 400, { error: 'kind and ids are required' });
      return;
    }
    // A read that names its project is refused before anything is looked up.
    if (query.projectId !== undefined && !access.allows(query.projectId)) {
      answerForbidden(response);
      return;
    }
    // A workflow named without its project: the latest among the projects the token may see.
    const state = await states.snapshot(query, (projectId) => access.allows(projectId));
    // A workflow found without its project: another project's is answered as one not known, so
    // that a token cannot learn which executions exist elsewhere.
    if (state && access.allows(state.projectId)) answerJson(response, 200, state);
    else answerUnknown(response);
    return;
  }
  const named = restProject(url.pathname);
  if (named !== undefined && !access.allows(named)) {
    answerForbidden(response);
    return;
  }
  const answered = await restAnswer(states, url.pathname);
  if (answered === undefined) answerJson(response, 404, { error: 'not found' });
  else if (answered === 'bad') answerJson(response, 400, { error: 'ids in the path must be valid percent-encoding' });
  // A path that names no project (an execution): another project's reads as one not known.
  else if (answered === 'unknown' || !access.allows(answered.projectId)) answerUnknown(response);
  else answerJson(response, 200, answered.body);
}

