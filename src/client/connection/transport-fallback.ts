/**
 * Which transport a connection's next attempt uses (docs/protocol.md, "Server-Sent Events"):
 * WebSocket first; a stream of Server-Sent Events when the upgrade is refused or fails at once,
 * when an open socket stays silent past its bound (a proxy that passes the upgrade and drops every
 * frame), or after a number of failed WebSocket attempts in a row. The stream, and the background
 * tries back to WebSocket that come with it (stream-transport.ts), load on demand: a page that
 * never falls back does not ship them.
 */
import type { SocketConfig } from './socket-config.js';
import type { Transport, WebSocketLike } from './socket-like.js';
import type { ReturnHost } from './websocket-return.js';

/** How an attempt ended, as far as the choice of transport is concerned. */
export interface AttemptOutcome {
  /** The transport it ended on. */
  transport: Transport;
  /** The socket (or stream) opened. */
  opened: boolean;
  /** A frame came over it. */
  heard: boolean;
  /** It did not open within the attempt's deadline. */
  timedOut: boolean;
}

/** Opens a WebSocket, or a stream of Server-Sent Events that moves back to WebSocket when it can. */
export async function openTransport(transport: Transport, config: SocketConfig, url: string, token: string | undefined, host: ReturnHost): Promise<WebSocketLike> {
  if (transport === 'websocket') return new config.WebSocket!(url);
  const { StreamTransport } = await import('./stream-transport.js');
  return new StreamTransport(url, token, config, host);
}

/**
 * After an attempt that ended so, with `failures` failed WebSocket attempts in a row before it:
 * the transport of the next attempt, the failures in a row then, and whether to go at once
 * (without waiting for the backoff).
 */
export function nextTransport(outcome: AttemptOutcome, failures: number, transports: readonly Transport[], attempts: number): [Transport, number, boolean] {
  const { transport, opened, heard, timedOut } = outcome;
  // It worked: the next attempt uses it again.
  if (heard) return [transport, transport === 'websocket' ? 0 : failures, false];
  // A stream that carried nothing: WebSocket again next time, after the backoff.
  if (transport === 'sse') return [transports.includes('websocket') ? 'websocket' : 'sse', failures, false];
  // A WebSocket refused or failed at once, or silent once open: a stream now; one that only
  // timed out: after a few in a row.
  if (!transports.includes('sse') || (!opened && timedOut && ++failures < attempts)) return ['websocket', failures, false];
  return ['sse', 0, true];
}
