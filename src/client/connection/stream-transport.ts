/**
 * The socket of a connection that fell back: a stream of Server-Sent Events (event-stream-socket.ts)
 * that moves back to WebSocket by itself when a background try resumes from where it stands
 * (websocket-return.ts), so that its owner sees one socket throughout and only reads `transport`.
 * Over the stream a ping is answered here (the stream's own silence timeout proves it alive);
 * after the move everything goes to the WebSocket. Loaded on demand (transport-fallback.ts).
 */
import { EventStreamSocket } from './event-stream-socket.js';
import type { SocketConfig } from './socket-config.js';
import type { Transport, WebSocketLike } from './socket-like.js';
import { drop, WebSocketReturn, type ReturnHost } from './websocket-return.js';

/** ms between tries back to WebSocket, by default. */
const RETRY_INTERVAL = 60_000;
/** ms of silence that end a stream, by default: 2.5 times the reference server's 15 s heartbeat. */
const STREAM_TIMEOUT = 37_500;

export class StreamTransport implements WebSocketLike {
  transport: Transport = 'sse';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  #socket: WebSocketLike;
  #return: WebSocketReturn | undefined;

  constructor(url: string, token: string | undefined, config: SocketConfig, host: ReturnHost) {
    const stream = new EventStreamSocket(url, { token, timeout: config.streamTimeout ?? STREAM_TIMEOUT, maxMessageSize: config.maxFrameSize });
    const retry = { ...config, websocketRetryInterval: config.websocketRetryInterval ?? RETRY_INTERVAL };
    this.#socket = stream;
    this.#listen(stream);
    stream.onopen = (event) => {
      if (retry.websocketRetryInterval > 0 && config.transports.includes('websocket')) this.#return = new WebSocketReturn(retry, host, (ws, first) => this.#adopt(ws, first));
      this.onopen?.(event);
    };
  }

  get readyState(): number {
    return this.#socket.readyState;
  }

  send(data: string): void {
    if (this.transport === 'websocket') return this.#socket.send(data);
    if (!/^\{"type":"ping"/.test(data)) throw new Error('a stream cannot send');
    // The stream's silence timeout is its heartbeat: a ping is answered here.
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify({ type: 'pong', timestamp: new Date().toISOString() }) }));
  }

  close(code?: number, reason?: string): void {
    this.#stop();
    this.#socket.close(code, reason);
  }

  terminate(): void {
    this.#stop();
    drop(this.#socket);
  }

  #stop(): void {
    this.#return?.stop();
    this.#return = undefined;
  }

  #listen(socket: WebSocketLike): void {
    socket.onmessage = (event) => this.onmessage?.(event);
    socket.onerror = (event) => this.onerror?.(event);
    socket.onclose = (event) => {
      this.#stop();
      this.onclose?.(event);
    };
  }

  /** The WebSocket resumes from here: it takes over, and the stream closes. */
  #adopt(ws: WebSocketLike, first: string): void {
    drop(this.#socket, 1000, 'moved to WebSocket');
    this.#return = undefined;
    this.#socket = ws;
    this.transport = 'websocket';
    this.#listen(ws);
    this.onmessage?.({ data: first });
  }
}
