/**
 * A client's Server-Sent Events stream as the server's per-client code sees a socket (`Peer`):
 * each frame one SSE message (`id:` the number of the last event it carries, `data:` the frame's
 * JSON text), a comment (`:`) when nothing else was written for a heartbeat interval, and a close
 * said as one last `event: close` message before the response ends. Its unsent bytes
 * (`writableLength`: the response's and its socket's) are its `bufferedAmount`.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PEER_CLOSED, PEER_CLOSING, PEER_OPEN, type Peer } from './peer.js';

/** The default of `sseHeartbeat`, ms. */
export const DEFAULT_SSE_HEARTBEAT = 15_000;
/** The close code a stream reports when its connection went away without a close of the server's. */
const CLOSE_ABNORMAL = 1006;

/** The timers a stream's heartbeat runs on: the process's by default; a test's clock, moved by hand. */
export interface StreamClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const PROCESS_STREAM_CLOCK: StreamClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SsePeerOptions {
  /** ms of silence after which a comment is written; 0 writes none. */
  heartbeat: number;
  clock?: StreamClock;
}

/** The headers of a started stream: no cache, no transformation (compression), no buffering by a proxy (nginx). */
export function streamHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    'access-control-allow-origin': '*',
  };
  if (request.httpVersion === '1.1') headers.connection = 'keep-alive';
  return headers;
}

/** One SSE message holding `frame` (a JSON text has no line break; any other text is split over `data:` lines). */
export function sseMessage(frame: string, seq = 0, event?: string): string {
  const head = (event === undefined ? '' : `event: ${event}\n`) + (seq > 0 ? `id: ${seq}\n` : '');
  const data = frame.includes('\n') || frame.includes('\r') ? frame.split(/\r\n|\r|\n/).join('\ndata: ') : frame;
  return `${head}data: ${data}\n\n`;
}

export class SsePeer extends EventEmitter implements Peer {
  readonly #response: ServerResponse;
  readonly #clock: StreamClock;
  readonly #heartbeat: number;
  #state = PEER_OPEN;
  #paused = false;
  #code = CLOSE_ABNORMAL;
  #reason = '';
  #ended = false;
  #lastWriteAt: number;
  #timer: unknown;

  /** Starts the stream: the headers go out at once. */
  constructor(request: IncomingMessage, response: ServerResponse, options: SsePeerOptions) {
    super();
    this.#response = response;
    this.#clock = options.clock ?? PROCESS_STREAM_CLOCK;
    this.#heartbeat = options.heartbeat;
    this.#lastWriteAt = this.#clock.now();
    response.on('error', () => {});
    response.once('finish', () => (this.#ended = true));
    response.once('close', this.#gone);
    response.writeHead(200, streamHeaders(request));
    response.flushHeaders();
    request.socket.setNoDelay(true);
    if (this.#heartbeat > 0) this.#timer = this.#clock.setTimeout(this.#beat, this.#heartbeat);
  }

  get readyState(): number {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#response.writableLength;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  send(frame: string | Uint8Array, callback?: (error?: Error) => void): void {
    this.#write(sseMessage(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8')), callback);
  }

  sendEvent(frame: string, seq: number, callback?: (error?: Error) => void): void {
    this.#write(sseMessage(frame, seq), callback);
  }

  close(code: number, reason: string): void {
    if (this.#state !== PEER_OPEN) return;
    this.#state = PEER_CLOSING;
    this.#code = code;
    this.#reason = reason;
    this.#stopHeartbeat();
    this.#response.end(sseMessage(JSON.stringify({ code, reason }), 0, 'close'));
  }

  terminate(): void {
    if (this.#state === PEER_CLOSED) return;
    this.#response.destroy();
  }

  /** A stream reads nothing from its client: pausing only shows in `isPaused`. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  #write(text: string, callback?: (error?: Error) => void): void {
    if (this.#state !== PEER_OPEN) return;
    this.#lastWriteAt = this.#clock.now();
    if (callback) this.#response.write(text, (error) => callback(error ?? undefined));
    else this.#response.write(text);
  }

  /** A comment when nothing was written for a whole interval; then the next check when the interval since the last write ends. */
  readonly #beat = (): void => {
    this.#timer = undefined;
    if (this.#state !== PEER_OPEN) return;
    const idle = this.#clock.now() - this.#lastWriteAt;
    if (idle >= this.#heartbeat) this.#write(':\n\n');
    this.#timer = this.#clock.setTimeout(this.#beat, idle >= this.#heartbeat ? this.#heartbeat : this.#heartbeat - idle);
  };

  #stopHeartbeat(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The response ended and its connection let go of it, or the connection went away. */
  readonly #gone = (): void => {
    this.#stopHeartbeat();
    this.#state = PEER_CLOSED;
    // Its close message was written out in full: the client had it.
    const code = this.#ended ? this.#code : CLOSE_ABNORMAL;
    this.emit('close', code, Buffer.from(this.#ended ? this.#reason : ''));
  };
}
