/**
 * A reference progress server speaking AInTandem's wire format, for demos, tests and fault
 * injection. It serves both socket shapes: one socket per project
 * (`{any prefix}/progress/subscribe/{projectId}`) and one socket for every project (`path`).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ProgressEvent } from '../client/events.js';
import { checkEvent, heartbeatFrame, readClientFrame, type ClientMessage } from './frames.js';
import { ProgressJournal, type SnapshotQuery } from './journal.js';
import { Outbox, type BatchOptions } from './outbox.js';
import { isRestPath, restAnswer } from './rest.js';
import { matchRoute, projectPath, type Route } from './routes.js';

export type { ClientMessage, ClientFrameRejection } from './frames.js';

/** Close code sent when `authenticate` rejects a connection (reason `unauthorized`). */
export const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_SERVICE_RESTART = 1012;
/** Close code sent to a client that does not read what is sent to it fast enough (`maxBufferedBytes`). */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** How long a socket with `auth=message` may take to send its token. */
const AUTH_MESSAGE_TIMEOUT = 5000;
/** Frames an `auth=message` socket may send while its token is checked; one more closes it with 1008. */
const AUTH_QUEUE_LIMIT = 64;
/** How long close() waits for clients to answer its close frame before cutting their connections. */
const CLOSE_GRACE_MS = 1000;

export interface ProgressServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. Ignored when `server` is given. */
  port?: number;
  /** Host to listen on (and to put in `url`); default `127.0.0.1`. */
  host?: string;
  /** An existing HTTP(S) server to attach to: its `upgrade` events are handled; close() leaves it open. */
  server?: HttpServer;
  /** The single-socket path that receives every project's events; default `/ws`. */
  path?: string;
  /**
   * Decides whether a connection is allowed, from the `token` query parameter (or the `auth`
   * message), and whether an HTTP snapshot or REST read is, from its `Authorization: Bearer`
   * header or `token` query parameter. Throwing means no.
   */
  authenticate?: (token: string | undefined, request: IncomingMessage) => boolean | Promise<boolean>;
  /**
   * ms between WebSocket protocol pings to each client. A client that did not answer the last
   * ping within one interval is terminated; other frames do not count (a client that sends but
   * never reads is not alive). Default 30000; 0 disables.
   */
  heartbeatInterval?: number;
  /**
   * Bytes the server may hold unsent for one client (`bufferedAmount`). A client that lets more
   * pile up is closed with 1013 (`CLOSE_TRY_AGAIN_LATER`), and a replay larger than this is not
   * sent (the client resyncs from snapshots). Default 8388608 (8 MiB); Infinity disables.
   */
  maxBufferedBytes?: number;
  /** Largest client frame in bytes; a larger one closes that socket with 1009. Default 65536. */
  maxPayload?: number;
  /** Validate each published event with the client's parser and throw a TypeError when invalid. Default true. */
  validate?: boolean;
  /**
   * Sequence numbers, the replay buffer and snapshots. Pass the journal of a previous server to
   * keep them across a restart. Default: a new journal of `replayBufferSize` events.
   */
  journal?: ProgressJournal;
  /** Events kept for replay when the server creates its journal. Default 10000. */
  replayBufferSize?: number;
  /**
   * ms during which events bound for a client that accepts batches are gathered into one array
   * frame. The first event after a quiet period goes out at once. Default 16; 0 disables batching.
   */
  batchWindow?: number;
  /** Largest batch, in events. Default 500. */
  maxBatchEvents?: number;
  /** Largest batch frame, in characters. Default 262144. */
  maxBatchSize?: number;
}

export interface ProgressClientInfo {
  id: string;
  /** The project of a per-project socket; undefined on the all-projects path. */
  projectId?: string;
  /** The request path, without its query string. */
  path: string;
  /** Date.now() when the connection was accepted. */
  connectedAt: number;
}

