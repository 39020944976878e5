/**
 * Which transport a connection uses, and when it changes (docs/protocol.md, "Server-Sent Events"):
 * WebSocket first; Server-Sent Events when the upgrade is refused or fails at once, when an open
 * socket stays silent past a bound (a proxy that passes the upgrade and drops every frame), or
 * after a number of failed WebSocket attempts in a row. Over a stream it tries WebSocket again in
 * the background, from where the connection stands, and moves back only once the new socket's
 * session frame says that it resumes from there (so nothing is missed; what both carried is
 * dropped by the sequence tracker).
 */
import { discard, type Transport, type WebSocketConstructor, type WebSocketLike } from './socket-like.js';

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

interface Probe {
  ws?: WebSocketLike;
  timer?: ReturnType<typeof setTimeout>;
}

export class TransportFallback {
  readonly #config: FallbackConfig;
  readonly #host: FallbackHost;
  #transport: Transport;
  #websocketFailures = 0;
  #probe: Probe | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

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
    if (transport === 'sse') this.#schedule();
  }

  /** Stops trying WebSocket in the background, and drops the socket of a try under way. */
  stop(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const probe = this.#probe;
    this.#probe = undefined;
    if (!probe) return;
    clearTimeout(probe.timer);
    if (probe.ws) discard(probe.ws);
  }

  #schedule(): void {
    const interval = this.#config.websocketRetryInterval;
    if (interval <= 0 || !this.#config.transports.includes('websocket')) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#tryWebSocket();
    }, interval);
  }

  async #tryWebSocket(): Promise<void> {
    const probe: Probe = {};
    this.#probe = probe;
    const config = this.#config;
    probe.timer = setTimeout(() => this.#given(probe), config.connectionTimeout);
    let ws: WebSocketLike | undefined;
    try {
      ws = await this.#host.openWebSocket();
    } catch {
      ws = undefined;
    }
    if (this.#probe !== probe) {
      if (ws) discard(ws);
      return;
    }
    if (!ws) return this.#given(probe);
    probe.ws = ws;
    ws.onopen = () => {
      if (this.#probe !== probe) return;
      this.#host.greet(ws);
      clearTimeout(probe.timer);
      if (config.firstFrameTimeout > 0) probe.timer = setTimeout(() => this.#given(probe), config.firstFrameTimeout);
    };
    ws.onmessage = ({ data }) => {
      if (this.#probe !== probe) return;
      // Only a session frame that resumes from where the stream stands leaves nothing out.
      if (typeof data !== 'string' || !resumes(data)) return this.#given(probe);
      clearTimeout(probe.timer);
      this.#probe = undefined;
      this.#transport = 'websocket';
      this.#websocketFailures = 0;
      this.#host.adopt(ws, data);
    };
    ws.onerror = ws.onclose = () => {
      if (this.#probe === probe) this.#given(probe);
    };
  }

  /** A background try did not work out: its socket is dropped, and another comes later. */
  #given(probe: Probe): void {
    if (this.#probe !== probe) return;
    this.stop();
    this.#schedule();
  }
}

/** Whether a frame is a session frame that resumes the sequence (docs/protocol.md). */
function resumes(data: string): boolean {
  try {
    const frame = JSON.parse(data) as { type?: unknown; resumed?: unknown };
    return frame.type === 'session' && frame.resumed === true;
  } catch {
    return false;
  }
}
