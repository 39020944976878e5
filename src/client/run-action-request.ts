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

/**
 * Sends the request and reads its answer; with `timeout`, the whole of it (the token, the
 * request, the body) is abandoned at the deadline, and the request aborted.
 */
export async function postRunAction(request: RunActionRequest): Promise<RunActionAnswer> {
  const { timeout } = request;
  if (timeout === undefined || !(timeout > 0) || timeout === Infinity) return send(request, undefined);
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<RunActionAnswer>((resolve) => {
    timer = setTimeout(() => {
      const cause = new Error(`no answer within ${timeout} ms`);
      abort.abort(cause);
      resolve({ status: undefined, failed: 'timeout', cause });
    }, timeout);
  });
  try {
    return await Promise.race([send(request, abort.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function send(request: RunActionRequest, signal: AbortSignal | undefined): Promise<RunActionAnswer> {
  let token: string | null | undefined;
  try {
    token = request.getToken ? await request.getToken() : request.token;
  } catch (cause) {
    return { status: undefined, failed: 'token', cause };
  }
  // Abandoned while the token was read: nothing is sent.
  if (signal?.aborted) return { status: undefined, failed: 'timeout', cause: signal.reason };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await (request.fetch ?? globalThis.fetch)(request.url, { method: 'POST', headers, signal });
  } catch (cause) {
    return { status: undefined, failed: 'network', cause };
  }
  let body = '';
  try {
    body = await response.text();
  } catch {
    // An answer cut off after its status: the status is what counts.
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
