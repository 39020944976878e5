/**
 * One connection to a progress server, composed of a reconnecting socket, a heartbeat and a
 * sequence tracker: it decodes every frame, answers pings, drops what was already applied, and
 * tells its listeners about frames, rejections, states and what each reconnection meant.
 */
import type { ConnectionEvent, ConnectionState, ProgressEvent } from '../../protocol/events.js';
import { definedOnly } from '../../protocol/objects.js';
import { decodeInto, DEFAULT_MAX_FRAME_SIZE, type FrameRejection, type FrameSink } from '../../protocol/parse-frame.js';
import { ConnectionListeners } from './connection-listeners.js';
import type { ListenerSet } from '../listener-set.js';
import { Heartbeat } from './heartbeat.js';
import { ReconnectingSocket, type TokenSource, type Transport, type WebSocketConstructor } from './reconnecting-socket.js';
import { SequenceTracker, type ResyncReason } from './sequence-tracker.js';
import { checkSocketUrl, negotiatedUrl, redactUrl, streamUrl, type ResumePosition } from './socket-url.js';

export { ConnectionListeners } from './connection-listeners.js';

export interface ConnectionConfig {
  url: string;
  /** A static token, sent as the `token` query parameter. */
  token?: string;
  /** Called before every (re)connect; wins over `token`. */
  getToken?: TokenSource;
  /**
   * How the token travels. `query` (default, what AInTandem servers read): the `token` query
   * parameter, where proxies and access logs may keep it. `message`: the first message,
   * `{"type":"auth","token":…}`, announced by `auth=message` in the URL (the reference server
   * supports it; docs/protocol.md).
   */
  tokenTransport?: 'query' | 'message';
  /** Reconnect after an unexpected close. Default true. */
  reconnect?: boolean;
  /** Consecutive failed attempts before giving up. Default 10. */
  maxReconnectAttempts?: number;
  /** Base of the exponential backoff, ms. Default 1000. */
  reconnectDelay?: number;
  /** Cap of the backoff, ms. Default 30000. */
  maxReconnectDelay?: number;
  /** ms between JSON pings; 0 disables the heartbeat. Default 30000. */
  heartbeatInterval?: number;
  /** ms to wait for any frame after a ping before the connection is declared dead. Default 10000. */
  heartbeatTimeout?: number;
  /** ms for a connection attempt, getToken included, to open. Default 10000. */
  connectionTimeout?: number;
  /** A connection must stay open this long (ms) for the attempt counter to reset. Default 5000. */
  stableConnectionTime?: number;
  /** Frames longer than this many characters are rejected. Default 1 MiB. */
  maxFrameSize?: number;
  /** The WebSocket implementation; default `globalThis.WebSocket`. In Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /**
   * The transports to use, in order of preference. Default `['websocket', 'sse']`: WebSocket, and
   * Server-Sent Events (the same URL over `fetch`, docs/protocol.md) when the upgrade is refused
   * or fails at once, when an open socket brings no frame within `firstFrameTimeout`, or after
   * `websocketAttempts` failed attempts in a row; WebSocket is tried again in the background
   * every `websocketRetryInterval` and taken back without a gap or a duplicate.
   */
  transports?: Transport[];
  /** ms after a WebSocket opens within which a frame must come; it is asked for a ping at once. 0: no bound, no ping. Default 3000. */
  firstFrameTimeout?: number;
  /** Failed WebSocket attempts in a row after which the next goes over Server-Sent Events. Default 3. */
  websocketAttempts?: number;
  /** ms between tries to move back to WebSocket from Server-Sent Events; 0: never. Default 60000. */
  websocketRetryInterval?: number;
  /** ms without a byte after which a stream of Server-Sent Events counts as dead. Default 37500 (2.5 x the server's 15 s heartbeat). */
  streamTimeout?: number;
  /** Tell the server that frames holding an array of events are welcome (`batch=1`). Default true. */
  batch?: boolean;
  /** Ask the server for sequence numbers and replay after a reconnect (`resume=1`). Default true. */
  resume?: boolean;
  /** Start from this position, e.g. one kept across a page reload. */
  resumeFrom?: ResumePosition;
  /** Extra query parameters added on every (re)connect. */
  queryParams?: () => Record<string, string | undefined>;
  /** Source of randomness for the jitter (tests). Default Math.random. */
  random?: () => number;
  /** Where errors thrown by listeners go. Default console.error. */
  onListenerError?: (error: unknown) => void;
}

