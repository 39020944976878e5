/**
 * Socket URLs: checked once, filled in per project, extended with what the client negotiates
 * (docs/protocol.md), and shown anywhere only without their query (which may hold a token).
 */

/** A position in a server's event sequence (docs/protocol.md). */
export interface ResumePosition {
  epoch: string;
  seq: number;
}

/** The placeholder of a per-project socket URL. */
export const PROJECT_PLACEHOLDER = '{projectId}';

/** Removes the token (and every other query parameter) from a URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/** Throws a TypeError unless `url` is a ws:// or wss:// URL (a per-project one may hold `{projectId}`). */
export function checkSocketUrl(url: unknown, who: string): asserts url is string {
  if (typeof url !== 'string' || !/^wss?:\/\/[^/?#]/i.test(url)) throw new TypeError(`${who}: \`url\` must be a ws:// or wss:// URL`);
}

/** A per-project URL with the project filled in. */
export function projectUrl(template: string, projectId: string): string {
  return template.replace(PROJECT_PLACEHOLDER, encodeURIComponent(projectId));
}

/** The HTTP origin that serves a progress socket URL (`ws://h:1/ws` -> `http://h:1`). */
export function httpOriginOf(socketUrl: string): string {
  const [, scheme, host] = /^ws(s?):\/\/([^/?#]+)/i.exec(socketUrl) ?? [];
  if (host === undefined) throw new TypeError('not a ws:// or wss:// URL');
  return `http${scheme?.toLowerCase() ?? ''}://${host}`;
}

export interface Negotiation {
  /** A token to send in the URL (`token=`), or the sign that it comes in the first message (`auth=message`). */
  token?: string | undefined;
  tokenInMessage: boolean;
  batch: boolean;
  resume: boolean;
  /** With `resume`: where to resume from. */
  from?: ResumePosition | undefined;
  extra?: Record<string, string | undefined> | undefined;
}

/** The URL of one connection attempt. */
export function negotiatedUrl(base: string, n: Negotiation): string {
  const url = new URL(base);
  const params = url.searchParams;
  if (n.token && n.tokenInMessage) params.set('auth', 'message');
  else if (n.token) params.set('token', n.token);
  if (n.batch) params.set('batch', '1');
  if (n.resume) {
    params.set('resume', '1');
    if (n.from) {
      params.set('epoch', n.from.epoch);
      params.set('since', String(n.from.seq));
    }
  }
  for (const [key, value] of Object.entries(n.extra ?? {})) if (value !== undefined) params.set(key, value);
  return url.toString();
}

/** The URL of a stream of Server-Sent Events at a socket URL: the same, over HTTP (`ws://h/ws?x` -> `http://h/ws?x`). */
export function streamUrl(socketUrl: string): string {
  return socketUrl.replace(/^ws/i, 'http');
}
