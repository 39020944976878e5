/**
 * What makes a progress server operable in production, beside its sockets: publishing over HTTP,
 * the health and readiness probes, the observer (metrics), and draining. The server holds one of
 * these and calls it from its request handler, its upgrade handler and its `drain()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProgressEvent } from '../client/events.js';
import { BearerKey, type BearerKeys } from './bearer-key.js';
import { drainSockets, type DrainOptions } from './drain.js';
import { handleHealth, type NotReady } from './health.js';
import { DEFAULT_MAX_PUBLISH_BYTES, handlePublish, type HttpPublishing } from './http-publish.js';
import { LogAppender } from './log-appender.js';
import { Observed, type ServerObserver, type SocketKind } from './observer.js';
import type { OutputStore } from './output-store.js';
import type { Peer } from './peer.js';
import type { ProgressLog } from './progress-log.js';

export interface OperationsOptions {
  /**
   * The key (or keys, while one replaces another) that authorise `POST {any prefix}/progress/events`,
   * sent as `Authorization: Bearer <key>`. Without it that endpoint does not exist (404, or
   * passed on to the next handler when the server is a middleware).
   */
  publishKey?: BearerKeys;
  /** Largest body `POST …/progress/events` takes, in bytes; a larger one gets 413. Default 1048576 (1 MiB). */
  maxPublishBytes?: number;
  /**
   * Told what happens in the server (sockets, sessions, events, refusals, appends): see
   * `ServerObserver`. `createServerMetrics()` (`@aintandem/progress-elements/server/metrics`) is
   * one, and serves `GET /metrics` on the server's port.
   */
  observe?: ServerObserver;
}

/** What the operations read of the server's sockets. */
export interface ObservedSocket {
  readonly info: { readonly projectId?: string | undefined };
  /** `sse` for a Server-Sent Events stream. */
  readonly transport?: string;
  readonly ws: { readonly bufferedAmount: number };
  readonly outbox: { readonly queued: number };
}

export interface ServerState {
  /** The server's client sockets. */
  clients(): Iterable<ObservedSocket>;
  /** Whether it listens and has not begun to close. */
  serving(): boolean;
}

export const kindOf = (projectId: string | undefined): SocketKind => (projectId === undefined ? 'all' : 'project');

export class Operations {
  readonly observed: Observed;
  readonly appender: LogAppender;
  readonly #log: ProgressLog;
  readonly #state: ServerState;
  readonly #publishing: HttpPublishing | undefined;
  #drained: Promise<void> | undefined;
  readonly #detach: () => void;

  /** @throws TypeError when `publishKey` is given but empty. */
  constructor(log: ProgressLog, output: OutputStore | undefined, options: OperationsOptions, state: ServerState) {
    this.#log = log;
    this.#state = state;
    this.observed = new Observed(options.observe);
    this.appender = new LogAppender(log, output, this.observed);
    if (options.publishKey !== undefined) {
      this.#publishing = {
        key: new BearerKey(options.publishKey, 'publishKey'),
        maxBytes: options.maxPublishBytes ?? DEFAULT_MAX_PUBLISH_BYTES,
        append: (events) => this.appender.appendAll(events),
      };
    }
    this.#detach = this.observed.attach({
      outboxBytes: () => {
        let bytes = 0;
        for (const client of state.clients()) bytes += client.outbox.queued + client.ws.bufferedAmount;
        return bytes;
      },
      openSockets: () => {
        const open = { project: 0, all: 0 };
        for (const client of state.clients()) open[kindOf(client.info.projectId)]++;
        return open;
      },
      openStreams: () => {
        let open = 0;
        for (const client of state.clients()) if (client.transport === 'sse') open++;
        return open;
      },
      draining: () => this.draining,
      tailLag: () => log.lag?.() ?? Promise.resolve(0),
    });
  }

  /** The server closed: the observer stops reading it. */
  close(): void {
    this.#detach();
  }

  /** `drain()` was called: no new sockets from now on. */
  get draining(): boolean {
    return this.#drained !== undefined;
  }

  publish(event: ProgressEvent): Promise<number> {
    return this.appender.publish(event);
  }

  /** The probes, the publish endpoint and the observer's own (`/metrics`); false for other requests. */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    return handleHealth(request, response, () => this.notReady()) || handlePublish(request, response, this.#publishing) || this.observed.handleRequest(request, response);
  }

  /** Why `/readyz` answers 503 now; undefined while the server is ready. */
  notReady(): NotReady | undefined {
    if (this.draining) return 'draining';
    if (!this.#state.serving()) return 'closing';
    if (this.#log.available === false) return 'progress log unavailable';
    return undefined;
  }

  /**
   * Begins draining (once; a later call gets the same promise): `refusePending` answers 503 to
   * the connections waiting for their token check, as every later one gets, and `sockets` are
   * closed with 1012 over the window.
   */
  drain(sockets: readonly Peer[], refusePending: () => void, options?: DrainOptions): Promise<void> {
    if (this.#drained) return this.#drained;
    refusePending();
    this.#drained = drainSockets(sockets, options);
    return this.#drained;
  }
}
