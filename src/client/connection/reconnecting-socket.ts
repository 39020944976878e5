/**
 * One WebSocket that comes back: opens (asking for the token first), times out an attempt that
 * does not open, reconnects with exponential backoff and full jitter, gives up after a number of
 * consecutive failures or a refused token, and reconnects at once when the browser is back online.
 * What travels over it is its owner's business (see connection.ts).
 */
import { backoffDelay } from '../backoff.js';
import type { ConnectionEvent, ConnectionState } from '../events.js';
import { watchEnvironment } from './environment.js';

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

/** Close code with which a server that restarts or drains asks its clients to reconnect now (to another instance). */
const SERVICE_RESTART = 1012;
/** The longest delay before reconnecting after 1012: a jitter, so that a drained server's clients do not return together. */
const RESTART_JITTER = 1000;

/** Close codes with which a server says the token was refused. */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 1008]);

export interface SocketConfig {
  /** The socket's URL without its query: what events and errors show. */
  publicUrl: string;
  WebSocket: WebSocketConstructor | undefined;
  token: string | undefined;
  getToken: TokenSource | undefined;
  tokenTransport: 'query' | 'message';
  /**
   * With the token in the first message: count as connected only from the server's first frame
   * (the owner calls `accepted()`), so that a refused token never counts as connected.
   */
  acceptOnFirstFrame: boolean;
  reconnect: boolean;
  maxReconnectAttempts: number;
  reconnectDelay: number;
  maxReconnectDelay: number;
  connectionTimeout: number;
  stableConnectionTime: number;
  random: () => number;
}

/** What the socket tells its owner, which runs before anyone else hears of it. */
export interface SocketOwner {
  /** The URL of an attempt with this token (undefined without one). */
  url(token: string | undefined): string;
  /** Every change of state, before the state's listeners. */
  state(state: ConnectionState): void;
  /** Connection events, for the owner to pass on. */
  event(event: ConnectionEvent): void;
  frame(data: unknown): void;
  /** A connection is up: after its `connected` event and after `connect()` resolved. */
  connected(): void;
  /** The page was shown again. */
  visible(): void;
}

type OwnFields<E> = E extends ConnectionEvent ? Omit<E, 'timestamp' | 'url' | 'state'> : never;

/** One try at a connection: callbacks of an attempt that is no longer current do nothing. */
interface Attempt {
  ws?: WebSocketLike;
  /** The deadline of the attempt, getToken included. */
  timer?: ReturnType<typeof setTimeout>;
  /** onopen fired. */
  open?: boolean;
  /** Date.now() when it counted as connected. */
  connectedAt?: number;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  promise: Promise<void>;
}

const OPEN = 1;

export class ReconnectingSocket {
  readonly #config: SocketConfig;
  readonly #owner: SocketOwner;
  #state: ConnectionState = 'disconnected';
  #attempt: Attempt | undefined;
  /** Consecutive failed attempts (0 after a connection that stayed up). */
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = 0;
  #pending: Pending | undefined;
  #unwatch: (() => void) | undefined;

  constructor(config: SocketConfig, owner: SocketOwner) {
    this.#config = config;
    this.#owner = owner;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get failures(): number {
    return this.#failures;
  }

  /** While an attempt is scheduled: Date.now() when it is due. */
  get retryAt(): number | undefined {
    return this.#retryTimer === undefined ? undefined : this.#retryAt;
  }

  /** Open with the token sent in the first message, and waiting for the server to accept it. */
  get awaitingAccept(): boolean {
    const a = this.#attempt;
    return a !== undefined && a.open === true && a.connectedAt === undefined;
  }

