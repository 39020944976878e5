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
  /** `batch=1`: the client accepts frames holding an array of events (docs/protocol.md). */
  batch: boolean;
  /** `resume=1`: the client understands sequence numbers and the session frame. */
  resume: boolean;
  /** `auth=message`: the token comes in the first message (`{"type":"auth","token"}`), not in the URL. */
  authByMessage: boolean;
  /** `epoch` and `since`: the client's position in the server's sequence. */
  epoch?: string;
  since?: number;
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
  const params = url.searchParams;
  const token = params.get('token') ?? undefined;
  const route: Route = { path, batch: params.get('batch') === '1', resume: params.get('resume') === '1', authByMessage: params.get('auth') === 'message' };
  if (token !== undefined) route.token = token;
  const epoch = params.get('epoch');
  const since = Number(params.get('since') ?? NaN);
  if (epoch !== null && Number.isSafeInteger(since)) {
    route.epoch = epoch;
    route.since = since;
  }

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
