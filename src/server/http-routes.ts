/**
 * The server's HTTP requests, each to the part that answers it: health, readiness, metrics and
 * publishing (operations.ts), Server-Sent Events streams (sse-requests.ts), the actions on runs
 * (run-actions.ts), task logs (log-reads.ts) and the entity reads (http-reads.ts); and, on an
 * HTTP server the progress server created, what none of them answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityStates } from './entity-states.js';
import { handleRead, type ReadAuthorisation } from './http-reads.js';
import { handleLogRead } from './log-reads.js';
import type { Operations } from './operations.js';
import type { OutputStore } from './output-store.js';
import { handleRunAction, type RunActions } from './run-actions.js';
import { acceptsStream, answerRefusal, type StreamRequests } from './sse-requests.js';

export interface HttpRoutes {
  readonly ops: Operations;
  readonly streams: StreamRequests;
  readonly states: EntityStates;
  readonly actions: RunActions | undefined;
  readonly output: OutputStore | undefined;
  /** What a token may see, as the `authenticate` hook answers. */
  readonly authorise: ReadAuthorisation;
}

/** Answers a request of the server's; false for any other (`handleRequest()` as a middleware). */
export function routeRequest(routes: HttpRoutes, request: IncomingMessage, response: ServerResponse): boolean {
  const { authorise } = routes;
  if (routes.ops.handleRequest(request, response)) return true;
  if (routes.streams.handle(request, response)) return true;
  if (handleRunAction(request, response, { states: routes.states, authorise, actions: routes.actions })) return true;
  if (routes.output && handleLogRead(request, response, { store: routes.output, authorise })) return true;
  return handleRead(request, response, routes.states, authorise);
}

/** Answer plain HTTP requests to a server this module created: 200 for `GET /health`, else 404. */
export function answerPlainRequest(request: IncomingMessage, response: ServerResponse): void {
  if (acceptsStream(request)) {
    // 1006: what a socket's client sees of a refused upgrade.
    answerRefusal(response, { status: 404, reason: 'not found', code: 1006 });
    return;
  }
  const healthy = request.method === 'GET' && request.url?.split('?')[0] === '/health';
  response.writeHead(healthy ? 200 : 404, { 'content-type': 'text/plain' });
  response.end(healthy ? 'ok' : 'not found');
}
