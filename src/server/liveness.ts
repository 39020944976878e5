/**
 * Whether the server's clients are still there, and whether they keep up. Every heartbeat
 * interval each WebSocket is pinged, and one that did not answer the last ping is terminated;
 * a client that lets too much pile up in its outbox is shed (1013 `too slow`), and cut if it does
 * not answer that close. Streams are not pinged: their heartbeat comments fail to be written once
 * their client is gone (sse-peer.ts). The timers run on a clock: the process's, or a test's.
 */
import { WebSocket } from 'ws';
import { CLOSE_TRY_AGAIN_LATER, type Client } from './client.js';
import type { Peer } from './peer.js';
import { PROCESS_STREAM_CLOCK, type StreamClock } from './sse-peer.js';

/** How long a shed client has to read the little in front of its 1013 close frame before it is cut. */
const SHED_GRACE_MS = 5000;

export interface LivenessOptions {
  /** ms between heartbeat pings; 0 sends none. */
  interval: number;
  clock?: StreamClock | undefined;
  /** The server's clients now. */
  clients(): Iterable<Client>;
  /** A client was shed (for the observer). */
  shed(): void;
}

export class Liveness {
  readonly #interval: number;
  readonly #clock: StreamClock;
  readonly #clients: () => Iterable<Client>;
  readonly #onShed: () => void;
  #timer: unknown;
  /** The payload of the last heartbeat ping: only a pong that echoes it shows a client alive. */
  #pingPayload = '';
  #pings = 0;
  #closed = false;

  constructor(options: LivenessOptions) {
    this.#interval = options.interval;
    this.#clock = options.clock ?? PROCESS_STREAM_CLOCK;
    this.#clients = options.clients;
    this.#onShed = options.shed;
    // Not unref'd: close() clears it, and a server left open should keep showing as open.
    if (this.#interval > 0) this.#timer = this.#clock.setTimeout(this.#tick, this.#interval);
  }

  /** A new WebSocket client: its pongs show it alive; a ping of its own is answered while it is read. */
  watch(client: Client, ws: WebSocket): void {
    ws.on('ping', (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('pong', (data) => {
      if (data.toString() === this.#pingPayload) client.alive = true;
    });
  }

  /** The client let more than `maxBufferedBytes` pile up: close it, and cut it if it does not answer. */
  shed(ws: Peer): void {
    ws.close(CLOSE_TRY_AGAIN_LATER, 'too slow');
    this.#onShed();
    const cut = this.#clock.setTimeout(() => ws.terminate(), SHED_GRACE_MS);
    ws.once('close', () => this.#clock.clearTimeout(cut));
  }

  /** No more heartbeats. */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(this.#tick, this.#interval);
    this.#check();
  };

  /**
   * One heartbeat: terminate the clients that did not answer the last ping, ping the others.
   * Each ping carries a new payload, so an unsolicited pong (or any other frame) from a client
   * that does not read does not keep it. A socket the server does not read (paused) cannot show
   * an answer: it is neither judged nor pinged.
   */
  #check(): void {
    this.#pingPayload = String(++this.#pings);
    for (const client of this.#clients()) {
      const { ws } = client;
      if (!(ws instanceof WebSocket) || ws.readyState !== WebSocket.OPEN) continue;
      if (ws.isPaused) {
        client.alive = true;
        continue;
      }
      if (!client.alive) {
        ws.terminate();
        continue;
      }
      client.alive = false;
      ws.ping(this.#pingPayload);
    }
  }
}
