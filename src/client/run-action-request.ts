/**
 * The HTTP request of a run action, loaded on the first action (run-actions.ts says what it
 * means): reads the token, sends `POST` with it in the `Authorization: Bearer` header (never in
 * the URL), and reads the answer: its status, its JSON body, and what a refusal said, as one short
 * line of text. Imports nothing, so that it is a module of its own in every build.
 */

/** What the request came to. */
export type RunActionAnswer =
  /** An answer: `body` is its JSON (a success's), `reason` what a refusal said. */
  | { status: number; body: unknown; reason: string | undefined }
  /** No answer: the token could not be read, the request never got one, or not within `timeout`. */
  | { status: undefined; failed: 'token' | 'network' | 'timeout'; cause: unknown };

export interface RunActionRequest {
  url: string;
  token?: string | undefined;
  getToken?: (() => string | null | undefined | Promise<string | null | undefined>) | undefined;
  fetch?: typeof fetch | undefined;
  /** ms the request waits for its whole answer before it is abandoned (aborted); 0 or undefined: no limit. */
  timeout?: number | undefined;
}

/** The longest part of a server's answer kept as a refusal's reason. */
const MAX_REASON = 200;

/** A refusal's reason: its JSON `error` or `message` (or `error.message`), or a plain-text body; never markup, control characters or the token. */
function reasonOf(body: string, type: string, token: string | undefined): string | undefined {
  let text: unknown;
  if (/json/i.test(type)) {
    try {
      const o = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown } | null;
      const error = o?.error;
      text = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : o?.message;
    } catch {
      text = undefined;
    }
  } else if (/^text\/plain/i.test(type)) {
    text = body;
  }
  if (typeof text !== 'string') return undefined;
  let line = text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim();
  if (token) line = line.split(token).join('[token]');
  if (line.length > MAX_REASON) line = line.slice(0, MAX_REASON - 1) + '…';
  return line || undefined;
}

export async function postRunAction(request: RunActionRequest): Promise<RunActionAnswer> {
  let token: string | null | undefined;
  try {
    token = request.getToken ? await request.getToken() : request.token;
  } catch (cause) {
    return { status: undefined, failed: 'token', cause };
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const { timeout } = request;
  const abort = new AbortController();
  let timedOut = false;
  const timer =
    timeout !== undefined && timeout > 0 && timeout < Infinity
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, timeout)
      : undefined;
  let response: Response;
  let body = '';
  try {
    try {
      response = await (request.fetch ?? globalThis.fetch)(request.url, { method: 'POST', headers, signal: abort.signal });
    } catch (cause) {
      return { status: undefined, failed: timedOut ? 'timeout' : 'network', cause };
    }
    try {
      body = await response.text();
    } catch (cause) {
      // An answer cut off after its status: the status is what counts, unless it never ended.
      if (timedOut) return { status: undefined, failed: 'timeout', cause };
    }
  } finally {
    clearTimeout(timer);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) return { status: response.status, body: undefined, reason: reasonOf(body, type, token ?? undefined) };
  let value: unknown;
  try {
    value = /json/i.test(type) && body !== '' ? JSON.parse(body) : undefined;
  } catch {
    value = undefined;
  }
  return { status: response.status, body: value, reason: undefined };
}
