/**
 * One WebSocket connection to a progress server: connect, reconnect with backoff and jitter,
 * JSON heartbeat with a timeout, typed events. Runs in browsers and in Node (pass `ws`).
 */
import { backoffDelay } from './backoff.js';
import {
  CONNECTION_EVENT_TYPES,
  type ConnectionEvent,
  type ConnectionEventListener,
  type ConnectionEventType,
  type ConnectionState,
  type ProgressEvent,
  type ProgressEventListener,
  type ProgressEventMap,
  type ProgressEventType,
  type SessionMessage,
} from './events.js';
import { ListenerSet } from './listener-set.js';
import { definedOnly } from './objects.js';
import { decodeFrame, DEFAULT_MAX_FRAME_SIZE, type FrameRejection } from './parse-frame.js';

/**
 * A handler property that accepts handlers of richer event types (`ws`'s `MessageEvent`, the DOM's),
 * checked bivariantly as methods are.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket interface used here: the browser's, Node's and `ws`'s all fit, without a cast. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?: () => void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

export interface WebSocketManagerConfig {
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

/** Close codes with which a server says the token was refused. */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 1008]);

const OPEN = 1;

type Required_ = Required<Omit<WebSocketManagerConfig, 'token' | 'getToken' | 'WebSocket' | 'queryParams' | 'resumeFrom'>>;

const DEFAULTS: Omit<Required_, 'url' | 'random' | 'onListenerError'> = {
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
  tokenTransport: 'query',
};

/**
 * What a (re)connection means for what the client holds: `resumed`: nothing was missed (the
 * server replays what came meanwhile); `gap`: the server can no longer replay from our position;
 * `epoch`: the server started a new sequence (e.g. restarted without its journal); `reconnect`:
 * a server without sequence numbers, so whatever happened meanwhile is unknown.
 */
export type ResyncReason = 'resumed' | 'reconnect' | 'gap' | 'epoch';

/** A position in a server's event sequence (docs/protocol.md). */
export interface ResumePosition {
  epoch: string;
  seq: number;
}

export interface WebSocketManagerStats {
  framesReceived: number;
  /** Frames, or members of batch frames, that were dropped as malformed. */
  framesRejected: number;
  /** Events dropped because their sequence number was already applied (replays, duplicates). */
  duplicatesDropped: number;
  /** Consecutive failed attempts so far (0 after a stable connection). */
  reconnectAttempts: number;
  /** Date.now() of the last frame received, or 0. */
  lastFrameAt: number;
}

/** Removes the token (and every other query parameter) from a URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/** What a connection event says beyond the time, URL and state every one of them carries. */
type OwnFields<E> = E extends ConnectionEvent ? Omit<E, 'timestamp' | 'url' | 'state'> : never;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  promise: Promise<void>;
}

export class WebSocketManager {
  readonly #config: Required_ & Pick<WebSocketManagerConfig, 'token' | 'getToken' | 'queryParams'>;
  readonly #Ctor: WebSocketConstructor | undefined;
  readonly #publicUrl: string;
  #state: ConnectionState = 'disconnected';
  #ws: WebSocketLike | null = null;
  /** Bumped on every open and on disconnect: callbacks of an older generation do nothing. */
  #generation = 0;
  #attempts = 0;
  #openedAt = 0;
  #stats = { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, lastFrameAt: 0 };
  #pending: Pending | null = null;
  /** Resume bookkeeping (docs/protocol.md): the server's epoch and the last sequence number applied. */
  #epoch: string | undefined;
  #lastSeq = 0;
  #askedFrom: ResumePosition | undefined;
  #speaksSession = false;
  #hasConnected = false;
  /** Open, with the token sent in the first message: waiting for the server to accept it. */
  #awaitingSession = false;

  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Date.now() when the scheduled reconnect attempt is due. */
  #retryAt: number | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #environmentWatched = false;

  readonly #eventListeners = new Map<string, ListenerSet<ProgressEvent>>();
  /** Connection listeners added with on('connected' | 'disconnected' | 'error'), and how to remove each. */
  readonly #connectionByType: Partial<Record<ConnectionEventType, Map<unknown, () => void>>> = {};
  readonly #connectionListeners: ListenerSet<ConnectionEvent>;
  readonly #stateListeners: ListenerSet<ConnectionState>;
  readonly #rejectionListeners: ListenerSet<FrameRejection>;
  readonly #frameListeners: ListenerSet<ProgressEvent[]>;
  readonly #resyncListeners: ListenerSet<ResyncReason>;

