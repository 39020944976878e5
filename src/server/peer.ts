/**
 * What the server's per-client code (admission, fan-out, the outbox, sessions, expiry, revoke,
 * drain, shedding) uses of a client's connection, whatever carries it: a `ws` WebSocket has all
 * of it as is, and a Server-Sent Events stream (`SsePeer`) implements the same over an HTTP
 * response. The ready states are the WebSocket's numbers.
 */

/** `readyState` of a peer that sends. */
export const PEER_OPEN = 1;
/** `readyState` once `close()` was called and the connection is not gone yet. */
export const PEER_CLOSING = 2;
/** `readyState` once the connection is gone. */
export const PEER_CLOSED = 3;

export interface Peer {
  /** `PEER_OPEN` while frames may be sent. */
  readonly readyState: number;
  /** Bytes handed to the connection and not written to the kernel yet. */
  readonly bufferedAmount: number;
  /** Whether the server stopped reading it. */
  readonly isPaused: boolean;
  /** Sends a frame; `callback` once it is written (or failed). */
  send(frame: string | Uint8Array, callback?: (error?: Error) => void): void;
  /**
   * Sends an event frame carrying event numbers up to `seq` (the last one's, for a batch).
   * Only a transport that says the number beside the frame (a stream's `id:`) has it.
   */
  sendEvent?(frame: string, seq: number, callback?: (error?: Error) => void): void;
  /** Ends it, telling the client why; the `close` listeners run once the connection is gone. */
  close(code: number, reason: string): void;
  /** Cuts the connection at once. */
  terminate(): void;
  pause(): void;
  resume(): void;
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this;
}
