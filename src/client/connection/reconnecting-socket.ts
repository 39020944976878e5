/**
 * One WebSocket that comes back: opens (asking for the token first), times out an attempt that
 * does not open or, once open, brings no frame (it asks for a ping at once), reconnects with
 * exponential backoff and full jitter, gives up after a number of consecutive failures or a
 * refused token, and reconnects at once when the browser is back online. When WebSocket does not
 * get through, an attempt goes over a stream of Server-Sent Events instead (transport-fallback.ts).
 * What travels over it is its owner's business (see connection.ts).
 */
import { backoffDelay } from '../backoff.js';
import type { ConnectionEvent, ConnectionState } from '../../protocol/events.js';
import { watchEnvironment } from './environment.js';
import { closeQuietly, detach, discard, OPEN, trySend, type Transport, type WebSocketLike } from './socket-like.js';
import { nextTransport, openTransport } from './transport-fallback.js';

import type { SocketConfig, SocketOwner } from './socket-config.js';
import { deferred, type Deferred } from './deferred.js';

export type { Transport, WebSocketConstructor, WebSocketLike } from './socket-like.js';
export type { SocketConfig, SocketOwner, TokenSource } from './socket-config.js';

/** Close code with which a server that restarts or drains asks its clients to reconnect now (to another instance). */
const SERVICE_RESTART = 1012;
/** The longest delay before reconnecting after 1012: a jitter, so that a drained server's clients do not return together. */
const RESTART_JITTER = 1000;
/** The reason of an attempt that did not open before its deadline. */
const TIMED_OUT = 'connection timeout';

/** Close codes with which a server says the token was refused. */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 1008]);

type OwnFields<E> = E extends ConnectionEvent ? Omit<E, 'timestamp' | 'url' | 'state'> : never;

/** One try at a connection: callbacks of an attempt that is no longer current do nothing. */
interface Attempt {
  transport: Transport;
  ws?: WebSocketLike;
  /** The deadline of the attempt, getToken included. */
  timer?: ReturnType<typeof setTimeout>;
  /** onopen fired. */
  open?: boolean;
  /** Date.now() when it counted as connected. */
  connectedAt?: number;
  /** A frame came. */
  heard?: boolean;
  /** An open WebSocket's deadline for its first frame. */
  silence?: ReturnType<typeof setTimeout>;
}

export class ReconnectingSocket {
  readonly #config: SocketConfig;
  readonly #owner: SocketOwner;
  #state: ConnectionState = 'disconnected';
  #attempt: Attempt | undefined;
  /** Consecutive failed attempts (0 after a connection that stayed up). */
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = 0;
  #pending: Deferred | undefined;
  #unwatch: (() => void) | undefined;
  /** The transport of the next attempt (transport-fallback.ts), and the WebSocket attempts that failed in a row. */
  #transport: Transport;
  #websocketFailures = 0;

  constructor(config: SocketConfig, owner: SocketOwner) {
    this.#config = config;
    this.#owner = owner;
    this.#transport = config.transports[0] ?? 'websocket';
  }