export interface DropOptions {
  /** Cut the TCP connection without a close frame. */
  abrupt?: boolean;
  /** Close code for a clean drop; default 1012. */
  code?: number;
  /** Close reason for a clean drop; default `server restarting`. */
  reason?: string;
}

export interface ProgressServer {
  /** `ws://host:port`, without a path. */
  readonly url: string;
  readonly port: number;
  /** A project's socket URL, or the all-projects socket URL when no project is given. */
  urlFor(projectId?: string): string;
  /** Send an event to its project's sockets and every all-projects socket; returns how many sockets got it. */
  publish(event: ProgressEvent): number;
  clients(): ProgressClientInfo[];
  readonly clientCount: number;
  /** Send any frame as is (binary for a Uint8Array), to every client or those `filter` accepts. */
  sendRaw(frame: string | Uint8Array, filter?: (client: ProgressClientInfo) => boolean): number;
  /** Send the JSON heartbeat `{"type":"ping","timestamp":ISO}` to every client. */
  ping(): number;
  /** Drop every client: cleanly with a close frame, or abruptly. Returns how many were dropped. */
  dropConnections(options?: DropOptions): number;
  /**
   * While stalled the server reads nothing (no pong answers), terminates no one, and holds what it
   * would send (events, raw frames) until it is no longer stalled, when the held frames go out in
   * order to the sockets still open:
   * to a client it looks like a half-open connection.
   */
  stall(stalled: boolean): void;
  on(event: 'connection' | 'disconnection', listener: (client: ProgressClientInfo) => void): this;
  on(event: 'message', listener: (client: ProgressClientInfo, message: ClientMessage) => void): this;
  on(event: 'rejected', listener: (client: ProgressClientInfo, reason: string) => void): this;
  off(event: 'connection' | 'disconnection', listener: (client: ProgressClientInfo) => void): this;
  off(event: 'message', listener: (client: ProgressClientInfo, message: ClientMessage) => void): this;
  off(event: 'rejected', listener: (client: ProgressClientInfo, reason: string) => void): this;
  /** Sequence numbers, replay buffer and entity states (docs/protocol.md). */
  readonly journal: ProgressJournal;
  /**
   * Answers `GET …/progress/snapshot?kind=task&projectId=…&taskId=…` (also kind=workflow with
   * executionId or workflowId, kind=container with projectId and containerId) with the entity's
   * state as JSON, 404 when unknown; and, in AInTandem's REST shape, `GET …/projects/{p}/tasks/{t}`
   * and `GET …/workflows/executions/{e}`. With an `authenticate` hook, a read whose token it refuses
   * gets 401. `OPTIONS` on these paths gets the CORS preflight answer, and a request URL that
   * cannot be parsed gets 400. Returns false for other requests: use it as a middleware when the
   * server is attached to an HTTP server of yours. A server it created answers by itself.
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /** Close every client socket (1001) and, when this server created it, the HTTP server. */
  close(): Promise<void>;
}

type ServerEventName = 'connection' | 'disconnection' | 'message' | 'rejected';
type AnyListener = (...args: any[]) => void;

interface Client {
  info: ProgressClientInfo;
  ws: WebSocket;
  /** Whether the client answered the last heartbeat ping (or has not been pinged yet). */
  alive: boolean;
  /** What the server sends it, in order. */
  outbox: Outbox;
}

/** Answer plain HTTP requests to a server this module created: 200 for `GET /health`, else 404. */
function answerPlainRequest(request: IncomingMessage, response: ServerResponse): void {
  const healthy = request.method === 'GET' && request.url?.split('?')[0] === '/health';
  response.writeHead(healthy ? 200 : 404, { 'content-type': 'text/plain' });
  response.end(healthy ? 'ok' : 'not found');
}

const SNAPSHOT_PATH = '/progress/snapshot';
const READ_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
/** The answer to a CORS preflight: loaders send `Authorization`, which a cross-origin GET may only do after one. */
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'authorization, accept',
};

