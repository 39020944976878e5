/**
 * A reference progress server speaking AInTandem's wire format. It serves both socket shapes: one
 * socket per project (`{any prefix}/progress/subscribe/{projectId}`) and one socket for every
 * project (`path`), and fans out what its log's tail delivers: the events published through any
 * server on the same log, in the log's order. The same URLs answer Server-Sent Events streams
 * (sse-requests.ts), which become clients through the same admission and are served by the same
 * code as sockets (a `Peer` each). This module wires the parts, each of one job: admission.ts
 * (tokens, grants, limits, expiry, revoke), socket-upgrades.ts, liveness.ts (heartbeat, shedding),
 * fan-out.ts (the log's tail to the clients), http-routes.ts; and holds the clients.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import type { RawData, WebSocket } from 'ws';
import type { ProgressEvent } from '../protocol/events.js';
import type { Access } from './access.js';
import { Admission, type CheckedConnection, type Refusal } from './admission.js';
import { CLOSE_TRY_AGAIN_LATER, type Client, type Transport } from './client.js';
import type { WarnLogger } from './connection-limits.js';
import type { ContainerSpelling } from './event-frames.js';
import { fanOut } from './fan-out.js';
import { heartbeatFrame, readClientFrame } from './frames.js';
import { answerPlainRequest, routeRequest, type HttpRoutes } from './http-routes.js';
import { ProgressJournal } from './journal.js';
import { Liveness } from './liveness.js';
import { MemoryOutputStore } from './memory-output-store.js';
import type { OutputStore } from './output-store.js';
import { Outbox, type BatchOptions, type OutboxLimits } from './outbox.js';
import type { ProgressLog } from './progress-log.js';
import type { DrainOptions } from './drain.js';
import { kindOf, Operations } from './operations.js';
import { projectPath, type Route } from './routes.js';
import { PEER_OPEN, type Peer } from './peer.js';
import type { ProgressClientInfo, ProgressServer, Revocation } from './server-api.js';
import { openSession } from './session.js';
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
/** Bytes a socket may hold unsent before frames wait in its outbox's queue. */
const SOCKET_WINDOW = 128 * 1024;
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

function spellingOf(option: ProgressServerOptions['containerEvents'], route: Route): ContainerSpelling {
  if (typeof option === 'function') {
    const terms: SocketTerms = { resume: route.resume, batch: route.batch };
    if (route.projectId !== undefined) terms.projectId = route.projectId;
    return option(terms);
  }
  return option ?? (route.resume || route.batch ? 'published' : 'sandbox');
}

