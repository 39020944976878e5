/**
 * Which socket a WebSocket request URL asks for: one project's events, or every project's.
 */

/** The suffix of a per-project socket's path; any prefix (such as `/api`) may come before it. */
const SUBSCRIBE_SEGMENT = '/progress/subscribe/';

export interface Route {
  /** The project whose events the socket receives; undefined for the all-projects path. */
  projectId?: string;
  /** The request's path, without its query string. */
  path: string;
  /** The `token` query parameter, when present. */
  token?: string;
}

/**
 * Match a request URL against the two socket shapes:
 * `{any prefix}/progress/subscribe/{projectId}` and `allPath`.
 * Returns undefined for any other path (and for a project id that is not valid percent-encoding).
 */
export function matchRoute(requestUrl: string | undefined, allPath: string): Route | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
  const path = url.pathname;
  const token = url.searchParams.get('token') ?? undefined;
  const route: Route = { path };
  if (token !== undefined) route.token = token;

  if (path === allPath) return route;

  const at = path.lastIndexOf(SUBSCRIBE_SEGMENT);
  if (at === -1) return undefined;
  const encoded = path.slice(at + SUBSCRIBE_SEGMENT.length);
  if (encoded === '' || encoded.includes('/')) return undefined;
  try {
    route.projectId = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  return route;
}

/** The URL of a project's socket under a server's base URL. */
export function projectPath(projectId: string): string {
  return SUBSCRIBE_SEGMENT + encodeURIComponent(projectId);
}
