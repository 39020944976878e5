/**
 * A reference progress server speaking AInTandem's wire format. It serves both socket shapes: one
 * socket per project (`{any prefix}/progress/subscribe/{projectId}`) and one socket for every
 * project (`path`), and fans out what its log's tail delivers: the events published through any
 * server on the same log, in the log's order. The same URLs answer Server-Sent Events streams
 * (sse-requests.ts), which become clients through the same admission and are served by the same
 * code as sockets (a `Peer` each).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ProgressEvent } from '../client/events.js';
import type { Access, AuthenticateAnswer, ReadAnswer } from './access.js';
import { Admission, CLOSE_UNAUTHORIZED, type Refusal } from './admission.js';
import type { WarnLogger } from './connection-limits.js';
import { EntryFrames, type ContainerSpelling } from './event-frames.js';
import { heartbeatFrame, readClientFrame, type ClientMessage } from './frames.js';
import { handleRead } from './http-reads.js';
import { handleLogRead } from './log-reads.js';
import type { OutputStore } from './output-store.js';
import { ProgressJournal } from './journal.js';
import { MemoryOutputStore } from './memory-output-store.js';
import { Outbox, type BatchOptions, type OutboxLimits } from './outbox.js';
import type { LogEntry, ProgressLog } from './progress-log.js';
import type { DrainOptions } from './drain.js';
import { kindOf, Operations } from './operations.js';
import { refuseUpgrade } from './refuse-upgrade.js';
import { matchRoute, projectPath, type Route } from './routes.js';
import { handleRunAction, type RunActionAuthorisation, type RunActions } from './run-actions.js';
import { PEER_OPEN, type Peer } from './peer.js';
import { openSession, type SessionSocket } from './session.js';
import type { ProgressServerOptions, SocketTerms } from './server-options.js';
import { DEFAULT_SSE_HEARTBEAT } from './sse-peer.js';
import { answerRefusal, acceptsStream, DRAINING, StreamRequests } from './sse-requests.js';
import { DEFAULT_AUTHENTICATE_TIMEOUT, TokenCheck } from './token-check.js';

export type { ClientMessage, ClientFrameRejection } from './frames.js';
export type { AccessGrant, AuthenticateAnswer, ProjectScope } from './access.js';
export { CLOSE_FORBIDDEN, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED } from './admission.js';
export type { ProgressServerOptions, SocketTerms } from './server-options.js';

const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY_VIOLATION = 1008;
/** Close code sent to resuming clients when the log lost continuity (a new epoch): they reconnect and resume or resync. */
export const CLOSE_SERVICE_RESTART = 1012;
/**
 * Close code sent to a client that does not read what is sent to it fast enough
 * (`maxBufferedBytes`), and to one whose session cannot be opened while the log is unavailable.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** How long a socket with `auth=message` may take to send its token. */
const AUTH_MESSAGE_TIMEOUT = 5000;
/** Frames an `auth=message` socket may send while its token is checked; one more closes it with 1008. */
const AUTH_QUEUE_LIMIT = 64;
/** How long close() waits for clients to answer its close frame before cutting their connections. */
const CLOSE_GRACE_MS = 1000;
/** How long a shed client has to read the little in front of its 1013 close frame before it is cut. */
const SHED_GRACE_MS = 5000;
/** Bytes a socket may hold unsent before frames wait in its outbox's queue. */
const SOCKET_WINDOW = 128 * 1024;
/** What a stream's request is answered while the log cannot be read (a socket's session would close with 1013). */
const LOG_UNAVAILABLE: Refusal = { code: CLOSE_TRY_AGAIN_LATER, reason: 'progress log unavailable', status: 503 };
/** The longest delay a timer takes (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface ProgressClientInfo {
  id: string;
  /** The project of a per-project socket; undefined on the all-projects path. */
  projectId?: string;
  /** The request path, without its query string. */
  path: string;
  /** Date.now() when the connection was accepted. */
  connectedAt: number;
}