  constructor(config: WebSocketManagerConfig) {
    if (typeof config?.url !== 'string' || !/^wss?:\/\//i.test(config.url)) {
      throw new TypeError('WebSocketManager: `url` must be a ws:// or wss:// URL');
    }
    const onListenerError = config.onListenerError ?? ((error: unknown) => console.error('[progress] listener threw:', error));
    this.#config = { ...DEFAULTS, random: Math.random, onListenerError, ...definedOnly(config), url: config.url };
    this.#Ctor = config.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.#publicUrl = redactUrl(config.url);
    this.#connectionListeners = new ListenerSet(onListenerError);
    this.#stateListeners = new ListenerSet(onListenerError);
    this.#rejectionListeners = new ListenerSet(onListenerError);
    this.#frameListeners = new ListenerSet(onListenerError);
    this.#resyncListeners = new ListenerSet(onListenerError);
    if (config.resumeFrom) {
      this.#epoch = config.resumeFrom.epoch;
      this.#lastSeq = config.resumeFrom.seq;
    }
  }

  /** The URL without query string: safe to show. */
  get url(): string {
    return this.#publicUrl;
  }

  // ---- the seed's nine methods ------------------------------------------------------------

  /**
   * Opens the connection. Resolves once connected (after retries, if needed); rejects when the
   * manager gives up or `disconnect()` is called first.
   */
  connect(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#pending) return this.#pending.promise;
    const pending = this.#newPending();
    if (this.#state !== 'connecting' && this.#state !== 'reconnecting') {
      this.#attempts = 0;
      this.#watchEnvironment();
      this.#setState('connecting');
      void this.#open();
    }
    return pending.promise;
  }

  /** Closes the connection for good: no reconnect, no timer or listener left behind. */
  disconnect(): void {
    this.#generation++;
    this.#clearTimers();
    this.#unwatchEnvironment();
    const ws = this.#ws;
    const wasActive = this.#state !== 'disconnected' && this.#state !== 'failed';
    if (ws) {
      this.#setState('disconnecting');
      this.#ws = null;
      detach(ws);
      try {
        ws.close(1000, 'client disconnect');
      } catch {
        // already closing
      }
    }
    this.#failPending(new Error('disconnected'));
    if (wasActive) {
      this.#setState('disconnected');
      this.#emitConnection({ type: 'disconnected', code: 1000, reason: 'client disconnect', willReconnect: false });
    }
  }

  /** Drops the current connection (if any) and connects again now, with a fresh attempt counter. */
  reconnect(): Promise<void> {
    this.#generation++;
    this.#clearTimers();
    if (this.#ws) {
      const ws = this.#ws;
      this.#ws = null;
      detach(ws);
      closeQuietly(ws);
    }
    this.#attempts = 0;
    const promise = this.#pending?.promise ?? this.#newPending().promise;
    this.#watchEnvironment();
    this.#setState('connecting');
    void this.#open();
    return promise;
  }

  getState(): ConnectionState {
    return this.#state;
  }

  isConnected(): boolean {
    return this.#state === 'connected';
  }

