/**
 * `--allowed-origins`: a browser says which page a request comes from in its `Origin` header; one
 * from a page not listed is refused. Requests without the header (not from a browser, or a
 * same-origin GET) are let through: the token decides for them.
 */
import type { IncomingMessage } from 'node:http';

/** A test of a request's origin, or undefined when every origin is allowed. */
export function originCheck(allowed: readonly string[] | undefined): ((request: IncomingMessage) => boolean) | undefined {
  if (allowed === undefined) return undefined;
  const origins = new Set(allowed);
  return (request) => {
    const origin = request.headers.origin;
    return origin === undefined || origins.has(origin);
  };
}