export interface ProgressServer {
  /** `ws://host:port`, without a path. */
  readonly url: string;
  readonly port: number;
  /** A project's socket URL, or the all-projects socket URL when no project is given. */
  urlFor(projectId?: string): string;
  /**
   * Validates an event with the client's parser and appends it to the log; every server on the
   * log sends it to its project's sockets and every all-projects socket. Resolves with the event's
   * `seq` once it is in the log (with the in-memory log, the sockets of this server have it by
   * then). Rejects with a TypeError when the event is invalid, and with a `LogUnavailableError`
   * when the log cannot be reached.
   */
  publish(event: ProgressEvent): Promise<number>;
  clients(): ProgressClientInfo[];
  readonly clientCount: number;
  on(event: 'connection' | 'disconnection', listener: (client: ProgressClientInfo) => void): this;
  on(event: 'message', listener: (client: ProgressClientInfo, message: ClientMessage) => void): this;
  on(event: 'rejected', listener: (client: ProgressClientInfo, reason: string) => void): this;
  off(event: 'connection' | 'disconnection', listener: (client: ProgressClientInfo) => void): this;
  off(event: 'message', listener: (client: ProgressClientInfo, message: ClientMessage) => void): this;
  off(event: 'rejected', listener: (client: ProgressClientInfo, reason: string) => void): this;
  /** Sequence numbers, replay and entity states (docs/protocol.md). */
  readonly log: ProgressLog;
  /**
   * Answers `GET …/progress/snapshot?kind=task&projectId=…&taskId=…` (also kind=workflow with
   * executionId or workflowId, kind=container with projectId and containerId) with the entity's
   * state as JSON, 204 (no content) when it has no state of it, 400 when the query names no
   * entity; and, in AInTandem's REST shape, `GET …/projects/{p}/tasks/{t}` and
   * `GET …/workflows/executions/{e}` (204 for an entity not known, 400 for ids that are not valid
   * percent-encoding). With an `authenticate` hook, a read whose token it refuses
   * gets 401. `OPTIONS` on these paths gets the CORS preflight answer, and a request URL that
   * cannot be parsed gets 400. It also takes the actions on runs (`POST …/projects/{p}/tasks/{t}/cancel`,
   * `POST …/workflows/executions/{e}/pause|resume|cancel`, their preflight), authorised by
   * `authenticate` from the `Authorization: Bearer` header only, carried out by `actions`:
   * 202, or 400, 401, 403, 404, 405, 409, 501. With an `output` store, a task's log
   * (`GET …/projects/{p}/tasks/{t}/logs`, `…/logs.txt`; docs/task-log-protocol.md). Returns false
   * for other requests: use it as a middleware when the server is attached to an HTTP server of
   * yours. A server it created answers by itself.
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /**
   * Closes at once, with 4401 `token revoked`, every socket opened with `token`, or every socket
   * `which` accepts (given its token, its info and the hook's answer). Returns how many. Only this
   * server's sockets: with several servers, call it on each; and have `authenticate` refuse the
   * token from now on, or the client comes back with it. A socket whose token is being checked
   * when it is called is asked the same once the check ends, and closed then, before it is sent
   * anything (it is not in the count).
   */
  revoke(which: string | ((token: string | undefined, client: ProgressClientInfo, grant: AuthenticateAnswer) => boolean)): number;
  /**
   * Drains the server before it stops: `/readyz` answers 503 from now on, upgrade requests get
   * HTTP 503, and every socket is closed with 1012 `draining`, spread evenly over `window` ms
   * (default 10000), so that clients reconnect to other servers and resume there. Resolves once
   * every socket is closed; then call `close()`. Calling it again returns the same promise.
   */
  drain(options?: DrainOptions): Promise<void>;
  /** Close every client socket (1001) and, when this server created it, the HTTP server. The log stays open. */
  close(): Promise<void>;
}

type Transport = 'websocket' | 'sse';
type ServerEventName = 'connection' | 'disconnection' | 'message' | 'rejected';
type AnyListener = (...args: any[]) => void;

/** A client socket as the server holds it. */
export interface HeldSocket {
  readonly info: ProgressClientInfo;
  /** Its connection: a WebSocket, or a Server-Sent Events stream. */
  readonly ws: Peer;
  readonly outbox: Outbox;
}

