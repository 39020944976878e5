/**
 * A reference progress server speaking AInTandem's wire format. It serves both socket shapes: one
 * socket per project (`{any prefix}/progress/subscribe/{projectId}`) and one socket for every
 * project (`path`), and fans out what its log's tail delivers: the events published through any
 * server on the same log, in the log's order. The same URLs answer Server-Sent Events streams
 * (sse-requests.ts), which become clients through the same admission and are served by the same
 * code as sockets (a `Peer` each). This module wires the parts, each of one job: admission.ts
 * (tokens, grants, limits, expiry, revoke), socket-upgrades.ts, liveness.ts (heartbeat, shedding),
 * fan-out.ts (the log's tail to the clients), client-registry.ts (the clients, their frames and
 * events), http-routes.ts.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { WebSocket } from 'ws';
import type { ProgressEvent } from '../protocol/events.js';
import { Admission, type CheckedConnection, type Refusal } from './admission.js';
import { CLOSE_TRY_AGAIN_LATER } from './client.js';
import { ClientRegistry } from './client-registry.js';
import type { WarnLogger } from './connection-limits.js';
import { fanOut } from './fan-out.js';
import { answerPlainRequest, routeRequest, type HttpRoutes } from './http-routes.js';
import { ProgressJournal } from './journal.js';
import { Liveness } from './liveness.js';
import { MemoryOutputStore } from './memory-output-store.js';
import type { OutputStore } from './output-store.js';
import type { ProgressLog } from './progress-log.js';
import type { DrainOptions } from './drain.js';
import { Operations } from './operations.js';
import { projectPath, type Route } from './routes.js';
import type { Peer } from './peer.js';
import type { ProgressClientInfo, ProgressServer, Revocation } from './server-api.js';
import type { ProgressServerOptions, SocketTerms } from './server-options.js';
import { DEFAULT_SSE_HEARTBEAT, type StreamClock } from './sse-peer.js';
import { DRAINING, StreamRequests } from './sse-requests.js';
import { SocketUpgrades, type QueuedFrames } from './socket-upgrades.js';

export type { ClientMessage, ClientFrameRejection } from './frames.js';
export type { AccessGrant, AuthenticateAnswer, ProjectScope } from './access.js';
export { CLOSE_FORBIDDEN, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED } from './admission.js';
export { CLOSE_SERVICE_RESTART, CLOSE_TRY_AGAIN_LATER } from './client.js';
export type { ProgressClientInfo, ProgressServer } from './server-api.js';
export type { ProgressServerOptions, SocketTerms } from './server-options.js';

const CLOSE_GOING_AWAY = 1001;
/** How long close() waits for clients to answer its close frame before cutting their connections. */
const CLOSE_GRACE_MS = 1000;
/** What a stream's request is answered while the log cannot be read (a socket's session would close with 1013). */
const LOG_UNAVAILABLE: Refusal = { code: CLOSE_TRY_AGAIN_LATER, reason: 'progress log unavailable', status: 503 };

type ServerEventName = 'connection' | 'disconnection' | 'message' | 'rejected';
type AnyListener = (...args: any[]) => void;

/** A client's connection, as `ServerInternals.connections` shows it. */
export interface ServedConnection {
  readonly info: ProgressClientInfo;
  /** A `ws` WebSocket, or a Server-Sent Events stream. */
  readonly ws: Peer;
}

/**
 * What a server is started with that is no option of the package's, for code that wraps a server
 * (the test suite's clock and fault injection); not exported from the package's entry points.
 */
export interface ServerInternals {
  /** The timers its heartbeats and shedding run on; default the process's. */
  clock?: StreamClock;
  /** Called once, as it starts, with what lists its clients' connections from then on. */
  connections?: (list: () => Iterable<ServedConnection>) => void;
}

