/**
 * What the server sends one socket, in order: event frames gathered into batches for a client
 * that accepts them (docs/protocol.md), and everything held back while the server is stalled.
 * It also watches how much the socket has not yet sent: past a limit the client is too slow.
 */
import { WebSocket } from 'ws';

export interface BatchOptions {
  /** ms during which events are gathered; 0 sends every event at once. */
  window: number;
  /** Largest batch, in events. */
  maxEvents: number;
  /** Largest batch frame, in characters. */
  maxSize: number;
}

export class Outbox {
  readonly #ws: WebSocket;
  /** Undefined when the client takes single events only. */
  readonly #batch: BatchOptions | undefined;
  #queue: string[] = [];
  #queueSize = 0;
  #timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last event frame sent. */
  #lastSentAt = -Infinity;
  #held: { frame: string | Uint8Array; event: boolean }[] = [];
  #holding = false;
  readonly #maxBuffered: number;
  readonly #onFull: () => void;

  /**
   * @param maxBuffered bytes the socket may hold unsent (`ws.bufferedAmount`); once a send leaves
   *   more, `onFull` is called (once: the socket is then expected to close) and nothing more is sent.
   */
  constructor(ws: WebSocket, batch: BatchOptions | undefined, maxBuffered: number, onFull: () => void) {
    this.#ws = ws;
    this.#batch = batch && batch.window > 0 ? batch : undefined;
    this.#maxBuffered = maxBuffered;
    this.#onFull = onFull;
  }

  /** A frame sent at once, outside batches and even while held (the session frame, a JSON pong). */
  send(frame: string): void {
    this.#send(frame);
  }

  /**
   * An event frame: sent at once after a quiet period, else gathered until the window ends
   * (or the batch is full), then sent as one array frame.
   */
  event(frame: string): void {
    if (this.#holding) {
      this.#held.push({ frame, event: true });
      return;
    }
    const batch = this.#batch;
    if (!batch) {
      this.#send(frame);
      return;
    }
    const now = performance.now();
    if (this.#timer === undefined && now - this.#lastSentAt >= batch.window) {
      this.#send(frame);
      this.#lastSentAt = now;
      return;
    }
    // A batch frame never exceeds maxSize characters (an event larger than that goes alone).
    if (this.#queue.length > 0 && this.#queueSize + frame.length + 2 > batch.maxSize) this.flush();
    this.#queue.push(frame);
    this.#queueSize += frame.length + 1;
    if (this.#queue.length >= batch.maxEvents || this.#queueSize >= batch.maxSize) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), Math.max(0, batch.window - (now - this.#lastSentAt)));
    }
  }

  /** Any other frame, as is, after the events gathered before it. */
  raw(frame: string | Uint8Array): void {
    if (this.#holding) {
      this.#held.push({ frame, event: false });
      return;
    }
    this.flush();
    this.#send(frame);
  }

  /** Frames sent together at once, outside the batch window (a replay), in batches when allowed. */
  burst(frames: readonly string[]): void {
    const batch = this.#batch;
    if (!batch) {
      for (const frame of frames) this.#send(frame);
      return;
    }
    let chunk: string[] = [];
    let size = 0;
    const send = () => {
      if (chunk.length > 0) this.#send(chunk.length === 1 ? chunk[0]! : '[' + chunk.join(',') + ']');
      chunk = [];
      size = 0;
    };
    for (const frame of frames) {
      if (chunk.length >= batch.maxEvents || (chunk.length > 0 && size + frame.length + 2 > batch.maxSize)) send();
      chunk.push(frame);
      size += frame.length + 1;
    }
    send();
  }

  /** Sends the gathered events as one array frame (a lone event as itself). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return;
    const frame = this.#queue.length === 1 ? this.#queue[0]! : '[' + this.#queue.join(',') + ']';
    this.#queue = [];
    this.#queueSize = 0;
    this.#send(frame);
    this.#lastSentAt = performance.now();
  }

  /** Holds every frame until `release()`: a stalled server. */
  hold(): void {
    this.#holding = true;
  }

  /** Sends what was held, in order. */
  release(): void {
    this.#holding = false;
    const held = this.#held;
    this.#held = [];
    for (const { frame, event } of held) {
      if (event) this.event(frame as string);
      else this.raw(frame);
    }
  }

  /** The socket is gone: drop what waits, clear the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#held = [];
  }

  #send(frame: string | Uint8Array): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(frame);
    if (ws.bufferedAmount > this.#maxBuffered) this.#onFull();
  }
}