interface Client extends HeldSocket, SessionSocket {
  readonly transport: Transport;
  /** Whether the client answered the last heartbeat ping (or has not been pinged yet). */
  alive: boolean;
  /** It negotiated `resume=1`: its numbers end with the epoch. */
  readonly resume: boolean;
  /** What its token may see, and until when. */
  readonly access: Access;
  /** Its token (for `revoke()`; never logged nor sent). */
  readonly token: string | undefined;
  /** The hook's answer, as it gave it (for `revoke()`'s predicate). */
  readonly grant: AuthenticateAnswer;
  /** The timer that closes it when its grant ends. */
  expiry?: NodeJS.Timeout;
}

/** What `revoke()` is given: a token, or a predicate of the socket. */
type Revocation = string | ((token: string | undefined, client: ProgressClientInfo, grant: AuthenticateAnswer) => boolean);

/** The revocations made while a socket's token was being checked, to ask once it is known. */
interface Checking {
  revocations: Revocation[];
}

/** A connection whose token was checked, on its way to becoming a client (or being refused). */
interface CheckedConnection {
  route: Route;
  token: string | undefined;
  address: string;
  answer: ReadAnswer;
  grant: AuthenticateAnswer;
  checking: Checking;
}

/** Whether a revocation names a socket. A predicate that throws does not. */
function revokes(which: Revocation, token: string | undefined, info: ProgressClientInfo, grant: AuthenticateAnswer): boolean {
  try {
    return typeof which === 'string' ? token === which : which(token, info, grant) === true;
  } catch {
    return false;
  }
}

const held = new WeakMap<ProgressServer, () => Iterable<HeldSocket>>();

/**
 * The sockets a server holds, for code that wraps a server (the test suite's fault injection:
 * holding frames, sending raw ones, cutting connections). Not part of the package's API.
 */
export function heldSockets(server: ProgressServer): Iterable<HeldSocket> {
  const sockets = held.get(server);
  if (!sockets) throw new TypeError('not a progress server');
  return sockets();
}

/** Answer plain HTTP requests to a server this module created: 200 for `GET /health`, else 404. */
function answerPlainRequest(request: IncomingMessage, response: ServerResponse): void {
  if (acceptsStream(request)) {
    // 1006: what a socket's client sees of a refused upgrade.
    answerRefusal(response, { status: 404, reason: 'not found', code: 1006 });
    return;
  }
  const healthy = request.method === 'GET' && request.url?.split('?')[0] === '/health';
  response.writeHead(healthy ? 200 : 404, { 'content-type': 'text/plain' });
  response.end(healthy ? 'ok' : 'not found');
}

