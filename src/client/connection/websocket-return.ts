/**
 * The way back to WebSocket from a stream of Server-Sent Events: every interval, a WebSocket to
 * where the connection stands (its URL asks for epoch and since), greeted as any socket is; the
 * connection moves to it only when its first frame is a session frame that resumes from there,
 * so that nothing is missed (what came over both is dropped by the sequence tracker). A try that
 * is refused, stays silent or does not resume is dropped, and another comes later. Loaded on
 * demand, with the stream (stream-transport.ts).
 */
import type { SocketConfig } from './socket-config.js';
import type { WebSocketLike } from './socket-like.js';

/** What the tries need of the connection. */
export interface ReturnHost {
  /** A WebSocket to where the connection stands now (token, epoch and since). */
  openWebSocket(): Promise<WebSocketLike>;
  /** Sends what a WebSocket sends once open (the token when it goes in a message, a ping). */
  greet(ws: WebSocketLike): void;
}

type ReturnConfig = Pick<SocketConfig, 'connectionTimeout' | 'firstFrameTimeout'> & { websocketRetryInterval: number };

interface Try {
  ws?: WebSocketLike;
  timer?: ReturnType<typeof setTimeout>;
}

export class WebSocketReturn {
  readonly #config: ReturnConfig;
  readonly #host: ReturnHost;
  readonly #adopt: (ws: WebSocketLike, firstFrame: string) => void;
  #try: Try | undefined;
  #next: ReturnType<typeof setTimeout> | undefined;

  /** Schedules the first try; `adopt` takes the socket that resumes, with its first frame. */
  constructor(config: ReturnConfig, host: ReturnHost, adopt: (ws: WebSocketLike, firstFrame: string) => void) {
    this.#config = config;
    this.#host = host;
    this.#adopt = adopt;
    this.#schedule();
  }

  /** No more tries; the socket of one under way is dropped. */
  stop(): void {
    clearTimeout(this.#next);
    this.#next = undefined;
    const current = this.#try;
    this.#try = undefined;
    if (!current) return;
    clearTimeout(current.timer);
    if (current.ws) drop(current.ws);
  }

  #schedule(): void {
    this.#next = setTimeout(() => {
      this.#next = undefined;
      void this.#open();
    }, this.#config.websocketRetryInterval);
  }

  async #open(): Promise<void> {
    const current: Try = {};
    this.#try = current;
    const config = this.#config;
    current.timer = setTimeout(() => this.#failed(current), config.connectionTimeout);
    let ws: WebSocketLike;
    try {
      ws = await this.#host.openWebSocket();
    } catch {
      return this.#failed(current);
    }
    if (this.#try !== current) return drop(ws);
    current.ws = ws;
    ws.onopen = () => {
      if (this.#try !== current) return;
      this.#host.greet(ws);
      clearTimeout(current.timer);
      if (config.firstFrameTimeout > 0) current.timer = setTimeout(() => this.#failed(current), config.firstFrameTimeout);
    };
    ws.onmessage = ({ data }) => {
      if (this.#try !== current) return;
      if (typeof data !== 'string' || !resumes(data)) return this.#failed(current);
      clearTimeout(current.timer);
      this.#try = undefined;
      this.#adopt(ws, data);
    };
    ws.onerror = ws.onclose = () => this.#failed(current);
  }

  /** A try did not work out: its socket is dropped, and another comes later. */
  #failed(current: Try): void {
    if (this.#try !== current) return;
    this.stop();
    this.#schedule();
  }
}

/**
 * Stops a socket from calling back and drops it (as socket-like.ts does for the sockets of the
 * code loaded at start; kept apart so that this code shares no chunk with that).
 */
export function drop(ws: WebSocketLike, code = 4000, reason = 'abandoned'): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = () => {};
  try {
    if (ws.terminate && code === 4000) ws.terminate();
    else ws.close(code, reason);
  } catch {
    // nothing left to close
  }
}

/** Whether a frame is a session frame that resumes the sequence (docs/protocol.md). */
function resumes(data: string): boolean {
  try {
    const frame = JSON.parse(data) as { type?: unknown; resumed?: unknown };
    return frame.type === 'session' && frame.resumed === true;
  } catch {
    return false;
  }
}