  /**
   * Opens the connection. Resolves once connected (after retries, if needed); rejects when the
   * socket gives up or `disconnect()` is called first.
   */
  connect(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#pending) return this.#pending.promise;
    const pending = this.#newPending();
    if (this.#state !== 'connecting' && this.#state !== 'reconnecting') this.#start();
    return pending.promise;
  }

  /** Drops the current connection (if any) and connects again now, with a fresh attempt counter. */
  reconnect(): Promise<void> {
    this.#end(4000, 'abandoned');
    const promise = (this.#pending ?? this.#newPending()).promise;
    this.#start();
    return promise;
  }

  /** Closes the connection for good: no reconnect, no timer or listener left behind. */
  disconnect(): void {
    const wasActive = this.#state !== 'disconnected' && this.#state !== 'failed';
    const hadSocket = this.#attempt?.ws !== undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (hadSocket) this.#setState('disconnecting');
    this.#end(1000, 'client disconnect');
    this.#failPending(new Error('disconnected'));
    if (wasActive) {
      this.#setState('disconnected');
      this.#emit({ type: 'disconnected', code: 1000, reason: 'client disconnect', willReconnect: false });
    }
  }

  /** Sends text; false when not connected. */
  send(text: string): boolean {
    const ws = this.#attempt?.ws;
    if (!ws || this.#state !== 'connected' || ws.readyState !== OPEN) return false;
    return trySend(ws, text);
  }

  /** With the token in the first message: the server's first frame came, so it was accepted. */
  accepted(): void {
    const attempt = this.#attempt;
    if (attempt && this.awaitingAccept) this.#connected(attempt);
  }

  /** The connection is unusable (a heartbeat timeout): dropped without waiting for a closing handshake. */
  abandon(reason: string): void {
    const attempt = this.#attempt;
    if (attempt) this.#fail(attempt, 1006, reason);
  }

  // ---- internals --------------------------------------------------------------------------

  #start(): void {
    this.#failures = 0;
    this.#unwatch ??= watchEnvironment({
      online: () => {
        // Back online: reconnect now rather than at the end of the backoff.
        if (this.#state === 'reconnecting' || this.#state === 'failed') void this.reconnect();
      },
      visible: () => this.#owner.visible(),
    });
    this.#setState('connecting');
    void this.#open();
  }

  async #open(): Promise<void> {
    const attempt: Attempt = {};
    this.#attempt = attempt;
    const config = this.#config;
    // One deadline for the whole attempt: a getToken that never answers counts as a failed attempt.
    attempt.timer = setTimeout(() => this.#fail(attempt, 1006, 'connection timeout'), config.connectionTimeout);
    let token: string | null | undefined;
    try {
      token = config.getToken ? await config.getToken() : config.token;
    } catch (error) {
      if (attempt !== this.#attempt) return;
      this.#emit({ type: 'error', error: new Error('getToken failed', { cause: error }) });
      this.#fail(attempt, 4401, 'token unavailable');
      return;
    }
    if (attempt !== this.#attempt) return;
    if (!config.WebSocket) {
      this.#giveUp(new Error('no WebSocket implementation: pass the `WebSocket` option (e.g. from "ws")'));
      return;
    }
    const inMessage = !!token && config.tokenTransport === 'message';
    let ws: WebSocketLike;
    try {
      ws = new config.WebSocket(this.#owner.url(token ?? undefined));
    } catch (error) {
      this.#emit({ type: 'error', error: new Error('WebSocket constructor failed', { cause: error }) });
      this.#fail(attempt, 1006, 'constructor failed');
      return;
    }
    attempt.ws = ws;
    try {
      ws.binaryType = 'arraybuffer';
    } catch {
      // not settable: fine
    }
    ws.onopen = () => {
      if (attempt !== this.#attempt) return;
      attempt.open = true;
      if (inMessage) {
        trySend(ws, JSON.stringify({ type: 'auth', token }));
        // Connected from the server's first frame on: a refused token never counts as connected.
        if (config.acceptOnFirstFrame) return;
      }
      this.#connected(attempt);
    };
    ws.onmessage = (event) => {
      if (attempt === this.#attempt) this.#owner.frame(event.data);
    };
    ws.onerror = () => {
      if (attempt !== this.#attempt) return;
      // Browsers give no detail; the close event that follows says the rest.
      this.#emit({ type: 'error', error: new Error(`WebSocket error on ${config.publicUrl}`) });
      // Some runtimes (Node's own WebSocket) never close a socket that failed to open: the attempt failed now.
      if (!attempt.open) this.#fail(attempt, 1006, 'connection failed');
    };
    ws.onclose = (event) => {
      if (attempt !== this.#attempt) return;
      detach(ws);
      attempt.ws = undefined;
      this.#closed(attempt, event.code, event.reason);
    };
  }

  /** The attempt counts as connected: open, and accepted when the token came in the first message. */
  #connected(attempt: Attempt): void {
    clearTimeout(attempt.timer);
    attempt.connectedAt = Date.now();
    this.#setState('connected');
    if (attempt !== this.#attempt) return; // a listener closed it
    const pending = this.#pending;
    this.#pending = undefined;
    this.#emit({ type: 'connected' });
    pending?.resolve();
    if (attempt === this.#attempt) this.#owner.connected();
  }

  /** The attempt failed or the connection died: its socket is cut, then as after a close. */
  #fail(attempt: Attempt, code: number, reason: string): void {
    if (attempt !== this.#attempt) return;
    const ws = attempt.ws;
    attempt.ws = undefined;
    if (ws) {
      detach(ws);
      closeQuietly(ws);
    }
    this.#closed(attempt, code, reason);
  }

  /** The current attempt is over: reconnect after a backoff, or give up. */
  #closed(attempt: Attempt, code: number, reason: string): void {
    if (attempt !== this.#attempt) return;
    this.#attempt = undefined;
    clearTimeout(attempt.timer);
    const config = this.#config;
    // Asked to come back now (1012) by a server it was connected to: the backoff starts again, after a short jitter.
    const restart = code === SERVICE_RESTART && attempt.connectedAt !== undefined;
    if (restart || (attempt.connectedAt !== undefined && Date.now() - attempt.connectedAt >= config.stableConnectionTime)) this.#failures = 0;
    // Listeners below may disconnect or reconnect: nothing of this close is done after that.
    const refused = AUTH_CLOSE_CODES.has(code) && !config.getToken;
    if (!config.reconnect || refused || this.#failures >= config.maxReconnectAttempts) {
      const final: ConnectionState = config.reconnect ? 'failed' : 'disconnected';
      const pending = this.#pending;
      this.#pending = undefined;
      this.#setState(final);
      if (this.#quiet(final)) this.#emit({ type: 'disconnected', code, reason, willReconnect: false });
      pending?.reject(new Error(refused ? `connection refused: ${reason || code}` : config.reconnect ? 'gave up reconnecting' : `connection closed: ${code}`));
      return;
    }
    const delay = restart
      ? Math.floor(config.random() * Math.min(RESTART_JITTER, config.maxReconnectDelay))
      : backoffDelay(this.#failures, config.reconnectDelay, config.maxReconnectDelay, config.random);
    this.#failures++;
    // Armed before listeners run, so that a listener that disconnects clears it.
    this.#retryAt = Date.now() + delay;
    const timer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#open();
    }, delay);
    this.#retryTimer = timer;
    this.#setState('reconnecting');
    if (this.#retryTimer === timer) this.#emit({ type: 'disconnected', code, reason, willReconnect: true, attempt: this.#failures, delay });
  }

  /** Whether nothing happened since the socket settled in `state` (no listener reconnected it). */
  #quiet(state: ConnectionState): boolean {
    return this.#state === state && this.#attempt === undefined && this.#retryTimer === undefined;
  }

  #giveUp(error: Error): void {
    this.#end(1000, '');
    this.#setState('failed');
    this.#emit({ type: 'error', error });
    this.#failPending(error);
  }

  /** Ends the current attempt and any scheduled one, closing its socket. */
  #end(code: number, reason: string): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const attempt = this.#attempt;
    this.#attempt = undefined;
    if (!attempt) return;
    clearTimeout(attempt.timer);
    const ws = attempt.ws;
    if (!ws) return;
    detach(ws);
    if (code === 1000) {
      try {
        ws.close(1000, reason);
      } catch {
        // already closing
      }
    } else {
      closeQuietly(ws);
    }
  }

  #newPending(): Pending {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A caller that does not await connect() must not get an unhandled rejection.
    promise.catch(() => {});
    return (this.#pending = { resolve, reject, promise });
  }

  #failPending(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#owner.state(state);
  }

  /** A connection event with the time, URL and state now. */
  #emit(fields: OwnFields<ConnectionEvent>): void {
    this.#owner.event({ timestamp: new Date().toISOString(), url: this.#config.publicUrl, state: this.#state, ...fields } as ConnectionEvent);
  }
}

function trySend(ws: WebSocketLike, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

const ignore = (): void => {};

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