function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { ...READ_HEADERS, ...headers });
  // HEAD: the same answer without its body.
  response.end(response.req?.method === 'HEAD' ? undefined : JSON.stringify(body));
}

/** The token of an HTTP read: `Authorization: Bearer …`, else the `token` query parameter. */
function httpToken(request: IncomingMessage, params: URLSearchParams): string | undefined {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return bearer ? bearer[1] : (params.get('token') ?? undefined);
}

/** The entity a snapshot request names, or undefined when it names none. */
function snapshotQuery(params: URLSearchParams): SnapshotQuery | undefined {
  const get = (name: string) => params.get(name) ?? undefined;
  const projectId = get('projectId');
  switch (get('kind')) {
    case 'task': {
      const taskId = get('taskId');
      return projectId !== undefined && taskId !== undefined ? { kind: 'task', projectId, taskId } : undefined;
    }
    case 'workflow': {
      const executionId = get('executionId');
      const workflowId = get('workflowId');
      if (executionId === undefined && workflowId === undefined) return undefined;
      const query: SnapshotQuery = { kind: 'workflow' };
      if (executionId !== undefined) query.executionId = executionId;
      if (workflowId !== undefined) query.workflowId = workflowId;
      return query;
    }
    case 'container': {
      const containerId = get('containerId');
      return projectId !== undefined && containerId !== undefined ? { kind: 'container', projectId, containerId } : undefined;
    }
    default:
      return undefined;
  }
}

