/**
 * A plain Server-Sent Events reader for server tests, over node:http on a connection of its own:
 * records every message (read with eventsource-parser, as a browser's EventSource would), every
 * comment and every byte, lets a test wait for the next message or the stream's `event: close`,
 * and stop reading (to be a slow client) or go away.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { TestContext } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface StreamOptions {
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  lastEventId?: string;
  /** Default `text/event-stream`. */
  accept?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface StreamMessage extends EventSourceMessage {
  /** `data` parsed as JSON (or the text when it is not JSON). */
  frame: any;
  /** Date.now() when it was read. */
  at: number;
}

export interface StreamClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body of an answer that is no stream, parsed as JSON when it is JSON. */
  body: any;
  messages: StreamMessage[];
  /** The frames: the data of messages without an `event:` field. */
  frames(): any[];
  comments: string[];
  /** Every byte received, as text. */
  raw(): string;
  /** Resolves with the next message (counting from the last one consumed) that matches. */
  next(match?: (message: StreamMessage) => boolean, timeoutMs?: number): Promise<StreamMessage>;
  /** The `event: close` message's `{ code, reason }`; rejects when the response ends without one. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the response ended or the connection went away. */
  ended: Promise<void>;
  /** Stops reading: the server's writes pile up. */
  pause(): void;
  resume(): void;
  /** Goes away (closes the connection); safe to call more than once. */
  cancel(): void;
}

const DEFAULT_TIMEOUT = 5000;

/** `http://…` for a server's `ws://…` URL. */
export const httpUrl = (wsUrl: string): string => wsUrl.replace(/^ws/, 'http');

export function openStream(url: string, options: StreamOptions = {}): Promise<StreamClient> {
  const headers: Record<string, string> = { accept: options.accept ?? 'text/event-stream', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const req = httpRequest(httpUrl(url), { headers, agent: false });
  req.on('error', () => {});
  req.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer from ${url} within ${options.timeoutMs ?? DEFAULT_TIMEOUT} ms`));
    }, options.timeoutMs ?? DEFAULT_TIMEOUT);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('response', (response: IncomingMessage) => {
      clearTimeout(timer);
      resolve(readStream(req, response));
    });
  });
}

function readStream(req: ReturnType<typeof httpRequest>, response: IncomingMessage): Promise<StreamClient> {
  const messages: StreamMessage[] = [];
  const comments: string[] = [];
  let text = '';
  let consumed = 0;
  const waiters = new Set<() => void>();
  let closeMessage: { code: number; reason: string } | undefined;
  const parser = createParser({
    onEvent(message) {
      let frame: unknown = message.data;
      try {
        frame = JSON.parse(message.data);
      } catch {
        // kept as text
      }
      const read: StreamMessage = { ...message, frame, at: Date.now() };
      messages.push(read);
      if (message.event === 'close') closeMessage = frame as { code: number; reason: string };
      for (const wake of [...waiters]) wake();
    },
    onComment: (comment) => comments.push(comment),
  });
  const isStream = (response.headers['content-type'] ?? '').startsWith('text/event-stream');
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
    if (isStream) parser.feed(chunk);
  });
  response.on('error', () => {});
  const ended = new Promise<void>((resolve) => {
    response.once('close', () => {
      resolve();
      for (const wake of [...waiters]) wake();
    });
  });
  const closed = ended.then(() => {
    if (closeMessage) return closeMessage;
    throw new Error(`the stream ended without an "event: close" message; got ${text}`);
  });
  closed.catch(() => {});
  const client: StreamClient = {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: undefined,
    messages,
    frames: () => messages.filter((message) => message.event === undefined).map((message) => message.frame),
    comments,
    raw: () => text,
    closed,
    ended,
    next(match = () => true, wait = DEFAULT_TIMEOUT) {
      return new Promise((resolve, reject) => {
        const check = () => {
          while (consumed < messages.length) {
            const message = messages[consumed++]!;
            if (match(message)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(message);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${wait} ms; got ${text}`));
        }, wait);
        waiters.add(check);
        check();
      });
    },
    // The response's own flow: once its buffer is full the connection is not read either.
    pause: () => response.pause(),
    resume: () => response.resume(),
    cancel: () => req.destroy(),
  };
  if (isStream) return Promise.resolve(client);
  // An answer that is no stream: its whole body.
  return ended.then(() => {
    try {
      client.body = JSON.parse(text);
    } catch {
      client.body = text;
    }
    return client;
  });
}

/** A stream for the length of a test: gone when it ends. */
export async function stream(t: TestContext, url: string, options?: StreamOptions): Promise<StreamClient> {
  const client = await openStream(url, options);
  t.after(() => client.cancel());
  return client;
}

/** Timers alive in this process now (to see that a stream left none behind). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}
