/**
 * A stream of Server-Sent Events that behaves like a WebSocket (docs/protocol.md, "Server-Sent
 * Events"): `fetch` with `Accept: text/event-stream` and the token in an `Authorization` header, a
 * reader of the body fed to eventsource-parser, each message passed on as one frame, and the
 * server's `event: close` read as a socket's close with its code and reason. A stream cannot send:
 * its server's comments prove it alive, and any byte counts. Loaded on demand (a dynamic import),
 * only by a client that falls back to it.
 */
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import type { WebSocketLike } from './socket-like.js';

export interface EventStreamOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** ms without a single byte after which the stream counts as dead (closed with 1006). */
  timeout: number;
  /** The longest message, in characters; a longer one closes the stream with 1009. */
  maxMessageSize: number;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A refusal's HTTP status, as the close code a socket would have been given (when its body does not say). */
const CLOSE_CODE_OF_STATUS: Readonly<Record<number, number>> = { 401: 4401, 403: 4403, 429: 4429, 503: 1013 };

/** Characters of a refusal's body read, at most. */
const REFUSAL_BODY_LIMIT = 1024;

export class EventStreamSocket implements WebSocketLike {
  readyState = CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #abort = new AbortController();
  readonly #options: EventStreamOptions;
  #silence: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, options: EventStreamOptions) {
    this.#options = options;
    void this.#run(url);
  }

  /** A stream carries nothing to the server: throws, so that a sender knows it was not sent. */
  send(_data: string): void {
    throw new Error('an event stream cannot send');
  }

  close(code = 1000, reason = ''): void {
    this.#end(code, reason, false);
  }

  async #run(url: string): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.#options.token) headers['authorization'] = `Bearer ${this.#options.token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, cache: 'no-store', signal: this.#abort.signal });
    } catch {
      this.#end(1006, 'stream failed', true);
      return;
    }
    const body = response.body;
    if (this.readyState === CLOSED) {
      void body?.cancel().catch(() => {});
      return;
    }
    if (!response.ok || !body || !/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
      const { code, reason } = await refusal(response);
      this.#end(code, reason, false);
      return;
    }
    this.readyState = OPEN;
    this.#alive();
    this.onopen?.({});
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = createParser({
      maxBufferSize: this.#options.maxMessageSize,
      onEvent: (message) => this.#message(message),
      onError: (error: ParseError) => {
        if (error.type === 'max-buffer-size-exceeded') this.#end(1009, 'message too big', false);
      },
    });
    try {
      while (this.readyState === OPEN) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#alive();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted by close(), or the connection broke: said below
    } finally {
      void reader.cancel().catch(() => {});
    }
    this.#end(1006, 'stream ended', false);
  }

  #message(message: EventSourceMessage): void {
    if (this.readyState !== OPEN) return;
    if (message.event === 'close') {
      const { code, reason } = closeOf(message.data);
      this.#end(code, reason, false);
    } else if (message.event === undefined || message.event === 'message') {
      this.onmessage?.({ data: message.data });
    }
  }

  /** Bytes came: the silence starts again. */
  #alive(): void {
    clearTimeout(this.#silence);
    this.#silence = setTimeout(() => this.#end(1006, 'stream timeout', false), this.#options.timeout);
  }

  /** The stream is over (once): its request and reader stop, and the handlers hear of it. */
  #end(code: number, reason: string, failed: boolean): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearTimeout(this.#silence);
    this.#silence = undefined;
    this.#abort.abort();
    if (failed) this.onerror?.({});
    this.onclose?.({ code, reason });
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
  }
}

/** A close code in the range a socket's close may carry. */
const isCloseCode = (code: unknown): code is number => typeof code === 'number' && Number.isInteger(code) && code >= 1000 && code <= 4999;

const reasonOf = (reason: unknown, fallback: string): string => (typeof reason === 'string' ? reason.slice(0, 123) : fallback);

/** The server's last message, `{"code":…,"reason":"…"}`; anything else as an abnormal close. */
function closeOf(data: string): { code: number; reason: string } {
  try {
    const { code, reason } = JSON.parse(data) as { code?: unknown; reason?: unknown };
    if (isCloseCode(code)) return { code, reason: reasonOf(reason, '') };
  } catch {
    // not JSON: below
  }
  return { code: 1006, reason: 'malformed close' };
}

/** What a refusal before the stream started means, as a socket's close: its body's `code` when it gives one. */
async function refusal(response: Response): Promise<{ code: number; reason: string }> {
  const fallback = { code: CLOSE_CODE_OF_STATUS[response.status] ?? 1006, reason: response.ok ? 'not an event stream' : `HTTP ${response.status}` };
  let text = '';
  try {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    while (reader && text.length < REFUSAL_BODY_LIMIT) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    void reader?.cancel().catch(() => {});
    if (response.ok) return fallback;
    const { code, error } = JSON.parse(text) as { code?: unknown; error?: unknown };
    return isCloseCode(code) ? { code, reason: reasonOf(error, fallback.reason) } : fallback;
  } catch {
    return fallback;
  }
}
