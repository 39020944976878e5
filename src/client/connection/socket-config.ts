/**
 * What a reconnecting socket is given (its settings) and whom it tells what happens (its owner).
 */
import type { ConnectionEvent, ConnectionState } from '../../protocol/events.js';
import type { Transport, WebSocketConstructor } from './socket-like.js';

export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

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
  /** The transports to use, in order of preference (transport-fallback.ts). */
  transports: readonly Transport[];
  /** ms after a WebSocket opens within which a frame must come (it is asked for a ping at once); 0: no bound. */
  firstFrameTimeout: number;
  /** Failed WebSocket attempts in a row after which the next goes over a stream. */
  websocketAttempts: number;
  /** ms between tries to move back to WebSocket while on a stream; 0: never. Default in stream-transport.ts. */
  websocketRetryInterval?: number | undefined;
  /** ms of silence after which a stream counts as dead. Default in stream-transport.ts. */
  streamTimeout?: number | undefined;
  /** The longest message of a stream, in characters. */
  maxFrameSize: number;
}

/** What the socket tells its owner, which runs before anyone else hears of it. */
export interface SocketOwner {
  /** The URL of an attempt over this transport, with this token (undefined without one; a stream's goes in a header). */
  url(token: string | undefined, transport: Transport): string;
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