class ProgressServerImpl implements ProgressServer {
  readonly #http: HttpServer;
  readonly #owned: boolean;
  readonly #host: string;
  readonly #path: string;
  readonly #hooked: boolean;
  readonly #containerEvents: ProgressServerOptions['containerEvents'];
  readonly #admission: Admission;
  readonly #upgrades: SocketUpgrades;
  readonly #streams: StreamRequests;
  readonly #liveness: Liveness;
  readonly #routes: HttpRoutes;
  readonly #events = new EventEmitter();
  readonly #clients = new Map<Peer, Client>();
  /** Every upgraded socket, including those being closed as unauthorised, and every stream. */
  readonly #connections = new Set<Peer>();
  readonly #limits: OutboxLimits;
  readonly #maxReplayBytes: number;
  readonly #batching: BatchOptions;
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
    this.#hooked = options.authenticate !== undefined;
    this.#containerEvents = options.containerEvents;
    const remoteAddress = options.remoteAddress ?? ((request: IncomingMessage) => request.socket.remoteAddress);
    const address = (request: IncomingMessage) => remoteAddress(request) ?? 'unknown';
    const logger: WarnLogger = options.logger ?? { warn: (message) => console.warn(message) };
    this.#admission = new Admission({ ...options, logger });
    const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#limits = { maxQueued: maxBuffered, socketWindow: SOCKET_WINDOW };
    this.#maxReplayBytes = options.maxReplayBytes ?? maxBuffered * 4;
    this.#batching = {
      window: options.batchWindow ?? 16,
      maxEvents: Math.max(1, options.maxBatchEvents ?? 500),
      maxSize: options.maxBatchSize ?? 262144,
    };
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
    this.#untail = this.log.tail(fanOut(clients, (count) => this.#ops.observed.report('framesDelivered', count)));
    this.#upgrades = new SocketUpgrades({
      http,
      owned,
      path: this.#path,
      maxPayload: options.maxPayload ?? 65536,
      hooked: this.#hooked,
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
    const client = this.#register(ws, 'websocket', verdict, checked);
    ws.on('message', (data, isBinary) => this.#onFrame(client, data, isBinary));
    this.#liveness.watch(client, ws);
    for (const [data, isBinary] of queued) this.#onFrame(client, data, isBinary);
  }

  /** A stream's request (sse-requests.ts), checked as a socket is: a refusal, or what makes its stream a client. */
  readonly #admitStream = async (route: Route, token: string | undefined, request: IncomingMessage, address: string): Promise<Refusal | ((peer: Peer) => void)> => {
    const checked = await this.#admission.check(route, token, request, address);
    const verdict = this.#admission.decide(checked);
    if ('code' in verdict) return verdict;
    return (peer) => {
      this.#connections.add(peer);
      peer.once('close', () => this.#connections.delete(peer));
      this.#register(peer, 'sse', verdict, checked);
    };
  };

  /** An admitted connection: a client of the server from now on. */
  #register(ws: Peer, transport: Transport, info: ProgressClientInfo, checked: CheckedConnection): Client {
    const { route, address, grant } = checked;
    const access = (checked.answer as { access: Access }).access;
    const outbox = new Outbox(ws, route.batch ? this.#batching : undefined, this.#limits, () => this.#liveness.shed(ws));
    const projectId = route.projectId;
    const client: Client = {
      info,
      ws,
      transport,
      outbox,
      alive: true,
      resume: route.resume,
      projectId,
      spelling: spellingOf(this.#containerEvents, route),
      // Its session says its own projects' position unless it may see every one.
      scope: access.all ? undefined : projectId !== undefined ? (p) => p === projectId : (p) => access.allows(p),
      skipThrough: 0,
      isOpen: () => ws.readyState === PEER_OPEN,
      access,
      token: checked.token,
      grant,
    };
    this.#clients.set(ws, client);
    this.#admission.opened(client, address);
    if (route.resume) {
      openSession(this.log, client, route, this.#maxReplayBytes).then((outcome) => outcome && this.#ops.observed.report('sessionStarted', outcome), () => {
        // The log cannot be read now: the client comes back later rather than be told a gap.
        if (ws.readyState === PEER_OPEN) ws.close(CLOSE_TRY_AGAIN_LATER, 'progress log unavailable');
      });
    }
    this.#ops.observed.report('socketOpened', kindOf(projectId));
    ws.once('close', (code) => {
      this.#ops.observed.report('socketClosed', kindOf(projectId), code);
      client.outbox.close();
      this.#clients.delete(ws);
      this.#admission.closed(client, address);
      this.#events.emit('disconnection', info);
    });
    this.#events.emit('connection', info);
    return client;
  }

  #onFrame(client: Client, data: RawData, isBinary: boolean): void {
    const frame = readClientFrame(data, isBinary);
    if (!frame.ok) {
      this.#events.emit('rejected', client.info, frame.reason);
      return;
    }
    // With a hook, an `auth` message after the first is not passed on: it holds a token.
    if (this.#hooked && frame.message.type === 'auth') return;
    if (frame.message.type === 'ping' && client.ws.readyState === PEER_OPEN) {
      client.outbox.control(heartbeatFrame('pong'));
    }
    this.#events.emit('message', client.info, frame.message);
  }
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
