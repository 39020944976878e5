/**
 * What the server sends one socket, in order: event frames gathered into batches for a client
 * that accepts them (docs/protocol.md), everything held back while a session is being opened, and
 * a queue of its own in front of the socket (a WebSocket, or a stream: a `Peer`), so that the
 * socket itself never holds more than a small window: a client too slow for the queue's limit is shed, and the close frame that tells it
 * so comes right after that window, not after everything that was waiting.
 */
import { PEER_OPEN, type Peer } from './peer.js';

export interface BatchOptions {
  /** ms during which events are gathered; 0 sends every event at once. */
  window: number;
  /** Largest batch, in events. */
  maxEvents: number;
  /** Largest batch frame, in characters. */
  maxSize: number;
}

export interface OutboxLimits {
  /**
   * Characters waiting here (not yet handed to the socket) past which the client is too slow:
   * `onFull` is called once and nothing more is sent. A replay may take this much on top.
   */
  maxQueued: number;
  /** Bytes the socket may hold unsent (`bufferedAmount`) before frames wait in the queue. */
  socketWindow: number;
}

/** A frame held back; an event's with its number (0 when it has none). */
type Held = { kind: 'event' | 'control'; frame: string; seq: number };

const sizeOf = (frame: string | Uint8Array): number => (typeof frame === 'string' ? frame.length : frame.byteLength);

export class Outbox {
  readonly #ws: Peer;
  /** Undefined when the client takes single events only. */
  readonly #batch: BatchOptions | undefined;
  readonly #limits: OutboxLimits;
  readonly #onFull: () => void;
  /** The batch being gathered. */
  #pending: string[] = [];
  #pendingSize = 0;
  /** The number of the last event gathered. */
  #pendingSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last event frame sent. */
  #lastSentAt = -Infinity;
  /** While a session is being opened, every frame but its first ones waits in `#held`. */
  #holding = false;
  #held: Held[] = [];
  /** Frames waiting for the socket's window, oldest first from `#head`. */
  #queue: (string | Uint8Array)[] = [];
  /** The number each queued frame carries (0: none), beside `#queue`. */
  #queueSeqs: number[] = [];
  #head = 0;
  #queuedSize = 0;
  /** What a replay may take in the queue on top of `maxQueued`; shrinks as the replay drains. */
  #allowance = 0;
  #full = false;
  /** Writes whose callback has not come yet: one of them takes from the queue when it comes. */
  #inFlight = 0;
  /** Checks the socket again when frames wait and no write callback will come. */
  #poll: NodeJS.Timeout | undefined;

  constructor(ws: Peer, batch: BatchOptions | undefined, limits: OutboxLimits, onFull: () => void) {
    this.#ws = ws;
    this.#batch = batch && batch.window > 0 ? batch : undefined;
    this.#limits = limits;
    this.#onFull = onFull;
  }

  /** Characters waiting in the queue for the socket. */
  get queued(): number {
    return this.#queuedSize;
  }

  /**
   * The first frames of a session, sent before anything held: the session frame, then the replay
   * (in batches when allowed). The replay may exceed `maxQueued` by its own size.
   */
  open(first: string, replay: readonly string[], seqs: readonly number[] = []): void {
    this.#write(first, 0);
    for (const frame of replay) this.#allowance += frame.length + 1;
    this.#burst(replay, seqs);
  }