/** Refuse an upgrade request with a minimal HTTP response, then drop the socket. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

class ProgressServerImpl implements ProgressServer {
  readonly #http: HttpServer;
  readonly #owned: boolean;
  readonly #host: string;
  readonly #path: string;
  readonly #authenticate: ProgressServerOptions['authenticate'];
  readonly #validate: boolean;
  readonly #wss: WebSocketServer;
  readonly #events = new EventEmitter();
  readonly #clients = new Map<WebSocket, Client>();
  /** Every upgraded socket, including those being closed as unauthorised. */
  readonly #sockets = new Set<WebSocket>();
  /** Upgrade requests waiting for `authenticate`. */
  readonly #pending = new Set<Duplex>();
  readonly #maxBuffered: number;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The payload of the last heartbeat ping: only a pong that echoes it shows a client alive. */
  #pingPayload = '';
  #pings = 0;
  #port = 0;
  #stalled = false;
  #closing: Promise<void> | undefined;
  #nextId = 1;
  readonly journal: ProgressJournal;
  readonly #batching: BatchOptions;

  constructor(http: HttpServer, owned: boolean, options: ProgressServerOptions) {
    this.#http = http;
    this.#owned = owned;
    this.#host = options.host ?? '127.0.0.1';
    this.#path = options.path ?? '/ws';
    this.#authenticate = options.authenticate;
    this.#validate = options.validate ?? true;
    this.#maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.journal = options.journal ?? new ProgressJournal({ size: options.replayBufferSize ?? 10000 });
    this.#batching = {
      window: options.batchWindow ?? 16,
      maxEvents: Math.max(1, options.maxBatchEvents ?? 500),
      maxSize: options.maxBatchSize ?? 262144,
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload ?? 65536,
      // Pongs are sent by hand so that a stalled server can withhold them.
      autoPong: false,
    });
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

  publish(event: ProgressEvent): number {
    if (!this.#validate) {
      // Unvalidated events (fault injection) are sent as given, outside the sequence.
      const frame = JSON.stringify(event);
      const projectId = (event as { projectId?: unknown }).projectId;
      return this.#broadcast(frame, (info) => info.projectId === undefined || info.projectId === projectId);
    }
    const { event: normalised, text } = checkEvent(event);
    const { frame } = this.journal.append(normalised, text);
    let sent = 0;
    for (const client of this.#clients.values()) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      if (client.info.projectId !== undefined && client.info.projectId !== normalised.projectId) continue;
      client.outbox.event(frame);
      sent++;
    }
    return sent;
  }

  sendRaw(frame: string | Uint8Array, filter?: (client: ProgressClientInfo) => boolean): number {
    return this.#broadcast(frame, filter);
  }

  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    if ((request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS') || !request.url) return false;
    let url: URL;
    try {
      url = new URL(request.url, 'http://localhost');
    } catch {
      answerJson(response, 400, { error: 'bad request URL' });
      return true;
    }
    if (!url.pathname.endsWith(SNAPSHOT_PATH) && !isRestPath(url.pathname)) return false;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, PREFLIGHT_HEADERS);
      response.end();
      return true;
    }
    void this.#answerRead(request, response, url);
    return true;
  }

  /** A snapshot or REST read, once `authenticate` (when there is one) accepts its token. */
  async #answerRead(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (!(await this.#isAuthorised(httpToken(request, url.searchParams), request))) {
      answerJson(response, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (url.pathname.endsWith(SNAPSHOT_PATH)) {
      const query = snapshotQuery(url.searchParams);
      const state = query && this.journal.snapshot(query);
      answerJson(response, query ? (state ? 200 : 404) : 400, query ? (state ?? null) : { error: 'kind and ids are required' });
      return;
    }
    const body = restAnswer(this.journal, url.pathname);
    answerJson(response, body ? 200 : 404, body ?? null);
  }

  ping(): number {
    if (this.#stalled) return 0;
    return this.#broadcast(heartbeatFrame('ping'));
  }

  dropConnections(options: DropOptions = {}): number {
    const clients = [...this.#clients.values()];
    for (const { ws } of clients) {
      if (options.abrupt) ws.terminate();
      else ws.close(options.code ?? CLOSE_SERVICE_RESTART, options.reason ?? 'server restarting');
    }
    return clients.length;
  }

  stall(stalled: boolean): void {
    if (stalled === this.#stalled) return;
    this.#stalled = stalled;
    for (const client of this.#clients.values()) {
      if (stalled) {
        client.outbox.hold();
      } else {
        client.outbox.release();
        // Frames ignored while stalled must not count against the clients afterwards.
        client.alive = true;
      }
    }
  }

  on(event: ServerEventName, listener: AnyListener): this {
    this.#events.on(event, listener);
    return this;
  }

  off(event: ServerEventName, listener: AnyListener): this {
    this.#events.off(event, listener);
    return this;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#http.off('upgrade', this.#onUpgrade);
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
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

  #broadcast(frame: string | Uint8Array, filter?: (client: ProgressClientInfo) => boolean): number {
    let sent = 0;
    for (const client of this.#clients.values()) {
      const { ws, info } = client;
      if (ws.readyState !== WebSocket.OPEN || (filter && !filter(info))) continue;
      client.outbox.raw(frame);
      sent++;
    }
    return sent;
  }

  /**
   * One heartbeat tick: terminate the clients that did not answer the last ping, ping the others.
   * Each ping carries a new payload, so an unsolicited pong (or any other frame) from a client
   * that does not read does not keep it.
   */
  #checkLiveness = (): void => {
    if (this.#stalled) return;
    this.#pingPayload = String(++this.#pings);
    for (const client of this.#clients.values()) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping(this.#pingPayload);
    }
  };

  /** The client let more than `maxBufferedBytes` pile up: close it, and cut it if it does not answer. */
  #shed(ws: WebSocket): void {
    ws.close(CLOSE_TRY_AGAIN_LATER, 'too slow');
    const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
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
    if (route.authByMessage && this.#authenticate) {
      // The token comes in the first message, not in the URL: upgrade now, authenticate then.
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#awaitAuthMessage(ws, route, request));
      return;
    }
    socket.on('error', destroyOnError);
    this.#pending.add(socket);
    void this.#isAuthorised(route.token, request).then((authorised) => {
      if (!this.#pending.delete(socket)) return; // destroyed by close()
      socket.off('error', destroyOnError);
      if (socket.destroyed) return;
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, route, authorised));
    });
  };

  async #isAuthorised(token: string | undefined, request: IncomingMessage): Promise<boolean> {
    if (!this.#authenticate) return true;
    try {
      return (await this.#authenticate(token, request)) === true;
    } catch {
      return false;
    }
  }

  /** Tracks an upgraded socket until it closes; protocol errors are followed by 'close', nothing to add. */
  #track(ws: WebSocket): void {
    ws.on('error', () => {});
    this.#sockets.add(ws);
    ws.once('close', () => this.#sockets.delete(ws));
  }

  /**
   * `auth=message`: the first frame must be `{"type":"auth","token":…}`, within AUTH_MESSAGE_TIMEOUT.
   * Frames that follow it while the token is checked are kept (up to AUTH_QUEUE_LIMIT) and
   * handled in order once the client is registered.
   */
  #awaitAuthMessage(ws: WebSocket, route: Route, request: IncomingMessage): void {
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
      void (token === undefined ? Promise.resolve(false) : this.#isAuthorised(token, request)).then((authorised) => {
        ws.off('message', onMessage);
        if (ws.readyState !== WebSocket.OPEN) return;
        if (authorised) this.#register(ws, route, queued);
        else ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      });
    };
    ws.on('message', onMessage);
  }

  #accept(ws: WebSocket, route: Route, authorised: boolean): void {
    this.#track(ws);
    if (!authorised) {
      ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      return;
    }
    this.#register(ws, route);
  }

  /** An authorised socket: a client of the server from now on. `queued`: frames it sent before, to handle first. */
  #register(ws: WebSocket, route: Route, queued: readonly [RawData, boolean][] = []): void {
    const info: ProgressClientInfo = { id: `c${this.#nextId++}`, path: route.path, connectedAt: Date.now() };
    if (route.projectId !== undefined) info.projectId = route.projectId;
    Object.freeze(info);
    const outbox = new Outbox(ws, route.batch ? this.#batching : undefined, this.#maxBuffered, () => this.#shed(ws));
    const client: Client = { info, ws, alive: true, outbox };
    if (this.#stalled) client.outbox.hold();
    this.#clients.set(ws, client);
    if (route.resume) this.#startSession(client, route);

    ws.on('message', (data, isBinary) => this.#onFrame(client, data, isBinary));
    ws.on('ping', (data) => {
      if (!this.#stalled && ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('pong', (data) => {
      if (!this.#stalled && data.toString() === this.#pingPayload) client.alive = true;
    });
    ws.once('close', () => {
      client.outbox.close();
      this.#clients.delete(ws);
      this.#events.emit('disconnection', info);
    });
    this.#events.emit('connection', info);
    for (const [data, isBinary] of queued) this.#onFrame(client, data, isBinary);
  }

  /** The session frame, then the events the client missed since its position (when still kept). */
  #startSession(client: Client, route: Route): void {
    let replay = this.journal.replay(route.epoch, route.since, route.projectId);
    // A replay the client may not buffer would only get it closed again: it resyncs from snapshots instead.
    if (replay.frames.reduce((bytes, frame) => bytes + Buffer.byteLength(frame), 0) > this.#maxBuffered) replay = { resumed: false, frames: [] };
    client.outbox.send(
      JSON.stringify({ type: 'session', epoch: this.journal.epoch, seq: this.journal.seq, resumed: replay.resumed, timestamp: new Date().toISOString() }),
    );
    // Sent even by a stalled server: a new connection gets what the old one had stopped receiving.
    client.outbox.burst(replay.frames);
  }

  #onFrame(client: Client, data: RawData, isBinary: boolean): void {
    if (this.#stalled) return;
    const frame = readClientFrame(data, isBinary);
    if (!frame.ok) {
      this.#events.emit('rejected', client.info, frame.reason);
      return;
    }
    if (frame.message.type === 'ping' && client.ws.readyState === WebSocket.OPEN) {
      client.outbox.send(heartbeatFrame('pong'));
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
