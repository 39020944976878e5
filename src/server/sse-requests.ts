/**
 * The socket URLs answered over HTTP: a `GET` with `Accept: text/event-stream` to
 * `{any prefix}/progress/subscribe/{projectId}` or the all-projects path gets a Server-Sent Events
 * stream of the frames a socket with the same query gets (docs/protocol.md, "Server-Sent
 * Events"). The request is admitted as a socket is (attempt rate, token, project, limits), its
 * token from `Authorization: Bearer` (or `?token=`), its position from `Last-Event-ID` (or the
 * `epoch`+`since` query); a refusal is a plain HTTP answer with a JSON body saying the close code
 * a socket would get.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Refusal } from './admission.js';
import type { Peer } from './peer.js';
import { matchRoute, type Route } from './routes.js';
import { SsePeer, type StreamClock } from './sse-peer.js';

export interface StreamHost {
  /** The all-projects path. */
  readonly path: string;
  /** ms of silence after which a stream gets a comment; 0: none. */
  readonly heartbeat: number;
  readonly clock?: StreamClock;
  /** The log's epoch now: what a `Last-Event-ID` counts in. */
  epoch(): string;
  /** Why no stream starts now (draining, the log unavailable); undefined when one may. */
  unavailable(): Refusal | undefined;
  address(request: IncomingMessage): string;
  /** The attempt rate: a refusal past it. */
  attempt(address: string, path: string): Refusal | undefined;
  /** Checks the token and the limits: a refusal, or what makes the stream a client. */
  admit(route: Route, token: string | undefined, request: IncomingMessage, address: string): Promise<Refusal | ((peer: Peer) => void)>;
  /** A request refused past the attempt rate or after its token was checked (for the observer). */
  refused(code: number): void;
}

/** What a request waiting for its token check is answered when the server begins draining. */
export const DRAINING: Refusal = { code: 1012, reason: 'draining', status: 503 };

const STREAM_TYPE = 'text/event-stream';
/** The preflight of a cross-origin stream: its client sends `Authorization` and `Last-Event-ID`. */
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'authorization, accept, last-event-id, cache-control',
  'access-control-max-age': '600',
};

/** Whether a request's `Accept` header takes a stream. */
export function acceptsStream(request: IncomingMessage): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes(STREAM_TYPE);
}

/** A refusal as an HTTP answer: `{ error, code }`, never cached. */
export function answerRefusal(response: ServerResponse, { status, reason, code }: Refusal): void {
  if (response.destroyed || response.headersSent) return;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  response.writeHead(status, headers);
  response.end(JSON.stringify({ error: reason, code }));
}

/** The token of a stream's request: `Authorization: Bearer …`, else the route's `token` query parameter. */
function streamToken(request: IncomingMessage, route: Route): string | undefined {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return bearer ? bearer[1] : route.token;
}

/** `Last-Event-ID` read as `since` in the current epoch, unless the query says a position. */
function withLastEventId(route: Route, request: IncomingMessage, epoch: () => string): Route {
  if (route.epoch !== undefined) return route;
  const header = request.headers['last-event-id'];
  const text = typeof header === 'string' ? header.trim() : '';
  if (!/^\d{1,16}$/.test(text)) return route;
  const since = Number(text);
  return Number.isSafeInteger(since) ? { ...route, epoch: epoch(), since } : route;
}

export class StreamRequests {
  readonly #host: StreamHost;
  /** Requests whose token is being checked. */
  readonly #pending = new Set<ServerResponse>();

  constructor(host: StreamHost) {
    this.#host = host;
  }

  /** Requests waiting for their token check now. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Takes the stream requests (and their preflights and wrong `Accept`s) to the socket URLs; false for other requests. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    if ((request.method !== 'GET' && request.method !== 'OPTIONS') || request.headers.upgrade !== undefined) return false;
    const matched = matchRoute(request.url, this.#host.path);
    if (!matched) return false;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, PREFLIGHT_HEADERS);
      response.end();
      return true;
    }
    if (!acceptsStream(request)) {
      answerRefusal(response, { status: 406, reason: `not acceptable: send Accept: ${STREAM_TYPE}, or upgrade to a WebSocket`, code: 1003 });
      return true;
    }
    const host = this.#host;
    const unavailable = host.unavailable();
    if (unavailable) {
      answerRefusal(response, unavailable);
      return true;
    }
    const address = host.address(request);
    const tooMany = host.attempt(address, matched.path);
    if (tooMany) {
      answerRefusal(response, tooMany);
      host.refused(tooMany.code);
      return true;
    }
    const route = withLastEventId(matched, request, () => host.epoch());
    const pending = this.#pending;
    pending.add(response);
    const gone = () => pending.delete(response);
    response.once('close', gone);
    void host.admit(route, streamToken(request, route), request, address).then((verdict) => {
      response.off('close', gone);
      // Gone meanwhile (its client, or close()), or answered 503 by drain().
      if (!pending.delete(response) || response.destroyed || response.headersSent) return;
      if (typeof verdict === 'function') {
        verdict(new SsePeer(request, response, { heartbeat: host.heartbeat, ...(host.clock ? { clock: host.clock } : {}) }));
        return;
      }
      answerRefusal(response, verdict);
      host.refused(verdict.code);
    });
    return true;
  }

  /** The server begins draining: the requests still waiting for their token check get 503. */
  refusePending(): void {
    for (const response of this.#pending) answerRefusal(response, DRAINING);
    this.#pending.clear();
  }

  /** The server closes: the requests still waiting are cut. */
  close(): void {
    for (const response of this.#pending) response.destroy();
    this.#pending.clear();
  }
}
