/**
 * What a connection needs of a socket (the browser's, Node's or `ws`'s WebSocket, or a stream of
 * Server-Sent Events that behaves like one), and the few safe ways to use one.
 */

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
  /** A socket of the client's own that may change transport (stream-transport.ts): what it uses now. */
  readonly transport?: Transport;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** How a connection reaches its server: a WebSocket, or a stream of Server-Sent Events (`fetch`). */
export type Transport = 'websocket' | 'sse';

export const OPEN = 1;

export function trySend(ws: WebSocketLike, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

const ignore = (): void => {};

/** Stops a socket from calling back. `ws` throws on an 'error' nobody listens to, so one stays. */
export function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = ignore;
}

/** Drops a socket without waiting for a closing handshake. */
export function closeQuietly(ws: WebSocketLike): void {
  try {
    if (ws.terminate) ws.terminate();
    else ws.close(4000, 'abandoned');
  } catch {
    // nothing left to close
  }
}

/** Detaches a socket and drops it. */
export function discard(ws: WebSocketLike): void {
  detach(ws);
  closeQuietly(ws);
}