  /** The transport of the connection now (or of the next attempt). */
  get transport(): Transport {
    const attempt = this.#attempt;
    return attempt ? (attempt.ws?.transport ?? attempt.transport) : this.#transport;
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

  /** Open, and waiting for the server's first frame (the answer to the token in the first message, or to the ping). */
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

  /** The server's first frame came: frames pass, and a token in the first message was accepted. */
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

  /** The token for a new socket (getToken's answer, or the static one). */
  async #token(): Promise<string | undefined> {
    return (this.#config.getToken ? await this.#config.getToken() : this.#config.token) ?? undefined;
  }

  async #open(): Promise<void> {
    const transport = this.#transport;
    const attempt: Attempt = { transport };
    this.#attempt = attempt;
    const config = this.#config;
    // One deadline for the whole attempt: a getToken that never answers counts as a failed attempt.
    attempt.timer = setTimeout(() => this.#fail(attempt, 1006, TIMED_OUT), config.connectionTimeout);
    let token: string | undefined;
    try {
      token = await this.#token();
    } catch (error) {
      if (attempt !== this.#attempt) return;
      this.#emit({ type: 'error', error: new Error('getToken failed', { cause: error }) });
      this.#fail(attempt, 4401, 'token unavailable');
      return;
    }
    if (attempt !== this.#attempt) return;
    if (!config.WebSocket && transport === 'websocket') {
      this.#giveUp(new Error('no WebSocket implementation: pass the `WebSocket` option (e.g. from "ws")'));
      return;
    }
    let ws: WebSocketLike;
    // How a stream's background tries back to WebSocket open theirs: with a token of their own.
    let probeToken: string | undefined;
    const returnHost = {
      openWebSocket: async () => new config.WebSocket!(this.#owner.url((probeToken = await this.#token()), 'websocket')),
      greet: (probe: WebSocketLike) => this.#greet(probe, probeToken),
    };
    try {
      ws = await openTransport(transport, config, this.#owner.url(token, transport), token, returnHost);
    } catch (error) {
      if (attempt !== this.#attempt) return;
      this.#emit({ type: 'error', error: new Error(`${transport === 'sse' ? 'event stream' : 'WebSocket constructor'} failed`, { cause: error }) });
      this.#fail(attempt, 1006, 'constructor failed');
      return;
    }
    if (attempt !== this.#attempt) {
      discard(ws);
      return;
    }
    const inMessage = !!token && config.tokenTransport === 'message' && transport === 'websocket';
    attempt.ws = ws;
    try {
      ws.binaryType = 'arraybuffer';
    } catch {
      // not settable: fine
    }
    ws.onopen = () => {
      if (attempt !== this.#attempt) return;
      attempt.open = true;
      // A socket that opens and then hears nothing (a proxy that drops every frame) is not a connection.
      const bound = transport === 'websocket' && config.firstFrameTimeout > 0;
      if (transport === 'websocket') this.#greet(ws, token);
      if (bound) attempt.silence = setTimeout(() => this.#fail(attempt, 1006, 'no frame after open'), config.firstFrameTimeout);
      // Connected from the server's first frame on (the owner calls accepted()): a refused token, or
      // a socket whose frames do not pass, never counts as connected.
      if (bound || (inMessage && config.acceptOnFirstFrame)) return;
      this.#connected(attempt);
    };
    this.#listen(attempt, ws);
  }

  /** What a WebSocket sends once open: the token when it goes in a message, then a ping, whose answer proves that frames pass. */
  #greet(ws: WebSocketLike, token: string | undefined): void {
    if (token && this.#config.tokenTransport === 'message') trySend(ws, JSON.stringify({ type: 'auth', token }));
    if (this.#config.firstFrameTimeout > 0) trySend(ws, JSON.stringify({ type: 'ping', timestamp: new Date().toISOString() }));
  }

  /** The messages, errors and close of an attempt's socket. */
  #listen(attempt: Attempt, ws: WebSocketLike): void {
    const config = this.#config;
    ws.onmessage = (event) => {
      if (attempt !== this.#attempt) return;
      if (!attempt.heard) {
        attempt.heard = true;
        clearTimeout(attempt.silence);
      }
      this.#owner.frame(event.data);
    };
    ws.onerror = () => {
      if (attempt !== this.#attempt) return;
      // Browsers give no detail; the close event that follows says the rest.
      this.#emit({ type: 'error', error: new Error(`${attempt.transport === 'sse' ? 'event stream' : 'WebSocket'} error on ${config.publicUrl}`) });
      // Some runtimes (Node's own WebSocket) never close a socket that failed to open: the attempt failed now.
      if (!attempt.open) this.#fail(attempt, 1006, 'connection failed');
    };
    ws.onclose = (event) => {
      if (attempt !== this.#attempt) return;
      detach(ws);
      attempt.transport = ws.transport ?? attempt.transport;
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
      attempt.transport = ws.transport ?? attempt.transport;
      discard(ws);
    }
    this.#closed(attempt, code, reason);
  }

  /** The current attempt is over: reconnect after a backoff, or give up. */
  #closed(attempt: Attempt, code: number, reason: string): void {
    if (attempt !== this.#attempt) return;
    this.#attempt = undefined;
    clearTimeout(attempt.timer);
    clearTimeout(attempt.silence);
    const config = this.#config;
    const [next, failures, switched] = nextTransport(
      { transport: attempt.transport, opened: !!attempt.open, heard: !!attempt.heard, timedOut: reason === TIMED_OUT },
      this.#websocketFailures,
      config.transports,
      config.websocketAttempts,
    );
    this.#transport = next;
    this.#websocketFailures = failures;
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
    // Over to the other transport at once: a refused or silent WebSocket is no reason to wait.
    const delay = switched
      ? 0
      : restart
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
    clearTimeout(attempt.silence);
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

  #newPending(): Deferred {
    return (this.#pending = deferred());
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
