/**
 * `@aintandem/progress-elements/server/metrics`: the reference server's metrics in Prometheus'
 * text format, with prom-client (an optional peer dependency, loaded only here). It is a
 * `ServerObserver`: pass it as the server's `observe` option, and `GET /metrics` is answered on
 * the server's port (or on a port of its own, with `listen()`).
 *
 * ```ts
 * const metrics = createServerMetrics({ key: process.env.METRICS_KEY });
 * const server = await createProgressServer({ port: 9900, observe: metrics });
 * ```
 *
 * docs/protocol.md ("Metrics") lists the metrics.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BearerKey, type BearerKeys } from './bearer-key.js';
import type { ServerObserver, ServerProbe, SessionOutcome, SocketKind } from './observer.js';

export type { ServerObserver, ServerProbe, SessionOutcome, SocketKind } from './observer.js';

export interface ServerMetricsOptions {
  /** The registry the metrics are registered in. Default: a new one, of these metrics only. */
  registry?: Registry;
  /** Put before every metric's name. Default `progress_`. */
  prefix?: string;
  /** The key (or keys) a scrape must send as `Authorization: Bearer <key>`; without it `/metrics` is open. */
  key?: BearerKeys;
  /** The path the metrics are served at. Default `/metrics`. */
  path?: string;
  /** Also collect prom-client's metrics of the process (CPU, memory, event loop). Default false. */
  processMetrics?: boolean;
}

export interface ServerMetrics extends ServerObserver {
  readonly registry: Registry;
  /** The metrics now, in the registry's format (Prometheus' text format by default). */
  text(): Promise<string>;
  /** Answers `GET {path}` (with the key, when one is set); false for other requests, and for every request once `listen()` was called. */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /** Serves the metrics on a port of their own (then no longer on the progress server's). */
  listen(options?: { port?: number; host?: string }): Promise<MetricsListener>;
}

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const REPLAY_BUCKETS = [0, 1, 10, 100, 1000, 10000, 100000];

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = options.registry ?? new Registry();
  const name = (suffix: string): string => `${options.prefix ?? 'progress_'}${suffix}`;
  const key = options.key === undefined ? undefined : new BearerKey(options.key, 'the metrics key');
  const path = options.path ?? '/metrics';
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const probes = new Set<ServerProbe>();
  const sum = (read: (probe: ServerProbe) => number): number => {
    let total = 0;
    for (const probe of probes) total += read(probe);
    return total;
  };

  new Gauge({
    name: name('sockets_open'),
    help: 'Client sockets open, by kind: project (one project each) or all (every project).',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const kind of ['project', 'all'] as const) this.set({ kind }, sum((probe) => probe.openSockets()[kind]));
    },
  });
  new Gauge({
    name: name('streams_open'),
    help: 'Server-Sent Events streams open (counted in sockets_open too).',
    registers,
    collect() {
      this.set(sum((probe) => probe.openStreams?.() ?? 0));
    },
  });
  const closed = new Counter({ name: name('sockets_closed_total'), help: 'Client sockets closed, by kind and close code.', labelNames: ['kind', 'code'], registers });
  const sessions = new Counter({
    name: name('sessions_total'),
    help: 'Sessions of resume=1 sockets, by outcome (resumed, resync) and, for a resync, its reason (none, epoch, gap, too_large).',
    labelNames: ['outcome', 'reason'],
    registers,
  });
  const replay = new Histogram({ name: name('replay_events'), help: 'Events replayed to a resumed socket.', buckets: REPLAY_BUCKETS, registers });
  const published = new Counter({ name: name('events_published_total'), help: 'Events appended to the log through this server.', registers });
  const delivered = new Counter({ name: name('frames_delivered_total'), help: 'Events handed to client sockets (one per socket and event).', registers });
  const shed = new Counter({ name: name('sockets_shed_total'), help: 'Sockets closed with 1013 for not reading fast enough.', registers });
  const refused = new Counter({ name: name('refusals_total'), help: 'Sockets closed before they became clients, by close code.', labelNames: ['code'], registers });
  new Gauge({
    name: name('outbox_bytes'),
    help: 'Characters held unsent for client sockets, in their outboxes and socket buffers.',
    registers,
    collect() {
      this.set(sum((probe) => probe.outboxBytes()));
    },
  });
  new Gauge({
    name: name('draining'),
    help: '1 while a server drains (its sockets are being closed with 1012), else 0.',
    registers,
    collect() {
      this.set(sum((probe) => (probe.draining() ? 1 : 0)));
    },
  });
  new Gauge({
    name: name('log_tail_lag'),
    help: 'Entries in the progress log past what a server has delivered (the largest over the servers); left as it was when the log cannot be reached.',
    registers,
    async collect() {
      const lags = await Promise.all([...probes].map((probe) => probe.tailLag().catch(() => undefined)));
      const known = lags.filter((lag): lag is number => lag !== undefined);
      if (known.length > 0 || probes.size === 0) this.set(Math.max(0, ...known));
    },
  });
  const appendSeconds = new Histogram({ name: name('log_append_seconds'), help: 'Time one append to the progress log took.', buckets: APPEND_BUCKETS, registers });
  const logErrors = new Counter({ name: name('log_errors_total'), help: 'Appends to the progress log that failed (its store unavailable).', registers });

  let ownPort = false;
  const serve = (request: IncomingMessage, response: ServerResponse): boolean => {
    if ((request.url ?? '').split('?')[0] !== path) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed');
      return true;
    }
    if (key && !key.allows(request)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('unauthorized');
      return true;
    }
    registry.metrics().then(
      (text) => {
        if (response.destroyed) return;
        response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        if (!response.destroyed && !response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
      },
    );
    return true;
  };

  return {
    registry,
    text: () => registry.metrics(),
    handleRequest: (request, response) => !ownPort && serve(request, response),
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      const http = createServer((request, response) => {
        if (!serve(request, response)) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      });
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      ownPort = true;
      const address = http.address();
      return {
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
      };
    },
    attach(probe) {
      probes.add(probe);
      return () => void probes.delete(probe);
    },
    socketClosed: (kind: SocketKind, code: number) => closed.inc({ kind, code: String(code) }),
    sessionStarted(outcome: SessionOutcome) {
      if (outcome.resumed) {
        sessions.inc({ outcome: 'resumed', reason: '' });
        replay.observe(outcome.replayed);
      } else {
        sessions.inc({ outcome: 'resync', reason: outcome.reason });
      }
    },
    eventsPublished: (count) => published.inc(count),
    framesDelivered: (count) => delivered.inc(count),
    shed: () => shed.inc(),
    refused: (code) => refused.inc({ code: String(code) }),
    logAppendSeconds: (seconds) => appendSeconds.observe(seconds),
    logError: () => logErrors.inc(),
  };
}
