/**
 * The HTTP reads of a task's whole log, from the output store:
 * `GET …/projects/{projectId}/tasks/{taskId}/logs?from=&limit=` (a range of lines as JSON) and
 * `GET …/projects/{projectId}/tasks/{taskId}/logs.txt` (every kept line as plain text, streamed
 * as an attachment). Authorised as the server's other reads: the token from
 * `Authorization: Bearer …`, else the `token` query parameter; 401 when it is refused, 403 when
 * it may not see the project; 204 when the store has no log of the task.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_READ_LIMIT, MAX_READ_LIMIT, type OutputReadOptions, type OutputStore } from './output-store.js';

const LOG_PATH = /\/projects\/([^/]+)\/tasks\/([^/]+)\/logs(\.txt)?$/;
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'authorization, accept',
};

/** What a token may read, as the server's other reads decide it (the same grants); never rejects. */
export type LogReadAuthorisation = (
  token: string | undefined,
  request: IncomingMessage,
) => Promise<{ ok: true; access: { allows(projectId: string): boolean } } | { ok: false; reason: string }>;

export interface LogReadOptions {
  store: OutputStore;
  authorise: LogReadAuthorisation;
}

/** Whether a path is one of the log endpoints. */
export function isLogPath(path: string): boolean {
  return LOG_PATH.test(path);
}

function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { ...JSON_HEADERS, ...headers });
  response.end(response.req?.method === 'HEAD' ? undefined : JSON.stringify(body));
}

function answerNothing(response: ServerResponse): void {
  if (response.destroyed || response.headersSent) return;
  const { 'content-type': _type, ...headers } = JSON_HEADERS;
  response.writeHead(204, headers);
  response.end();
}

function httpToken(request: IncomingMessage, params: URLSearchParams): string | undefined {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return bearer ? bearer[1] : (params.get('token') ?? undefined);
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `from` and `limit` of a JSON read: integers, `limit` 0 (the counts only) to `MAX_READ_LIMIT`; undefined when one is not valid. */
function rangeOf(params: URLSearchParams): OutputReadOptions | undefined {
  const options: OutputReadOptions = { limit: DEFAULT_READ_LIMIT };
  const from = params.get('from');
  const limit = params.get('limit');
  if (from !== null && from !== '') {
    if (!/^-?\d{1,15}$/.test(from) || Number(from) === 0) return undefined;
    options.from = Number(from);
  }
  if (limit !== null && limit !== '') {
    if (!/^\d{1,15}$/.test(limit)) return undefined;
    options.limit = Math.min(MAX_READ_LIMIT, Number(limit));
  }
  return options;
}

/** A file name for the download: the task id, with what a header cannot hold replaced. */
function disposition(taskId: string): string {
  const plain = taskId.replace(/[^\w.-]/g, '_').slice(0, 100) || 'task';
  return `attachment; filename="${plain}.log"; filename*=UTF-8''${encodeURIComponent(taskId)}.log`;
}

/**
 * Answers a log read (or its preflight); returns false for any other request, which is left
 * untouched. A store that cannot be reached gets 503.
 */
export function handleLogRead(request: IncomingMessage, response: ServerResponse, options: LogReadOptions): boolean {
  if ((request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') || !request.url) return false;
  let url: URL;
  try {
    url = new URL(request.url, 'http://localhost');
  } catch {
    return false;
  }
  const m = LOG_PATH.exec(url.pathname);
  if (!m) return false;
  if (request.method === 'OPTIONS') {
    response.writeHead(204, PREFLIGHT_HEADERS);
    response.end();
    return true;
  }
  answerLogRead(request, response, url, m, options).catch(() => {
    if (!response.headersSent) answerJson(response, 503, { error: 'output store unavailable' });
    else response.destroy();
  });
  return true;
}

async function answerLogRead(request: IncomingMessage, response: ServerResponse, url: URL, m: RegExpExecArray, options: LogReadOptions): Promise<void> {
  const answer = await options.authorise(httpToken(request, url.searchParams), request);
  if (!answer.ok) {
    answerJson(response, 401, { error: answer.reason === 'expired' ? 'token expired' : 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const projectId = decode(m[1]!);
  const taskId = decode(m[2]!);
  if (projectId === undefined || taskId === undefined) {
    answerJson(response, 400, { error: 'ids in the path must be valid percent-encoding' });
    return;
  }
  if (!answer.access.allows(projectId)) {
    answerJson(response, 403, { error: 'forbidden' });
    return;
  }
  if (m[3] === undefined) {
    const range = rangeOf(url.searchParams);
    if (!range) {
      answerJson(response, 400, { error: `from must be a non-zero integer, limit an integer from 0 (at most ${MAX_READ_LIMIT} are sent)` });
      return;
    }
    const read = await options.store.read(projectId, taskId, range);
    if (!read) answerNothing(response);
    else answerJson(response, 200, read);
    return;
  }
  const download = await options.store.download(projectId, taskId);
  if (!download) {
    answerNothing(response);
    return;
  }
  if (response.destroyed) return;
  response.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-disposition': disposition(taskId),
    'cache-control': 'no-store',
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  await streamTo(response, download);
}

/** Writes the chunks as the client reads them; stops reading the store when the client goes. */
async function streamTo(response: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  let gone = false;
  const onClose = () => (gone = true);
  response.once('close', onClose);
  try {
    for await (const chunk of chunks) {
      if (gone || response.destroyed) return;
      if (!response.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off('drain', done);
            response.off('close', done);
            resolve();
          };
          response.once('drain', done);
          response.once('close', done);
        });
      }
    }
    if (!gone) response.end();
  } finally {
    response.off('close', onClose);
  }
}