class ProgressServerImpl implements ProgressServer {
  readonly #http: HttpServer;
  readonly #owned: boolean;
  readonly #host: string;
  readonly #path: string;
  readonly #admission: Admission;
  readonly #upgrades: SocketUpgrades;
  readonly #streams: StreamRequests;
  readonly #liveness: Liveness;
  readonly #routes: HttpRoutes;
  readonly #events = new EventEmitter();
  readonly #clients: ClientRegistry;
  /** Every upgraded socket, including those being closed as unauthorised, and every stream. */
  readonly #connections = new Set<Peer>();
  readonly #ops: Operations;
  readonly #untail: () => void;
  #port = 0;
  #closing: Promise<void> | undefined;
  readonly log: ProgressLog;

  constructor(http: HttpServer, owned: boolean, options: ProgressServerOptions, internals: ServerInternals) {
    this.#http = http;
    this.#owned = owned;
    this.#host = options.host ?? '127.0.0.1';
    this.#path = options.path ?? '/ws';
    const remoteAddress = options.remoteAddress ?? ((request: IncomingMessage) => request.socket.remoteAddress);
    const address = (request: IncomingMessage) => remoteAddress(request) ?? 'unknown';
    const logger: WarnLogger = options.logger ?? { warn: (message) => console.warn(message) };
    this.#admission = new Admission({ ...options, logger });
    this.log = options.log ?? options.journal ?? new ProgressJournal({ size: options.replayBufferSize ?? 10000 });
    const output: OutputStore | undefined = options.output === false ? undefined : (options.output ?? (this.log instanceof ProgressJournal ? new MemoryOutputStore() : undefined));
    const clients = () => this.#clients.values();
    internals.connections?.(clients);
    this.#ops = new Operations(this.log, output, options, { clients, serving: () => !this.#closing && this.#http.listening });
    this.#streams = new StreamRequests({
      path: this.#path,
      heartbeat: options.sseHeartbeat ?? DEFAULT_SSE_HEARTBEAT,
      ...(internals.clock ? { clock: internals.clock } : {}),
      epoch: () => this.log.epoch,
      unavailable: () => (this.#ops.draining ? DRAINING : this.log.available === false ? LOG_UNAVAILABLE : undefined),
      address,
      attempt: (from, path) => this.#admission.attempt(from, path),
      admit: this.#admitStream,
      refused: (code) => this.#ops.observed.report('refused', code),
    });
    this.#routes = { ops: this.#ops, streams: this.#streams, states: this.log.states, actions: options.actions, output, authorise: this.#admission.authorise };
    this.#liveness = new Liveness({
      interval: options.heartbeatInterval ?? 30000,
      clock: internals.clock,
      clients,
      shed: () => this.#ops.observed.report('shed'),
    });
    this.#clients = new ClientRegistry(options, {
      log: this.log,
      events: this.#events,
      admission: this.#admission,
      observed: this.#ops.observed,
      shed: (ws) => this.#liveness.shed(ws),
    });
    this.#untail = this.log.tail(fanOut(clients, (count) => this.#ops.observed.report('framesDelivered', count)));
    this.#upgrades = new SocketUpgrades({
      http,
      owned,
      path: this.#path,
      maxPayload: options.maxPayload ?? 65536,
      hooked: options.authenticate !== undefined,
      admission: this.#admission,
      connections: this.#connections,
      draining: () => this.#ops.draining,
      address,
      admit: (ws, checked, queued) => this.#admitSocket(ws, checked, queued),
      refused: (ws, code) => {
        if (!this.#clients.has(ws)) this.#ops.observed.report('refused', code);
      },
    });
  }

  /** Resolve once the HTTP server listens, listening first when this module created it. */
  async listen(port: number): Promise<void> {
    const http = this.#http;
    if (!http.listening) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => {
          http.off('listening', onListening);
          reject(error);
        };
        const onListening = () => {
          http.off('error', onError);
          resolve();
        };
        http.once('error', onError);
        http.once('listening', onListening);
        if (this.#owned) http.listen(port, this.#host);
      });
    }
    const address = http.address();
    if (address === null || typeof address === 'string') throw new TypeError('the HTTP server does not listen on a TCP port');
    this.#port = address.port;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const scheme = this.#http instanceof TlsServer ? 'wss' : 'ws';
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
    return `${scheme}://${host}:${this.#port}`;
  }

  urlFor(projectId?: string): string {
    return this.url + (projectId === undefined ? this.#path : projectPath(projectId));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  clients(): ProgressClientInfo[] {
    return [...this.#clients.values()].map((client) => client.info);
  }

  publish(event: ProgressEvent): Promise<number> {
    return this.#ops.publish(event);
  }

  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    return routeRequest(this.#routes, request, response);
  }

  revoke(which: Revocation): number {
    return this.#admission.revoke(which, this.#clients.values());
  }

  on(event: ServerEventName, listener: AnyListener): this {
    this.#events.on(event, listener);
    return this;
  }

  off(event: ServerEventName, listener: AnyListener): this {
    this.#events.off(event, listener);
    return this;
  }

  drain(options?: DrainOptions): Promise<void> {
    const refusePending = () => {
      this.#upgrades.refusePending();
      this.#streams.refusePending();
    };
    return this.#ops.drain([...this.#connections], refusePending, options);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#untail();
    this.#ops.close();
    this.#liveness.close();
    this.#upgrades.stop();
    this.#streams.close();
    this.#admission.close();
    await this.#closeConnections();
    await this.#upgrades.close();
    if (this.#owned && this.#http.listening) {
      await new Promise<void>((resolve, reject) => {
        this.#http.close((error) => (error ? reject(error) : resolve()));
        this.#http.closeAllConnections();
      });
    }
  }

  /** Close every socket and stream with 1001; cut those that do not answer within the grace period. */
  #closeConnections(): Promise<void> {
    const connections = [...this.#connections];
    if (connections.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let open = connections.length;
      const grace = setTimeout(() => {
        for (const ws of connections) ws.terminate();
      }, CLOSE_GRACE_MS);
      const onClose = () => {
        if (--open > 0) return;
        clearTimeout(grace);
        resolve();
      };
      for (const ws of connections) {
        ws.once('close', onClose);
        ws.close(CLOSE_GOING_AWAY, 'server closing');
      }
    });
  }

  /** An upgraded socket whose token was checked: closed with its refusal, or a client from now on. */
  #admitSocket(ws: WebSocket, checked: CheckedConnection, queued: QueuedFrames): void {
    const verdict = this.#admission.decide(checked);
    if ('code' in verdict) {
      ws.close(verdict.code, verdict.reason);
      return;
    }
    const client = this.#clients.register(ws, 'websocket', verdict, checked);
    ws.on('message', (data, isBinary) => this.#clients.frame(client, data, isBinary));
    this.#liveness.watch(client, ws);
    for (const [data, isBinary] of queued) this.#clients.frame(client, data, isBinary);
  }

  /** A stream's request (sse-requests.ts), checked as a socket is: a refusal, or what makes its stream a client. */
  readonly #admitStream = async (route: Route, token: string | undefined, request: IncomingMessage, address: string): Promise<Refusal | ((peer: Peer) => void)> => {
    const checked = await this.#admission.check(route, token, request, address);
    const verdict = this.#admission.decide(checked);
    if ('code' in verdict) return verdict;
    return (peer) => {
      this.#connections.add(peer);
      peer.once('close', () => this.#connections.delete(peer));
      this.#clients.register(peer, 'sse', verdict, checked);
    };
  };
}

/** Start a progress server; resolves once it listens. */
export function createProgressServer(options: ProgressServerOptions = {}): Promise<ProgressServer> {
  return startProgressServer(options, {});
}

/**
 * `createProgressServer()` with what no option of the package's gives (the tests' clock). Not
 * exported from the package's entry points.
 */
export async function startProgressServer(options: ProgressServerOptions, internals: ServerInternals): Promise<ProgressServer> {
  const owned = options.server === undefined;
  let server: ProgressServerImpl | undefined = undefined;
  const http = options.server ?? createServer((request, response) => {
    if (!server?.handleRequest(request, response)) answerPlainRequest(request, response);
  });
  server = new ProgressServerImpl(http, owned, options, internals);
  try {
    await server.listen(options.port ?? 0);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
