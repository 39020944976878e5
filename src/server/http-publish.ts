/**
 * `POST {any prefix}/progress/events`: a backend publishes events over HTTP, authorised by a
 * publisher key (`Authorization: Bearer <key>`). The body is one event or an array of events as
 * JSON; every event is checked with the client's parser before any is appended (a request with
 * one bad event publishes nothing), and the answer holds their numbers once they are in the log.
 * docs/protocol.md ("Publishing over HTTP") has the requests and answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProgressEvent } from '../protocol/events.js';
import type { BearerKey } from './bearer-key.js';
import { checkEvent } from './frames.js';
import type { BatchAppend } from './log-appender.js';
import { LogUnavailableError } from './progress-log.js';

const EVENTS_PATH = '/progress/events';
/** Default largest body, in bytes. */
export const DEFAULT_MAX_PUBLISH_BYTES = 1024 * 1024;
const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export interface HttpPublishing {
  key: BearerKey;
  /** Largest body in bytes; a larger one gets 413 and is not read further. */
  maxBytes: number;
  /** Appends events that passed `checkEvent`, in their order. */
  append(events: readonly ProgressEvent[]): Promise<BatchAppend>;
}

/** One event of a request that was refused, by its place in the request (0 for a single event). */
export interface RejectedEvent {
  index: number;
  reason: string;
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { ...HEADERS, ...headers });
  response.end(JSON.stringify(body));
}

/** Whether a request is for the publish endpoint: its path, whatever comes before it. */
export function isPublishPath(url: string | undefined): boolean {
  if (!url) return false;
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).endsWith(EVENTS_PATH);
}

/**
 * Answers a request to the publish endpoint; returns false for other requests (left untouched).
 * Without `publishing` (no publisher key configured) the endpoint does not exist: false too.
 */
export function handlePublish(request: IncomingMessage, response: ServerResponse, publishing: HttpPublishing | undefined): boolean {
  if (!publishing || !isPublishPath(request.url)) return false;
  if (request.method !== 'POST') {
    answer(response, 405, { error: 'method not allowed' }, { allow: 'POST' });
    return true;
  }
  // Before the body is read: an unauthorised request costs nothing more.
  if (!publishing.key.allows(request)) {
    answer(response, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    return true;
  }
  void publishBody(request, response, publishing).catch(() => answer(response, 500, { error: 'internal error' }));
  return true;
}

async function publishBody(request: IncomingMessage, response: ServerResponse, publishing: HttpPublishing): Promise<void> {
  const body = await readBody(request, publishing.maxBytes);
  if (body === 'too_large') {
    tooLarge(request, response, publishing.maxBytes);
    return;
  }
  if (body === 'aborted') return;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    answer(response, 400, { error: 'the body is not JSON' });
    return;
  }
  const events = Array.isArray(value) ? value : [value];
  const rejected: RejectedEvent[] = [];
  events.forEach((event, index) => {
    try {
      checkEvent(event);
    } catch (error) {
      rejected.push({ index, reason: (error as Error).message });
    }
  });
  if (rejected.length > 0) {
    answer(response, 400, { error: 'invalid events; none was published', rejected });
    return;
  }
  const appended = await publishing.append(events as ProgressEvent[]);
  if (appended.ok) {
    answer(response, 200, { seqs: appended.seqs });
    return;
  }
  const unavailable = appended.error instanceof LogUnavailableError;
  answer(
    response,
    unavailable ? 503 : 500,
    { error: unavailable ? 'progress log unavailable' : 'the log failed to append', seqs: appended.seqs },
    unavailable ? { 'retry-after': '1' } : {},
  );
}

/** 413, and the connection closed after it: the rest of the body is not read. */
function tooLarge(request: IncomingMessage, response: ServerResponse, maxBytes: number): void {
  answer(response, 413, { error: `the body is larger than ${maxBytes} bytes` }, { connection: 'close' });
  response.once('finish', () => request.socket.destroy());
}

/** The body as text; `too_large` as soon as it passes `maxBytes` (then nothing more is read). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string | 'too_large' | 'aborted'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve('too_large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: string | 'too_large' | 'aborted'): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAborted);
      request.off('close', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        request.pause();
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size).toString('utf8'));
    const onAborted = (): void => finish('aborted');
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', onAborted);
    request.once('close', onAborted);
  });
}