  /**
   * An event frame: sent at once after a quiet period, else gathered until the window ends
   * (or the batch is full), then sent as one array frame.
   * @param seq its number, for `skipHeld()` while it is held
   */
  event(frame: string, seq = 0): void {
    if (this.#holding) {
      this.#held.push({ kind: 'event', frame, seq });
      return;
    }
    const batch = this.#batch;
    if (!batch) {
      this.#write(frame, seq);
      return;
    }
    const now = performance.now();
    if (this.#timer === undefined && now - this.#lastSentAt >= batch.window) {
      this.#write(frame, seq);
      this.#lastSentAt = now;
      return;
    }
    // A batch frame never exceeds maxSize characters (an event larger than that goes alone).
    if (this.#pending.length > 0 && this.#pendingSize + frame.length + 2 > batch.maxSize) this.flush();
    this.#pending.push(frame);
    this.#pendingSize += frame.length + 1;
    this.#pendingSeq = seq;
    if (this.#pending.length >= batch.maxEvents || this.#pendingSize >= batch.maxSize) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), Math.max(0, batch.window - (now - this.#lastSentAt)));
    }
  }

  /** A frame outside batches, sent without waiting for the batch (a JSON pong). */
  control(frame: string): void {
    if (this.#holding) this.#held.push({ kind: 'control', frame, seq: 0 });
    else this.#write(frame, 0);
  }

  /** Sends the gathered events as one array frame (a lone event as itself). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const frame = this.#pending.length === 1 ? this.#pending[0]! : '[' + this.#pending.join(',') + ']';
    this.#pending = [];
    this.#pendingSize = 0;
    this.#write(frame, this.#pendingSeq);
    this.#lastSentAt = performance.now();
  }

  /** Holds every frame (but those of `open()`) until `release()`. */
  hold(): void {
    this.#holding = true;
  }

  /** Drops the held events numbered up to `through`: the client has them already. */
  skipHeld(through: number): void {
    this.#held = this.#held.filter((held) => held.kind !== 'event' || held.seq > through);
  }

  /** Sends what was held, in order. */
  release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    const held = this.#held;
    this.#held = [];
    for (const { kind, frame, seq } of held) {
      if (kind === 'event') this.event(frame, seq);
      else this.control(frame);
    }
  }

  /** The socket is gone: drop what waits, clear the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#poll);
    this.#poll = undefined;
    this.#pending = [];
    this.#held = [];
    this.#queue = [];
    this.#queueSeqs = [];
    this.#head = 0;
    this.#queuedSize = 0;
  }

  /** Frames sent together at once (a replay), cut into batches by the same limits when allowed. */
  #burst(frames: readonly string[], seqs: readonly number[]): void {
    const batch = this.#batch;
    if (!batch) {
      frames.forEach((frame, i) => this.#write(frame, seqs[i] ?? 0));
      return;
    }
    let chunk: string[] = [];
    let size = 0;
    let last = 0;
    const send = () => {
      if (chunk.length > 0) this.#write(chunk.length === 1 ? chunk[0]! : '[' + chunk.join(',') + ']', last);
      chunk = [];
      size = 0;
    };
    frames.forEach((frame, i) => {
      if (chunk.length >= batch.maxEvents || (chunk.length > 0 && size + frame.length + 2 > batch.maxSize)) send();
      chunk.push(frame);
      size += frame.length + 1;
      last = seqs[i] ?? 0;
    });
    send();
  }

  /** Hands a frame to the peer, with the number it carries when the peer says it. */
  #send(frame: string | Uint8Array, seq: number, callback?: () => void): void {
    const ws = this.#ws;
    if (seq > 0 && ws.sendEvent) ws.sendEvent(frame as string, seq, callback);
    else ws.send(frame, callback);
  }

  /** @param seq the number of the (last) event it carries; 0 for none */
  #write(frame: string | Uint8Array, seq: number): void {
    const ws = this.#ws;
    if (this.#full || ws.readyState !== PEER_OPEN) return;
    const buffered = ws.bufferedAmount;
    if (this.#queuedSize === 0 && buffered < this.#limits.socketWindow) {
      // A callback costs: only writes to a socket that is not keeping up get one.
      if (buffered === 0) {
        this.#send(frame, seq);
      } else {
        this.#inFlight++;
        this.#send(frame, seq, this.#written);
      }
      return;
    }
    this.#queue.push(frame);
    this.#queueSeqs.push(seq);
    this.#queuedSize += sizeOf(frame);
    if (this.#inFlight === 0 && this.#poll === undefined) this.#poll = setTimeout(this.#check, 5);
    if (this.#queuedSize > this.#limits.maxQueued + this.#allowance) {
      // Too slow: what waits here is dropped (the client resumes from what it received), and the
      // close frame that follows comes right after the socket's window.
      this.#full = true;
      this.close();
      this.#onFull();
    }
  }

  /** A write reached the kernel: the socket may take more from the queue. */
  readonly #written = (): void => {
    this.#inFlight--;
    this.#pump();
  };

  readonly #check = (): void => {
    this.#poll = undefined;
    this.#pump();
  };

  #pump(): void {
    const ws = this.#ws;
    while (this.#head < this.#queue.length && ws.readyState === PEER_OPEN && ws.bufferedAmount < this.#limits.socketWindow) {
      const seq = this.#queueSeqs[this.#head]!;
      const frame = this.#queue[this.#head++]!;
      this.#queuedSize -= sizeOf(frame);
      this.#inFlight++;
      this.#send(frame, seq, this.#written);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#queueSeqs = [];
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#queue = this.#queue.slice(this.#head);
      this.#queueSeqs = this.#queueSeqs.slice(this.#head);
      this.#head = 0;
    }
    if (this.#allowance > this.#queuedSize) this.#allowance = this.#queuedSize;
    if (this.#queuedSize > 0 && this.#inFlight === 0 && this.#poll === undefined && ws.readyState === PEER_OPEN) this.#poll = setTimeout(this.#check, 5);
  }
}
