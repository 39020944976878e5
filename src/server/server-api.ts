/**
 * What a progress server is to the code that starts it (`createProgressServer()`): its URLs,
 * `publish()`, its clients and their events, `handleRequest()` for HTTP, `revoke()`, `drain()`
 * and `close()`. progress-server.ts implements it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProgressEvent } from '../protocol/events.js';
import type { AuthenticateAnswer } from './access.js';
import type { DrainOptions } from './drain.js';
import type { ClientMessage } from './frames.js';
import type { ProgressLog } from './progress-log.js';

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
  revoke(which: Revocation): number;
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

/** What `revoke()` is given: a token, or a predicate of the socket. */
export type Revocation = string | ((token: string | undefined, client: ProgressClientInfo, grant: AuthenticateAnswer) => boolean);
