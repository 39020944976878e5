/**
 * The probes of a deployment, at the root of the server's port: `GET /healthz` answers 200 while
 * the process serves; `GET /readyz` answers 200 while the server takes new sockets and can reach
 * its log, 503 (with the reason) while it drains, closes, or its log is unavailable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Why the server should get no new clients now; undefined when it should. */
export type NotReady = 'draining' | 'closing' | 'progress log unavailable';

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Answers `/healthz` and `/readyz`; returns false for other requests (left untouched). */
export function handleHealth(request: IncomingMessage, response: ServerResponse, notReady: () => NotReady | undefined): boolean {
  const path = pathOf(request.url);
  if (path !== '/healthz' && path !== '/readyz') return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...HEADERS, allow: 'GET, HEAD' });
    response.end(JSON.stringify({ error: 'method not allowed' }));
    return true;
  }
  const reason = path === '/readyz' ? notReady() : undefined;
  response.writeHead(reason === undefined ? 200 : 503, HEADERS);
  response.end(request.method === 'HEAD' ? undefined : JSON.stringify(reason === undefined ? { status: 'ok' } : { status: 'unavailable', reason }));
  return true;
}