export interface ConnectionStats {
  framesReceived: number;
  /** Frames, or members of batch frames, that were dropped as malformed. */
  framesRejected: number;
  /** Events dropped because their sequence number was already applied (replays, duplicates). */
  duplicatesDropped: number;
  /** Consecutive failed attempts so far (0 after a stable connection). */
  reconnectAttempts: number;
  /** Date.now() of the last frame received, or 0. */
  lastFrameAt: number;
  /** What the connection uses now (or will try next). */
  transport: Transport;
}

/** What the rest of the client uses of a connection: a socket of this tab's, or one it shares with other tabs. */
export interface ConnectionLike {
  readonly url: string;
  readonly states: ListenerSet<ConnectionState>;
  readonly events: ListenerSet<ConnectionEvent>;
  readonly frames: ListenerSet<ProgressEvent[]>;
  readonly rejections: ListenerSet<FrameRejection>;
  readonly resyncs: ListenerSet<ResyncReason>;
  readonly state: ConnectionState;
  readonly position: ResumePosition | undefined;
  readonly retryAt: number | undefined;
  connect(): Promise<void>;
  disconnect(): void;
  reconnect(): Promise<void>;
  stats(): ConnectionStats;
}

const DEFAULTS = {
  reconnect: true,
  maxReconnectAttempts: 10,
  reconnectDelay: 1000,
  maxReconnectDelay: 30000,
  heartbeatInterval: 30000,
  heartbeatTimeout: 10000,
  connectionTimeout: 10000,
  stableConnectionTime: 5000,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  batch: true,
  resume: true,
  tokenTransport: 'query' as 'query' | 'message',
  random: Math.random,
  transports: ['websocket', 'sse'] as readonly Transport[],
  firstFrameTimeout: 3000,
  websocketAttempts: 3,
  // websocketRetryInterval and streamTimeout: defaults in stream-transport.ts, loaded with the stream.
};

/** Where listener errors go unless the config says otherwise. */
export const logListenerError = (error: unknown): void => console.error('[progress] listener threw:', error);

const now = (): string => new Date().toISOString();

export class Connection extends ConnectionListeners implements ConnectionLike {
  /** The URL without its query string: safe to show. */
  readonly url: string;
  readonly #socket: ReconnectingSocket;
  readonly #heartbeat: Heartbeat;
  readonly #sequence: SequenceTracker;
  readonly #maxFrameSize: number;
  readonly #stats = { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, lastFrameAt: 0 };