function destroyOnError(this: Duplex): void {
  this.destroy();
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
  readonly #authenticate: ProgressServerOptions['authenticate'];
  readonly #remoteAddress: (request: IncomingMessage) => string | undefined;
  readonly #logger: WarnLogger;
  readonly #admission: Admission;
  readonly #streams: StreamRequests;
  readonly #tokens: TokenCheck;
  readonly #containerEvents: ProgressServerOptions['containerEvents'];
  readonly #actions: RunActions | undefined;
  readonly #wss: WebSocketServer;
  readonly #events = new EventEmitter();
  readonly #clients = new Map<Peer, Client>();
  /** Every upgraded socket, including those being closed as unauthorised, and every stream. */
  readonly #sockets = new Set<Peer>();
  /** Upgrade requests waiting for `authenticate`. */
  readonly #pending = new Set<Duplex>();
  /** Sockets whose token is being checked (each until its check ends). */
  readonly #checking = new Set<Checking>();
  readonly #limits: OutboxLimits;
  readonly #maxReplayBytes: number;
  readonly #untail: () => void;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The payload of the last heartbeat ping: only a pong that echoes it shows a client alive. */
  #pingPayload = '';
  #pings = 0;
  #port = 0;
  #closing: Promise<void> | undefined;
  #nextId = 1;
  readonly log: ProgressLog;
  readonly #output: OutputStore | undefined;
  readonly #batching: BatchOptions;
  readonly #ops: Operations;

  constructor(http: HttpServer, owned: boolean, options: ProgressServerOptions) {
    this.#http = http;
    this.#owned = owned;
    this.#host = options.host ?? '127.0.0.1';
    this.#path = options.path ?? '/ws';
    this.#authenticate = options.authenticate;
    this.#remoteAddress = options.remoteAddress ?? ((request) => request.socket.remoteAddress);
    this.#logger = options.logger ?? { warn: (message) => console.warn(message) };
    this.#tokens = new TokenCheck(options.authenticate, options.authenticateTimeout ?? DEFAULT_AUTHENTICATE_TIMEOUT, this.#logger);
    this.#admission = new Admission({ ...options, logger: this.#logger });
    this.#containerEvents = options.containerEvents;
    this.#actions = options.actions;
    const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#limits = { maxQueued: maxBuffered, socketWindow: SOCKET_WINDOW };
    this.#maxReplayBytes = options.maxReplayBytes ?? maxBuffered * 4;
    this.log = options.log ?? options.journal ?? new ProgressJournal({ size: options.replayBufferSize ?? 10000 });
    this.#output = options.output === false ? undefined : (options.output ?? (this.log instanceof ProgressJournal ? new MemoryOutputStore() : undefined));
    this.#batching = {
      window: options.batchWindow ?? 16,
      maxEvents: Math.max(1, options.maxBatchEvents ?? 500),
      maxSize: options.maxBatchSize ?? 262144,
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload ?? 65536,
      // Pongs are sent by hand: the server answers only what it reads.
      autoPong: false,
    });
    this.#ops = new Operations(this.log, this.#output, options, { clients: () => this.#clients.values(), serving: () => !this.#closing && this.#http.listening });
    this.#streams = new StreamRequests({
      path: this.#path,
      heartbeat: options.sseHeartbeat ?? DEFAULT_SSE_HEARTBEAT,
      epoch: () => this.log.epoch,
      unavailable: () => (this.#ops.draining ? DRAINING : this.log.available === false ? LOG_UNAVAILABLE : undefined),
      address: (request) => this.#remoteAddress(request) ?? 'unknown',
      attempt: (address, path) => this.#admission.attempt(address, path),
      admit: this.#admitStream,
      refused: (code) => this.#ops.observed.report('refused', code),
    });
    held.set(this, () => this.#clients.values());
    this.#untail = this.log.tail({ entry: this.#fanOut, lost: this.#onLost });
    http.on('upgrade', this.#onUpgrade);
    const interval = options.heartbeatInterval ?? 30000;
    if (interval > 0) {
      // Not unref'd: close() clears it, and a server left open should keep showing as open.
      this.#heartbeat = setInterval(this.#checkLiveness, interval);
    }
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
    if (this.#ops.handleRequest(request, response)) return true;
    if (this.#streams.handle(request, response)) return true;
    if (handleRunAction(request, response, { states: this.log.states, authorise: this.#authoriseAction, actions: this.#actions })) return true;
    if (this.#output && handleLogRead(request, response, { store: this.#output, authorise: this.#authoriseAction })) return true;
    return handleRead(request, response, this.log.states, async (token, req) => (await this.#tokens.check(token, req)).answer);
  }

  revoke(which: Revocation): number {
    for (const checking of this.#checking) checking.revocations.push(which);
    let closed = 0;
    for (const client of [...this.#clients.values()]) {
      if (client.ws.readyState !== PEER_OPEN) continue; // closing already
      if (!revokes(which, client.token, client.info, client.grant)) continue;
      client.ws.close(CLOSE_UNAUTHORIZED, 'token revoked');
      closed++;
    }
    return closed;
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
      for (const socket of this.#pending) refuseUpgrade(socket, 503, 'Service Unavailable');
      this.#pending.clear();
      this.#streams.refusePending();
    };
    return this.#ops.drain([...this.#sockets], refusePending, options);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#untail();
    this.#ops.close();
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#http.off('upgrade', this.#onUpgrade);
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    this.#streams.close();
    this.#tokens.endAll();
    await this.#closeSockets();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    if (this.#owned && this.#http.listening) {
      await new Promise<void>((resolve, reject) => {
        this.#http.close((error) => (error ? reject(error) : resolve()));
        this.#http.closeAllConnections();
      });
    }
  }

  /** Close every socket with 1001; cut those that do not answer within the grace period. */
  #closeSockets(): Promise<void> {
    const sockets = [...this.#sockets];
    if (sockets.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let open = sockets.length;
      const grace = setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, CLOSE_GRACE_MS);
      const onClose = () => {
        if (--open > 0) return;
        clearTimeout(grace);
        resolve();
      };
      for (const ws of sockets) {
        ws.once('close', onClose);
        ws.close(CLOSE_GOING_AWAY, 'server closing');
      }
    });
  }

  /** One entry from the log's tail: to every socket of its project and every all-projects socket, in the spelling each reads. */
  readonly #fanOut = (entry: LogEntry): void => {
    let frames: EntryFrames | undefined;
    let delivered = 0;
    for (const client of this.#clients.values()) {
      if (client.projectId !== undefined ? client.projectId !== entry.projectId : !client.access.allows(entry.projectId)) continue;
      if (entry.seq <= client.skipThrough || client.ws.readyState !== PEER_OPEN) continue;
      frames ??= new EntryFrames(entry);
      client.outbox.event(frames.get(client.spelling), entry.seq);
      delivered++;
    }
    if (delivered > 0) this.#ops.observed.report('framesDelivered', delivered);
  };

  /** Continuity lost: resuming clients hold positions this server cannot continue from, so they reconnect (and resume or resync). */
  readonly #onLost = (): void => {
    for (const client of this.#clients.values()) {
      if (client.resume) client.ws.close(CLOSE_SERVICE_RESTART, 'continuity lost');
    }
  };

  /**
   * One heartbeat tick: terminate the clients that did not answer the last ping, ping the others.
   * Each ping carries a new payload, so an unsolicited pong (or any other frame) from a client
   * that does not read does not keep it. A socket the server does not read (paused) cannot show
   * an answer: it is neither judged nor pinged.
   */
  #checkLiveness = (): void => {
    this.#pingPayload = String(++this.#pings);
    for (const client of this.#clients.values()) {
      const { ws } = client;
      // A stream is not pinged: its heartbeat comments fail to be written once its client is gone.
      if (!(ws instanceof WebSocket) || ws.readyState !== WebSocket.OPEN) continue;
      if (ws.isPaused) {
        client.alive = true;
        continue;
      }
      if (!client.alive) {
        ws.terminate();
        continue;
      }
      client.alive = false;
      ws.ping(this.#pingPayload);
    }
  };

  /** The client let more than `maxBufferedBytes` pile up: close it, and cut it if it does not answer. */
  #shed(ws: Peer): void {
    ws.close(CLOSE_TRY_AGAIN_LATER, 'too slow');
    this.#ops.observed.report('shed');
    const cut = setTimeout(() => ws.terminate(), SHED_GRACE_MS);
    ws.once('close', () => clearTimeout(cut));
  }

  #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = matchRoute(request.url, this.#path);
    if (!route) {
      // On a shared server another 'upgrade' listener may own this path.
      if (!this.#owned && this.#http.listenerCount('upgrade') > 1) return;
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (this.#ops.draining) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const address = this.#remoteAddress(request) ?? 'unknown';
    const tooMany = this.#admission.attempt(address, route.path);
    if (tooMany) {
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        this.#track(ws);
        ws.close(tooMany.code, tooMany.reason);
      });
      return;
    }
    if (route.authByMessage && this.#authenticate) {
      // The token comes in the first message, not in the URL: upgrade now, authenticate then.
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#awaitAuthMessage(ws, route, request, address));
      return;
    }
    socket.on('error', destroyOnError);
    this.#pending.add(socket);
    const checking = this.#startChecking();
    void this.#tokens.check(route.token, request).then(({ answer, grant }) => {
      if (!this.#pending.delete(socket) || socket.destroyed) {
        // Destroyed by close(), or by the client.
        this.#checking.delete(checking);
        return;
      }
      socket.off('error', destroyOnError);
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        this.#track(ws);
        this.#admit(ws, { route, token: route.token, address, answer, grant, checking });
      });
    });
  };

  /** The actions ask what the token may see, as the reads do: a run of another project is refused (403). */
  readonly #authoriseAction: RunActionAuthorisation = async (token, request) => (await this.#tokens.check(token, request)).answer;

  /** A token check begins: revocations made until it ends are kept for it. */
  #startChecking(): Checking {
    const checking: Checking = { revocations: [] };
    this.#checking.add(checking);
    return checking;
  }

  /** Tracks an upgraded socket until it closes; protocol errors are followed by 'close', nothing to add. */
  #track(ws: WebSocket): void {
    ws.on('error', () => {});
    this.#sockets.add(ws);
    ws.once('close', (code) => {
      this.#sockets.delete(ws);
      if (!this.#clients.has(ws)) this.#ops.observed.report('refused', code);
    });
  }

  /**
   * `auth=message`: the first frame must be `{"type":"auth","token":…}`, within AUTH_MESSAGE_TIMEOUT.
   * Frames that follow it while the token is checked are kept (up to AUTH_QUEUE_LIMIT) and
   * handled in order once the client is registered.
   */
  #awaitAuthMessage(ws: WebSocket, route: Route, request: IncomingMessage, address: string): void {
    this.#track(ws);
    const timer = setTimeout(() => ws.close(CLOSE_UNAUTHORIZED, 'unauthorized'), AUTH_MESSAGE_TIMEOUT);
    ws.once('close', () => clearTimeout(timer));
    const queued: [RawData, boolean][] = [];
    let checking = false;
    const onMessage = (data: RawData, isBinary: boolean): void => {
      if (checking) {
        if (queued.length < AUTH_QUEUE_LIMIT) {
          queued.push([data, isBinary]);
          return;
        }
        ws.off('message', onMessage);
        ws.close(CLOSE_POLICY_VIOLATION, 'too many messages before auth');
        return;
      }
      checking = true;
      clearTimeout(timer);
      const frame = readClientFrame(data, isBinary);
      const token = frame.ok && frame.message.type === 'auth' && typeof frame.message.token === 'string' ? frame.message.token : undefined;
      const refused = { answer: { ok: false, reason: 'refused' } as ReadAnswer, grant: false };
      const check = this.#startChecking();
      void (token === undefined ? Promise.resolve(refused) : this.#tokens.check(token, request)).then(({ answer, grant }) => {
        ws.off('message', onMessage);
        if (ws.readyState !== WebSocket.OPEN) {
          this.#checking.delete(check);
          return;
        }
        this.#admit(ws, { route, token, address, answer, grant, checking: check }, queued);
      });
    };
    ws.on('message', onMessage);
  }

  /**
   * An upgraded socket whose token was checked: refused, expired, not allowed on its project's
   * URL, past a limit, revoked meanwhile, or a client from now on.
   */
  #admit(ws: WebSocket, checked: CheckedConnection, queued: readonly [RawData, boolean][] = []): void {
    const verdict = this.#decide(checked);
    if ('code' in verdict) {
      ws.close(verdict.code, verdict.reason);
      return;
    }
    const client = this.#register(ws, 'websocket', verdict, checked);
    ws.on('message', (data, isBinary) => this.#onFrame(client, data, isBinary));
    ws.on('ping', (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('pong', (data) => {
      if (data.toString() === this.#pingPayload) client.alive = true;
    });
    for (const [data, isBinary] of queued) this.#onFrame(client, data, isBinary);
  }

  /** A stream's request (sse-requests.ts), checked as a socket is: a refusal, or what makes its stream a client. */
  readonly #admitStream = async (route: Route, token: string | undefined, request: IncomingMessage, address: string): Promise<Refusal | ((peer: Peer) => void)> => {
    const checking = this.#startChecking();
    const { answer, grant } = await this.#tokens.check(token, request);
    const checked: CheckedConnection = { route, token, address, answer, grant, checking };
    const verdict = this.#decide(checked);
    if ('code' in verdict) return verdict;
    return (peer) => {
      this.#sockets.add(peer);
      peer.once('close', () => this.#sockets.delete(peer));
      this.#register(peer, 'sse', verdict, checked);
    };
  };

  /** A checked connection's refusal, or its info as a client. */
  #decide(checked: CheckedConnection): Refusal | ProgressClientInfo {
    const { route, answer, address, grant } = checked;
    this.#checking.delete(checked.checking);
    // Tokens count only where they mean something: with a hook.
    const token = this.#authenticate ? checked.token : undefined;
    const refusal = this.#admission.decide({ answer, projectId: route.projectId, token, address, path: route.path });
    if (refusal) return refusal;
    const info: ProgressClientInfo = { id: `c${this.#nextId++}`, path: route.path, connectedAt: Date.now() };
    if (route.projectId !== undefined) info.projectId = route.projectId;
    Object.freeze(info);
    // Revoked while its token was being checked: closed before it is sent anything.
    if (checked.checking.revocations.some((which) => revokes(which, checked.token, info, grant))) {
      return { code: CLOSE_UNAUTHORIZED, reason: 'token revoked', status: 401 };
    }
    return info;
  }

  /** An admitted connection: a client of the server from now on. */
  #register(ws: Peer, transport: Transport, info: ProgressClientInfo, checked: CheckedConnection): Client {
    const { route, address, grant } = checked;
    const access = (checked.answer as { access: Access }).access;
    const token = this.#authenticate ? checked.token : undefined;
    const outbox = new Outbox(ws, route.batch ? this.#batching : undefined, this.#limits, () => this.#shed(ws));
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
    this.#admission.opened(token, address);
    if (access.expiresAt !== undefined) this.#expireAt(client, access.expiresAt);
    if (route.resume) {
      openSession(this.log, client, route, this.#maxReplayBytes).then((outcome) => outcome && this.#ops.observed.report('sessionStarted', outcome), () => {
        // The log cannot be read now: the client comes back later rather than be told a gap.
        if (ws.readyState === PEER_OPEN) ws.close(CLOSE_TRY_AGAIN_LATER, 'progress log unavailable');
      });
    }
    this.#ops.observed.report('socketOpened', kindOf(projectId));
    ws.once('close', (code) => {
      this.#ops.observed.report('socketClosed', kindOf(projectId), code);
      clearTimeout(client.expiry);
      client.outbox.close();
      this.#clients.delete(ws);
      this.#admission.closed(token, address);
      this.#events.emit('disconnection', info);
    });
    this.#events.emit('connection', info);
    return client;
  }

  /** Closes the client with 4401 `token expired` when its grant ends (in steps past the longest timer). */
  #expireAt(client: Client, at: number): void {
    const left = at - Date.now();
    if (left > MAX_TIMER_DELAY) {
      client.expiry = setTimeout(() => this.#expireAt(client, at), MAX_TIMER_DELAY);
      return;
    }
    client.expiry = setTimeout(() => {
      client.expiry = undefined;
      if (client.ws.readyState === PEER_OPEN) client.ws.close(CLOSE_UNAUTHORIZED, 'token expired');
    }, Math.max(0, left));
  }

  #onFrame(client: Client, data: RawData, isBinary: boolean): void {
    const frame = readClientFrame(data, isBinary);
    if (!frame.ok) {
      this.#events.emit('rejected', client.info, frame.reason);
      return;
    }
    // With a hook, an `auth` message after the first is not passed on: it holds a token.
    if (this.#authenticate && frame.message.type === 'auth') return;
    if (frame.message.type === 'ping' && client.ws.readyState === PEER_OPEN) {
      client.outbox.control(heartbeatFrame('pong'));
    }
    this.#events.emit('message', client.info, frame.message);
  }
}

/** Start a progress server; resolves once it listens. */
export async function createProgressServer(options: ProgressServerOptions = {}): Promise<ProgressServer> {
  const owned = options.server === undefined;
  let server: ProgressServerImpl | undefined = undefined;
  const http = options.server ?? createServer((request, response) => {
    if (!server?.handleRequest(request, response)) answerPlainRequest(request, response);
  });
  server = new ProgressServerImpl(http, owned, options);
  try {
    await server.listen(options.port ?? 0);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
