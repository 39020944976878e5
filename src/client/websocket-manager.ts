/**
 * One WebSocket connection to a progress server with the API of the AInTandem SDK's
 * `WebSocketManager` (the Phase 5 report's nine methods and the SDK's listener forms): a thin
 * facade over `Connection` (connection/connection.ts), which does the work.
 */
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
} from '../protocol/events.js';
import { ListenerSet } from './listener-set.js';
import { Connection, logListenerError, type ConnectionConfig, type ConnectionStats } from './connection/connection.js';
import type { FrameRejection } from '../protocol/parse-frame.js';
import type { ResyncReason } from './connection/sequence-tracker.js';
import type { ResumePosition } from './connection/socket-url.js';

export type { WebSocketConstructor, WebSocketLike, TokenSource, Transport } from './connection/reconnecting-socket.js';
export { AUTH_CLOSE_CODES } from './connection/reconnecting-socket.js';
export { redactUrl, type ResumePosition } from './connection/socket-url.js';
export type { ResyncReason } from './connection/sequence-tracker.js';

export type WebSocketManagerConfig = ConnectionConfig;
export type WebSocketManagerStats = ConnectionStats;

/** The connection events `on()` also takes, as AInTandem's manager does. */
const connectionTypes: ReadonlySet<string> = new Set(CONNECTION_EVENT_TYPES);
const isConnectionEventType = (type: string): type is ConnectionEventType => connectionTypes.has(type);

export class WebSocketManager {
  readonly #connection: Connection;
  readonly #onListenerError: (error: unknown) => void;
  /** Listeners of one event type, or of every event (`'*'`); fed from the connection's frames while there are any. */
  readonly #byType = new Map<string, ListenerSet<ProgressEvent>>();
  #offFrames: (() => void) | undefined;
  /** Listeners added with on('connected' | 'disconnected' | 'error' | 'heartbeat'), and how to remove each. */
  readonly #connectionByType = new Map<ConnectionEventType, Map<unknown, () => void>>();

  constructor(config: WebSocketManagerConfig) {
    this.#connection = new Connection(config);
    this.#onListenerError = config.onListenerError ?? logListenerError;
  }

  /** The URL without query string: safe to show. */
  get url(): string {
    return this.#connection.url;
  }

  // ---- the seed's nine methods ------------------------------------------------------------

  /**
   * Opens the connection. Resolves once connected (after retries, if needed); rejects when the
   * manager gives up or `disconnect()` is called first.
   */
  connect(): Promise<void> {
    return this.#connection.connect();
  }

  /** Closes the connection for good: no reconnect, no timer or listener left behind. */
  disconnect(): void {
    this.#connection.disconnect();
  }

  /** Drops the current connection (if any) and connects again now, with a fresh attempt counter. */
  reconnect(): Promise<void> {
    return this.#connection.reconnect();
  }

  getState(): ConnectionState {
    return this.#connection.state;
  }

  isConnected(): boolean {
    return this.#connection.state === 'connected';
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
      let byListener = this.#connectionByType.get(type);
      if (!byListener) this.#connectionByType.set(type, (byListener = new Map()));
      if (!byListener.has(listener)) byListener.set(listener, this.#connection.events.add((event) => event.type === type && (listener as ConnectionEventListener)(event)));
      return;
    }
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new ListenerSet(this.#onListenerError)));
    set.add(listener as ProgressEventListener);
    this.#offFrames ??= this.#connection.frames.add((events) => {
      for (const event of events) {
        this.#byType.get(event.type)?.emit(event);
        this.#byType.get('*')?.emit(event);
      }
    });
  }

  off<K extends ProgressEventType>(type: K, listener: (event: ProgressEventMap[K]) => void): void;
  off<K extends ConnectionEventType>(type: K, listener: (event: Extract<ConnectionEvent, { type: K }>) => void): void;
  off(type: '*', listener: ProgressEventListener): void;
  off(type: string, listener: (event: never) => void): void {
    if (isConnectionEventType(type)) {
      const byListener = this.#connectionByType.get(type);
      byListener?.get(listener)?.();
      byListener?.delete(listener);
      return;
    }
    const set = this.#byType.get(type);
    if (!set) return;
    set.delete(listener as ProgressEventListener);
    if (set.size > 0) return;
    this.#byType.delete(type);
    if (this.#byType.size === 0) {
      this.#offFrames?.();
      this.#offFrames = undefined;
    }
  }

  /** Connection events: connected, disconnected (with willReconnect), error, heartbeat. */
  onConnectionState(listener: ConnectionEventListener): () => void {
    return this.#connection.events.add(listener);
  }

  offConnectionState(listener: ConnectionEventListener): void {
    this.#connection.events.delete(listener);
  }

  // ---- beyond the seed --------------------------------------------------------------------

  /** Called with every change of getState(). */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.#connection.states.add(listener);
  }

  /** Called with every frame that was dropped, and why. */
  onRejectedFrame(listener: (rejection: FrameRejection) => void): () => void {
    return this.#connection.rejections.add(listener);
  }

  /** The events of each frame, after the per-event listeners: a batch arrives as one call. */
  onFrame(listener: (events: ProgressEvent[]) => void): () => void {
    return this.#connection.frames.add(listener);
  }

  /**
   * Called after a reconnection (or a first connection from a kept position) with what it means:
   * `resumed` when nothing was missed; otherwise events may have been missed and state should be
   * reloaded (see ResyncReason).
   */
  onResync(listener: (reason: ResyncReason) => void): () => void {
    return this.#connection.resyncs.add(listener);
  }

  /** Where this connection stands in the server's sequence, when the server numbers its events. */
  getResumePosition(): ResumePosition | undefined {
    return this.#connection.position;
  }

  /** While a reconnect attempt is scheduled: Date.now() when it is due. */
  getRetryAt(): number | undefined {
    return this.#connection.retryAt;
  }

  getStats(): WebSocketManagerStats {
    return this.#connection.stats();
  }

  /** Sends a JSON message; returns false when not connected. */
  send(message: object): boolean {
    return this.#connection.send(message);
  }

  /** Sends a ping now and declares the connection dead when nothing answers in heartbeatTimeout. */
  checkConnection(): void {
    this.#connection.check();
  }
}
