/**
 * A plain `ws` client for server tests: records every frame it receives and lets a test wait
 * for the next one, for the close, or for the absence of anything.
 */
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

export interface RawClient {
  ws: WebSocket;
  /** Every text frame received so far, parsed as JSON (or the raw text when it is not JSON). */
  frames: unknown[];
  /** Resolves with the next frame (counting from the last one consumed) that matches. */
  next(match?: (frame: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves with the close code and reason once the socket closes. */
  closed: Promise<Closed>;
  send(data: string | Uint8Array): void;
  /** Cut the connection; safe to call more than once. */
  terminate(): void;
}

const DEFAULT_TIMEOUT = 5000;

export function connect(url: string, timeoutMs = DEFAULT_TIMEOUT): Promise<RawClient> {
  const ws = new WebSocket(url);
  const frames: unknown[] = [];
  let consumed = 0;
  const waiters = new Set<() => void>();

  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    let value: unknown = text;
    if (text !== null) {
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
    }
    frames.push(value);
    for (const wake of [...waiters]) wake();
  });

  const closed = new Promise<Closed>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });

  const client: RawClient = {
    ws,
    frames,
    closed,
    next(match = () => true, wait = DEFAULT_TIMEOUT) {
      return new Promise((resolve, reject) => {
        const check = () => {
          while (consumed < frames.length) {
            const frame = frames[consumed++];
            if (match(frame)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(frame);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame within ${wait} ms; got ${JSON.stringify(frames)}`));
        }, wait);
        waiters.add(check);
        check();
      });
    },
    send(data) {
      ws.send(data);
    },
    terminate() {
      ws.terminate();
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no connection to ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(client);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the error a connection attempt fails with (e.g. `Unexpected server response: 404`). */
export function connectError(url: string, timeoutMs = DEFAULT_TIMEOUT): Promise<Error> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${url} neither connected nor failed within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`${url} connected but was expected to fail`));
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `emitter` emits `event`, or rejects after `timeoutMs`. */
export function once<T extends unknown[]>(
  emitter: { on(event: string, listener: (...args: any[]) => void): unknown; off(event: string, listener: (...args: any[]) => void): unknown },
  event: string,
  timeoutMs = DEFAULT_TIMEOUT,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: any[]) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** A raw client for the length of a test: cut when it ends. */
export async function open(t: TestContext, url: string): Promise<RawClient> {
  const client = await connect(url);
  // A socket the server cuts may report an error; the test looks at frames and the close.
  client.ws.on('error', () => {});
  t.after(() => client.terminate());
  return client;
}