  /**
   * Listens to one event type, to every progress event with `'*'`, or (as AInTandem's manager
   * allows) to one kind of connection event: `'connected'`, `'disconnected'`, `'error'`, `'heartbeat'`.
   */
  on<K extends ProgressEventType>(type: K, listener: (event: ProgressEventMap[K]) => void): void;
  on<K extends ConnectionEventType>(type: K, listener: (event: Extract<ConnectionEvent, { type: K }>) => void): void;
  on(type: '*', listener: ProgressEventListener): void;
  on(type: string, listener: (event: never) => void): void {
    if (isConnectionEventType(type)) {
      const byType = (this.#connectionByType[type] ??= new Map());
      if (byType.has(listener)) return;
      byType.set(listener, this.#connectionListeners.add((event) => event.type === type && (listener as ConnectionEventListener)(event)));
      return;
    }
    let set = this.#eventListeners.get(type);
    if (!set) this.#eventListeners.set(type, (set = new ListenerSet(this.#config.onListenerError)));
    set.add(listener as ProgressEventListener);
  }

  off<K extends ProgressEventType>(type: K, listener: (event: ProgressEventMap[K]) => void): void;
  off<K extends ConnectionEventType>(type: K, listener: (event: Extract<ConnectionEvent, { type: K }>) => void): void;
  off(type: '*', listener: ProgressEventListener): void;
  off(type: string, listener: (event: never) => void): void {
    if (isConnectionEventType(type)) {
      this.#connectionByType[type]?.get(listener)?.();
      this.#connectionByType[type]?.delete(listener);
      return;
    }
    const set = this.#eventListeners.get(type);
    if (!set) return;
    set.delete(listener as ProgressEventListener);
    if (set.size === 0) this.#eventListeners.delete(type);
  }

  /** Connection events: connected, disconnected (with willReconnect), error, heartbeat. */
  onConnectionState(listener: ConnectionEventListener): () => void {
    return this.#connectionListeners.add(listener);
  }

  offConnectionState(listener: ConnectionEventListener): void {
    this.#connectionListeners.delete(listener);
  }

  // ---- beyond the seed --------------------------------------------------------------------

  /** Called with every change of getState(). */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.#stateListeners.add(listener);
  }

  /** Called with every frame that was dropped, and why. */
  onRejectedFrame(listener: (rejection: FrameRejection) => void): () => void {
    return this.#rejectionListeners.add(listener);
  }

  /** The events of each frame, after the per-event listeners: a batch arrives as one call. */
  onFrame(listener: (events: ProgressEvent[]) => void): () => void {
    return this.#frameListeners.add(listener);
  }

  /**
   * Called after a reconnection (or a first connection from a kept position) with what it means:
   * `resumed` when nothing was missed; otherwise events may have been missed and state should be
   * reloaded (see ResyncReason).
   */
  onResync(listener: (reason: ResyncReason) => void): () => void {
    return this.#resyncListeners.add(listener);
  }

  /** While a reconnect attempt is scheduled: Date.now() when it is due. */
  getRetryAt(): number | undefined {
    return this.#reconnectTimer === undefined ? undefined : this.#retryAt;
  }

  /** Where this connection stands in the server's sequence, when the server numbers its events. */
  getResumePosition(): ResumePosition | undefined {
    return this.#epoch === undefined ? undefined : { epoch: this.#epoch, seq: this.#lastSeq };
  }

  getStats(): WebSocketManagerStats {
    return { ...this.#stats, reconnectAttempts: this.#attempts };
  }

  /** Sends a JSON message; returns false when not connected. */
  send(message: object): boolean {
    if (!this.#ws || this.#state !== 'connected' || this.#ws.readyState !== OPEN) return false;
    try {
      this.#ws.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a ping now and declares the connection dead when nothing answers in heartbeatTimeout. */
  checkConnection(): void {
    if (this.#state !== 'connected') return;
    this.#ping();
  }

  // ---- internals --------------------------------------------------------------------------

  #newPending(): Pending {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A caller that does not await connect() must not get an unhandled rejection.
    promise.catch(() => {});
    this.#pending = { resolve, reject, promise };
    return this.#pending;
  }

  #failPending(error: Error): void {
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
  }

  async #open(): Promise<void> {
    const generation = ++this.#generation;
    this.#awaitingSession = false;
    // One deadline for the whole attempt: a getToken that never answers counts as a failed attempt.
    this.#connectTimer = setTimeout(() => this.#abandon(generation, 'connection timeout'), this.#config.connectionTimeout);
    let token: string | null | undefined;
    try {
      token = this.#config.getToken ? await this.#config.getToken() : this.#config.token;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#emitConnection({ type: 'error', error: new Error('getToken failed', { cause: error }) });
      this.#handleClose(generation, 4401, 'token unavailable');
      return;
    }
    if (generation !== this.#generation) return;
    if (!this.#Ctor) {
      this.#giveUp(new Error('no WebSocket implementation: pass the `WebSocket` option (e.g. from "ws")'));
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = new this.#Ctor(this.#buildUrl(token));
    } catch (error) {
      this.#emitConnection({ type: 'error', error: new Error('WebSocket constructor failed', { cause: error }) });
      this.#handleClose(generation, 1006, 'constructor failed');
      return;
    }
    this.#ws = ws;
    this.#openedAt = 0;
    try {
      ws.binaryType = 'arraybuffer';
    } catch {
      // not settable: fine
    }
    ws.onopen = () => {
      if (generation !== this.#generation) return;
      if (token && this.#config.tokenTransport === 'message') {
        ws.send(JSON.stringify({ type: 'auth', token }));
        // The server takes the socket once it has checked the token, and then opens with the session
        // frame: connected from the server's first frame on (a refused token never counts as connected).
        if (this.#config.resume) {
          this.#awaitingSession = true;
          return;
        }
      }
      this.#connected(generation);
    };
    ws.onmessage = (event) => {
      if (generation === this.#generation) this.#handleFrame(event.data);
    };
    ws.onerror = () => {
      if (generation !== this.#generation) return;
      // Browsers give no detail; the close event that follows says the rest.
      this.#emitConnection({ type: 'error', error: new Error(`WebSocket error on ${this.#publicUrl}`) });
    };
    ws.onclose = (event) => {
      if (generation !== this.#generation) return;
      this.#ws = null;
      detach(ws);
      this.#handleClose(generation, event.code, event.reason);
    };
  }

  /** The socket is open (and, with the token in the first message, accepted). */
  #connected(generation: number): void {
    clearTimeout(this.#connectTimer);
    this.#awaitingSession = false;
    this.#openedAt = Date.now();
    const reconnected = this.#hasConnected;
    this.#hasConnected = true;
    // Timers are armed before listeners run, so that a listener that disconnects clears them.
    if (this.#config.heartbeatInterval > 0) {
      this.#heartbeatTimer = setInterval(() => this.#ping(), this.#config.heartbeatInterval);
    }
    this.#setState('connected');
    if (generation !== this.#generation) return;
    const pending = this.#pending;
    this.#pending = null;
    this.#emitConnection({ type: 'connected' });
    pending?.resolve();
    // A server without sequence numbers cannot replay: whatever happened meanwhile is unknown.
    if (generation === this.#generation && reconnected && !this.#speaksSession) this.#resyncListeners.emit('reconnect');
  }

  #buildUrl(token: string | null | undefined): string {
    const url = new URL(this.#config.url);
    if (token && this.#config.tokenTransport === 'message') url.searchParams.set('auth', 'message');
    else if (token) url.searchParams.set('token', token);
    if (this.#config.batch) url.searchParams.set('batch', '1');
    if (this.#config.resume) {
      url.searchParams.set('resume', '1');
      const position = this.getResumePosition();
      this.#askedFrom = position;
      if (position) {
        url.searchParams.set('epoch', position.epoch);
        url.searchParams.set('since', String(position.seq));
      }
    }
    const extra = this.#config.queryParams?.() ?? {};
    for (const [key, value] of Object.entries(extra)) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  }

  /** The connection is unusable (timeout): drop it without waiting for a closing handshake. */
  #abandon(generation: number, reason: string): void {
    if (generation !== this.#generation) return;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      detach(ws);
      closeQuietly(ws);
    }
    this.#handleClose(generation, 1006, reason);
  }

  #handleClose(generation: number, code: number, reason: string): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#clearTimers();
    if (this.#openedAt && Date.now() - this.#openedAt >= this.#config.stableConnectionTime) this.#attempts = 0;
    this.#openedAt = 0;

    // A listener below may disconnect or reconnect: nothing of this close is done after that.
    const current = this.#generation;
    const refused = AUTH_CLOSE_CODES.has(code) && !this.#config.getToken;
    if (!this.#config.reconnect || refused || this.#attempts >= this.#config.maxReconnectAttempts) {
      const gaveUp = this.#config.reconnect;
      const pending = this.#pending;
      this.#pending = null;
      this.#setState(gaveUp ? 'failed' : 'disconnected');
      if (current === this.#generation) this.#emitConnection({ type: 'disconnected', code, reason, willReconnect: false });
      pending?.reject(new Error(refused ? `connection refused: ${reason || code}` : gaveUp ? 'gave up reconnecting' : `connection closed: ${code}`));
      return;
    }
    const delay = backoffDelay(this.#attempts, this.#config.reconnectDelay, this.#config.maxReconnectDelay, this.#config.random);
    this.#attempts++;
    // Armed before listeners run, so that a listener that disconnects clears it.
    this.#retryAt = Date.now() + delay;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#open();
    }, delay);
    this.#setState('reconnecting');
    if (current === this.#generation) this.#emitConnection({ type: 'disconnected', code, reason, willReconnect: true, attempt: this.#attempts, delay });
  }

  #giveUp(error: Error): void {
    this.#generation++;
    this.#clearTimers();
    this.#setState('failed');
    this.#emitConnection({ type: 'error', error });
    this.#failPending(error);
  }

  #handleFrame(data: unknown): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#stats.framesReceived++;
    this.#stats.lastFrameAt = Date.now();
    const { messages, rejections } = decodeFrame(data, this.#config.maxFrameSize);
    for (const rejection of rejections) {
      this.#stats.framesRejected++;
      this.#rejectionListeners.emit(rejection);
    }
    if (this.#awaitingSession && messages.length > 0) {
      // The server's first frame after the auth message (the session frame, from a server that
      // resumes): the token was accepted.
      const generation = this.#generation;
      this.#connected(generation);
      if (generation !== this.#generation) return; // a listener closed it
    }
    let events: ProgressEvent[] | undefined;
    for (const message of messages) {
      switch (message.type) {
        case 'ping':
          this.send({ type: 'pong', timestamp: now() });
          this.#emitConnection({ type: 'heartbeat', direction: 'ping' });
          break;
        case 'pong':
          this.#emitConnection({ type: 'heartbeat', direction: 'pong' });
          break;
        case 'session':
          this.#handleSession(message);
          break;
        default:
          if (message.seq !== undefined && this.#epoch !== undefined) {
            if (message.seq <= this.#lastSeq) {
              this.#stats.duplicatesDropped++;
              continue;
            }
            this.#lastSeq = message.seq;
          }
          (events ??= []).push(message);
      }
    }
    if (!events) return;
    for (const event of events) {
      this.#eventListeners.get(event.type)?.emit(event);
      this.#eventListeners.get('*')?.emit(event);
    }
    this.#frameListeners.emit(events);
  }

  /** The server's first frame when it supports resume: where the sequence stands. */
  #handleSession(session: SessionMessage): void {
    const askedFrom = this.#askedFrom;
    this.#askedFrom = undefined;
    this.#speaksSession = true;
    if (session.epoch !== this.#epoch) {
      // A new sequence: numbers restart, so nothing received before is comparable.
      this.#epoch = session.epoch;
      this.#lastSeq = 0;
    }
    if (!session.resumed) {
      // Events after our position are not coming: start counting from the server's head.
      this.#lastSeq = Math.max(this.#lastSeq, session.seq);
      if (askedFrom) this.#resyncListeners.emit(askedFrom.epoch === session.epoch ? 'gap' : 'epoch');
    } else if (askedFrom) {
      this.#resyncListeners.emit('resumed');
    }
  }

  #ping(): void {
    if (this.#pongTimer !== undefined || !this.#ws) return;
    if (!this.send({ type: 'ping', timestamp: now() })) return;
    const generation = this.#generation;
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = undefined;
      this.#abandon(generation, 'heartbeat timeout');
    }, this.#config.heartbeatTimeout);
  }

  #clearTimers(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#pongTimer);
    this.#reconnectTimer = this.#connectTimer = this.#heartbeatTimer = this.#pongTimer = undefined;
  }

  // Browsers: reconnect as soon as the network is back; check the link when a page is shown again.
  readonly #handleOnline = (): void => {
    if (this.#state === 'reconnecting' || this.#state === 'failed') void this.reconnect();
  };
  readonly #handleVisibility = (): void => {
    const doc = (globalThis as { document?: { visibilityState?: string } }).document;
    if (doc?.visibilityState === 'visible') this.checkConnection();
  };

  #watchEnvironment(): void {
    if (this.#environmentWatched) return;
    const g = globalThis as unknown as Partial<EventTarget> & { document?: Partial<EventTarget> };
    if (typeof g.addEventListener !== 'function') return;
    g.addEventListener('online', this.#handleOnline);
    g.document?.addEventListener?.('visibilitychange', this.#handleVisibility);
    this.#environmentWatched = true;
  }

  #unwatchEnvironment(): void {
    if (!this.#environmentWatched) return;
    const g = globalThis as unknown as Partial<EventTarget> & { document?: Partial<EventTarget> };
    g.removeEventListener?.('online', this.#handleOnline);
    g.document?.removeEventListener?.('visibilitychange', this.#handleVisibility);
    this.#environmentWatched = false;
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateListeners.emit(state);
  }

  /** Tells the connection listeners: the time, URL and state now, then the event's own fields. */
  #emitConnection(fields: OwnFields<ConnectionEvent>): void {
    this.#connectionListeners.emit({ timestamp: now(), url: this.#publicUrl, state: this.#state, ...fields } as ConnectionEvent);
  }
}

/** The connection events `on()` also takes, as AInTandem's manager does. */
const connectionTypes: ReadonlySet<string> = new Set(CONNECTION_EVENT_TYPES);
const isConnectionEventType = (type: string): type is ConnectionEventType => connectionTypes.has(type);

const ignore = (): void => {};

/** The time now as events carry it (ISO 8601). */
const now = (): string => new Date().toISOString();

/** Stops a socket from calling back. `ws` throws on an 'error' nobody listens to, so one stays. */
function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = ignore;
}

function closeQuietly(ws: WebSocketLike): void {
  try {
    if (ws.terminate) ws.terminate();
    else ws.close(4000, 'abandoned');
  } catch {
    // nothing left to close
  }
}
