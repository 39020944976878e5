/**
 * Which transport a connection uses, and when it changes (docs/protocol.md, "Server-Sent Events"):
 * WebSocket first; Server-Sent Events when the upgrade is refused or fails at once, when an open
 * socket stays silent past a bound (a proxy that passes the upgrade and drops every frame), or
 * after a number of failed WebSocket attempts in a row. Over a stream it starts the background
 * tries to move back to WebSocket (websocket-return.ts, loaded on demand as the stream's code is).
 */
import { type Transport, type WebSocketConstructor, type WebSocketLike } from './socket-like.js';

export interface FallbackConfig {
  /** The transports to use, in order of preference. */
  transports: readonly Transport[];
  /** ms after a WebSocket opens within which a frame must come (0: no bound). */
  firstFrameTimeout: number;
  /** Failed WebSocket attempts in a row after which the next attempt goes over a stream. */
  websocketAttempts: number;
  /** ms between tries to move back to WebSocket while on a stream (0: never). */
  websocketRetryInterval: number;
  /** ms a background WebSocket may take to open. */
  connectionTimeout: number;
}

/** How an attempt ended, as far as the choice of transport is concerned. */
export interface AttemptOutcome {
  transport: Transport;
  /** The socket (or stream) opened. */
  opened: boolean;
  /** A frame (a stream: a message) came over it. */
  heard: boolean;
  /** It did not open within the attempt's deadline. */
  timedOut: boolean;
}

/** What the fallback needs of the socket it steers. */
export interface FallbackHost {
  /** A WebSocket to where the connection stands now (token, epoch and since); undefined when none can be opened. */
  openWebSocket(): Promise<WebSocketLike | undefined>;
  /** Sends what a WebSocket sends once open (the token when it goes in a message, a ping). */
  greet(ws: WebSocketLike): void;
  /** The connection moves to this open WebSocket, whose first frame this is. */
  adopt(ws: WebSocketLike, firstFrame: string): void;
}

/** What opening a socket of either transport takes. */
export interface TransportSettings {
  WebSocket: WebSocketConstructor | undefined;
  streamTimeout: number;
  maxFrameSize: number;
}

/** Opens a WebSocket, or a stream of Server-Sent Events (whose code is loaded on its first use only). */
export async function openTransport(transport: Transport, settings: TransportSettings, url: string, token: string | undefined): Promise<WebSocketLike> {
  if (transport === 'websocket') {
    if (!settings.WebSocket) throw new Error('no WebSocket implementation');
    return new settings.WebSocket(url);
  }
  const { EventStreamSocket } = await import('./event-stream-socket.js');
  return new EventStreamSocket(url, { token, timeout: settings.streamTimeout, maxMessageSize: settings.maxFrameSize });
}

export class TransportFallback {
  readonly #config: FallbackConfig;
  readonly #host: FallbackHost;
  #transport: Transport;
  #websocketFailures = 0;
  /** The background tries to move back to WebSocket, while on a stream. */
  #return: { stop(): void } | undefined;
  /** Counts stop(): a return whose code loaded after a stop() is not started. */
  #generation = 0;

  constructor(config: FallbackConfig, host: FallbackHost) {
    this.#config = config;
    this.#host = host;
    this.#transport = config.transports[0] ?? 'websocket';
  }

  /** The transport of the next attempt. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Whether a stream of Server-Sent Events may be used at all. */
  get #canStream(): boolean {
    return this.#config.transports.includes('sse');
  }

  /**
   * An attempt ended (failed, or a connection closed). Returns true when the next attempt goes
   * over the other transport at once, without waiting for the backoff.
   */
  ended(outcome: AttemptOutcome): boolean {
    this.stop();
    if (outcome.transport === 'websocket') {
      if (outcome.heard) {
        this.#websocketFailures = 0;
        return false;
      }
      this.#websocketFailures++;
      const refused = !outcome.opened && !outcome.timedOut;
      const silent = outcome.opened;
      if (!this.#canStream || !(refused || silent || this.#websocketFailures >= this.#config.websocketAttempts)) return false;
      this.#websocketFailures = 0;
      this.#transport = 'sse';
      return true;
    }
    // A stream that never carried anything: WebSocket again next time (after the backoff). One
    // that did stays the transport; the background tries move back when WebSocket works again.
    if (!outcome.heard && this.#config.transports.includes('websocket')) this.#transport = 'websocket';
    return false;
  }

  /** The connection is up over `transport`: over a stream, WebSocket is tried again in a while. */
  up(transport: Transport): void {
    this.#transport = transport;
    const config = this.#config;
    if (transport !== 'sse' || config.websocketRetryInterval <= 0 || !config.transports.includes('websocket')) return;
    const generation = ++this.#generation;
    const host = this.#host;
    // Loaded with the stream's code, only by a client that fell back.
    import('./websocket-return.js').then(
      ({ WebSocketReturn }) => {
        if (generation !== this.#generation) return;
        this.#return = new WebSocketReturn(config, {
          ...host,
          adopt: (ws, first) => {
            this.#return = undefined;
            this.#transport = 'websocket';
            this.#websocketFailures = 0;
            host.adopt(ws, first);
          },
        });
      },
      () => {}, // not loaded: the stream stays
    );
  }

  /** Stops trying WebSocket in the background, and drops the socket of a try under way. */
  stop(): void {
    this.#generation++;
    this.#return?.stop();
    this.#return = undefined;
  }
}
