/**
 * The way back to WebSocket from a stream of Server-Sent Events: every interval, a WebSocket to
 * where the connection stands (its URL asks for epoch and since), greeted as any socket is; the
 * connection moves to it only when its first frame is a session frame that resumes from there,
 * so that nothing is missed (what came over both is dropped by the sequence tracker). A try that
 * is refused, stays silent or does not resume is dropped, and another comes later. Loaded on
 * demand, by a client that fell back to a stream (transport-fallback.ts).
 */
import { discard, type WebSocketLike } from './socket-like.js';
import type { FallbackConfig, FallbackHost } from './transport-fallback.js';

interface Try {
  ws?: WebSocketLike;
  timer?: ReturnType<typeof setTimeout>;
}

export class WebSocketReturn {
  readonly #config: FallbackConfig;
  readonly #host: FallbackHost;
  #try: Try | undefined;
  #next: ReturnType<typeof setTimeout> | undefined;

  /** Schedules the first try. */
  constructor(config: FallbackConfig, host: FallbackHost) {
    this.#config = config;
    this.#host = host;
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
    if (current.ws) discard(current.ws);
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
    let ws: WebSocketLike | undefined;
    try {
      ws = await this.#host.openWebSocket();
    } catch {
      ws = undefined;
    }
    if (this.#try !== current) {
      if (ws) discard(ws);
      return;
    }
    if (!ws) return this.#failed(current);
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
      this.#host.adopt(ws, data);
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

/** Whether a frame is a session frame that resumes the sequence (docs/protocol.md). */
function resumes(data: string): boolean {
  try {
    const frame = JSON.parse(data) as { type?: unknown; resumed?: unknown };
    return frame.type === 'session' && frame.resumed === true;
  } catch {
    return false;
  }
}