  constructor(given: ConnectionConfig) {
    checkSocketUrl(given?.url, 'WebSocketManager');
    super(given.onListenerError ?? logListenerError);
    const config = { ...DEFAULTS, ...definedOnly(given) };
    this.url = redactUrl(given.url);
    this.#maxFrameSize = config.maxFrameSize;
    this.#sequence = new SequenceTracker(given.resumeFrom);
    this.#heartbeat = new Heartbeat(
      config.heartbeatInterval,
      config.heartbeatTimeout,
      () => this.send({ type: 'ping', timestamp: now() }),
      () => this.#socket.abandon('heartbeat timeout'),
    );
    const tokenInMessage = config.tokenTransport === 'message';
    this.#socket = new ReconnectingSocket(
      {
        // The settings of the socket are the connection's, with these:
        ...config,
        publicUrl: this.url,
        WebSocket: given.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
        token: given.token,
        getToken: given.getToken,
        acceptOnFirstFrame: config.resume,
      },
      {
        url: (token, transport) => {
          const stream = transport === 'sse';
          const url = negotiatedUrl(given.url, {
            // A stream's token goes in its Authorization header.
            token: stream ? undefined : token,
            tokenInMessage,
            batch: config.batch,
            resume: config.resume,
            from: config.resume ? this.#sequence.ask() : undefined,
            extra: given.queryParams?.(),
          });
          return stream ? streamUrl(url) : url;
        },
        state: (state) => {
          // Armed before the listeners run, so that a listener that disconnects stops it.
          if (state === 'connected') this.#heartbeat.start();
          else this.#heartbeat.stop();
          this.states.emit(state);
        },
        event: (event) => this.events.emit(event),
        frame: (data) => this.#frame(data),
        connected: () => {
          const reason = this.#sequence.connected();
          if (reason) this.resyncs.emit(reason);
        },
        visible: () => this.check(),
      },
    );
  }

  get state(): ConnectionState {
    return this.#socket.state;
  }

  /** Where this connection stands in the server's sequence, when the server numbers its events. */
  get position(): ResumePosition | undefined {
    return this.#sequence.position;
  }

  /** While a reconnect attempt is scheduled: Date.now() when it is due. */
  get retryAt(): number | undefined {
    return this.#socket.retryAt;
  }

  /** What the connection uses now (or will try next). */
  get transport(): Transport {
    return this.#socket.transport;
  }

  connect(): Promise<void> {
    return this.#socket.connect();
  }

  disconnect(): void {
    this.#socket.disconnect();
  }

  reconnect(): Promise<void> {
    return this.#socket.reconnect();
  }

  /** Sends a JSON message; returns false when not connected. */
  send(message: object): boolean {
    return this.#socket.send(JSON.stringify(message));
  }

  /** Pings now and declares the connection dead when nothing answers in heartbeatTimeout. */
  check(): void {
    if (this.#socket.state === 'connected') this.#heartbeat.check();
  }

  stats(): ConnectionStats {
    return { ...this.#stats, reconnectAttempts: this.#socket.failures, transport: this.transport };
  }


  #frame(data: unknown): void {
    this.#heartbeat.alive();
    const stats = this.#stats;
    stats.framesReceived++;
    stats.lastFrameAt = Date.now();
    this.#halted = false;
    decodeInto(data, this.#maxFrameSize, this.#sink);
    const events = this.#events;
    this.#events = undefined;
    if (events) this.frames.emit(events);
  }

  /** The events of the frame being decoded. */
  #events: ProgressEvent[] | undefined;
  /** A listener closed the connection while the frame was decoded: the rest of it is not for anyone. */
  #halted = false;

  readonly #sink: FrameSink = {
    rejection: (rejection) => {
      this.#stats.framesRejected++;
      this.rejections.emit(rejection);
    },
    message: (message) => {
      if (this.#halted) return;
      if (this.#socket.awaitingAccept) {
        // The server's first frame after the auth message or the ping (the session frame, from a
        // server that resumes, or the pong): frames pass, and the token was accepted.
        this.#socket.accepted();
        if (this.#socket.state !== 'connected') {
          this.#halted = true; // a listener closed it
          return;
        }
      }
      switch (message.type) {
        case 'ping':
          this.send({ type: 'pong', timestamp: now() });
          this.#heartbeatEvent('ping');
          break;
        case 'pong':
          this.#heartbeatEvent('pong');
          break;
        case 'session': {
          const reason = this.#sequence.session(message);
          if (reason) this.resyncs.emit(reason);
          break;
        }
        default:
          if (!this.#sequence.accept(message.seq)) this.#stats.duplicatesDropped++;
          // A literal of one: an array that grows starts with room for 17.
          else if (this.#events) this.#events.push(message);
          else this.#events = [message];
      }
    },
  };

  #heartbeatEvent(direction: 'ping' | 'pong'): void {
    if (this.events.size > 0) this.events.emit({ type: 'heartbeat', direction, timestamp: now(), url: this.url, state: this.#socket.state });
  }
}
