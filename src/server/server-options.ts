/**
 * What a progress server is told when it is created (`createProgressServer(options)`): where it
 * listens, who may connect and see what, the limits against abuse and slow clients, the log it
 * numbers and replays events from, batching, spellings, actions and output.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AuthenticateAnswer } from './access.js';
import type { WarnLogger } from './connection-limits.js';
import type { ContainerSpelling } from './event-frames.js';
import type { OperationsOptions } from './operations.js';
import type { OutputStore } from './output-store.js';
import type { ProgressLog } from './progress-log.js';
import type { RunActions } from './run-actions.js';

/** What a socket negotiated, for choosing its spelling of container events. */
export interface SocketTerms {
  /** `resume=1`: sequence numbers and the session frame. */
  resume: boolean;
  /** `batch=1`: frames holding arrays of events. */
  batch: boolean;
  /** The project of a per-project socket; undefined on the all-projects path. */
  projectId?: string;
}

export interface ProgressServerOptions extends OperationsOptions {
  /** Port to listen on; 0 (the default) picks a free one. Ignored when `server` is given. */
  port?: number;
  /** Host to listen on (and to put in `url`); default `127.0.0.1`. */
  host?: string;
  /** An existing HTTP(S) server to attach to: its `upgrade` events are handled; close() leaves it open. */
  server?: HttpServer;
  /** The single-socket path that receives every project's events; default `/ws`. */
  path?: string;
  /**
   * Decides what a token may see: for a connection, from the `token` query parameter (or the
   * `auth` message); for an HTTP snapshot or REST read, from its `Authorization: Bearer` header or
   * `token` query parameter. It fails closed: only `true` (every project), `{ projects, expiresAt? }`
   * with `projects` `'*'`, a list of project ids or a function of the project id, or such a
   * function alone grant, the grant until `expiresAt` when given. `false`, a throw or a rejection
   * refuse; any other answer (`{}`, `{ projects: undefined }`, `null`, one whose reading throws)
   * and no answer within `authenticateTimeout` refuse too, and are reported through `logger`
   * (never with the token). A refused socket is closed with 4401 before any frame, a refused read
   * gets 401. A socket receives only its projects' events; a per-project URL of another project
   * is closed with 4403, a read of one gets 403; at `expiresAt` the socket is closed with 4401
   * `token expired`.
   */
  authenticate?: (token: string | undefined, request: IncomingMessage) => AuthenticateAnswer | Promise<AuthenticateAnswer>;
  /**
   * ms `authenticate` may take to answer; a token it has not answered for by then is refused
   * (4401, or 401) and the wait reported through `logger`. Default 10000.
   */
  authenticateTimeout?: number;
  /**
   * Sockets open at once with one token (with an `authenticate` hook), on this server; one more is
   * closed with 4429 `too many connections for this token`. Default 100; Infinity disables.
   */
  maxConnectionsPerToken?: number;
  /**
   * Sockets open at once from one remote address (`remoteAddress`), on this server; one more is
   * closed with 4429 `too many connections from this address`. Default 2000; Infinity disables.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Connection attempts per remote address, as a bucket: `burst` at once, refilled at `perSecond`.
   * An attempt past it is closed with 4429 `too many connection attempts` before its token is
   * checked. Default `{ burst: 2000, perSecond: 200 }`; `burst: Infinity` disables.
   */
  connectionAttempts?: { burst?: number; perSecond?: number };
  /**
   * The address the per-address limits count by. Default: the TCP peer's address. Behind a proxy
   * every connection comes from the proxy: read the client's address from the header your proxy
   * sets (and trust it only from the proxy).
   */
  remoteAddress?: (request: IncomingMessage) => string | undefined;
  /** Where refusals past a limit, `authenticate` answers that grant nothing and its timeouts are reported (never with the token). Default `console`. */
  logger?: WarnLogger;
  /**
   * ms between WebSocket protocol pings to each client. A client that did not answer the last
   * ping within one interval is terminated; other frames do not count (a client that sends but
   * never reads is not alive). Default 30000; 0 disables.
   */
  heartbeatInterval?: number;
  /**
   * ms of silence after which a Server-Sent Events stream gets a comment (`:`), so that proxies
   * keep it and its client knows it is alive. Default 15000; 0 disables.
   */
  sseHeartbeat?: number;
  /**
   * Characters the server may hold unsent for one client, beyond the socket's own small window
   * (128 KiB). A client that lets more pile up is closed with 1013 (`CLOSE_TRY_AGAIN_LATER`),
   * and resumes when it reconnects. Default 8388608 (8 MiB); Infinity disables.
   */
  maxBufferedBytes?: number;
  /**
   * Largest replay sent to a resuming client, in characters; a larger one is not sent (the
   * client resyncs from snapshots). Larger than `maxBufferedBytes`, so that a client shed for
   * being slow can resume. Default 4 × `maxBufferedBytes` (32 MiB).
   */
  maxReplayBytes?: number;
  /** Largest client frame in bytes; a larger one closes that socket with 1009. Default 65536. */
  maxPayload?: number;
  /**
   * The ordered, replayable log events are numbered, kept and fanned out from, with the entity
   * states for snapshots. A `ProgressJournal` (in memory) or `createRedisLog()` (several servers
   * on one Redis). Default: a new journal of `replayBufferSize` events.
   */
  log?: ProgressLog;
  /** The log, by its former name: a journal handed from a server to the next. */
  journal?: ProgressLog;
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
  /**
   * How container events are spelled on each socket: `'sandbox'` (`sandbox_*` with `sandboxId`:
   * what AInTandem's orchestrator sends and its SDK listens for), `'container'` (`container_*` with
   * `containerId`) or `'published'` (as published); or a function of what the socket negotiated.
   * Default: `'sandbox'` for a socket that negotiated no extension (neither `resume=1` nor
   * `batch=1`: AInTandem's own client), `'published'` for the others.
   */
  containerEvents?: ContainerSpelling | ((socket: SocketTerms) => ContainerSpelling);
  /**
   * Carries out the actions on runs the server takes over HTTP (`POST …/projects/{p}/tasks/{t}/cancel`,
   * `POST …/workflows/executions/{e}/pause|resume|cancel`; docs/protocol.md): each answers
   * `'accepted'`, `'unknown'` or `'conflict'` (or a promise of it) and publishes the events that
   * say what happened. A simulator (`createSimulator`) is one. Without it those requests get 501.
   */
  actions?: RunActions;
  /**
   * Where every task's terminal output is kept as numbered lines: it gives output events their
   * `line` fields and answers `GET …/projects/{p}/tasks/{t}/logs` and `…/logs.txt`
   * (docs/task-log-protocol.md). A `MemoryOutputStore`, or for servers on one Redis one
   * `createRedisOutputStore()` they share; `false` for none (no line fields, those paths get 404).
   * Default: a `MemoryOutputStore` of its own while the progress log is in this process (a
   * `ProgressJournal`); none with any other log, since servers sharing a log must share the store
   * that numbers the lines.
   */
  output?: OutputStore | false;
}
