/**
 * A client of the server as its parts (admission, liveness, fan-out, sessions) hold it: a
 * WebSocket or a Server-Sent Events stream (a `Peer`), its outbox, what its token may see, and the
 * close codes these parts send it.
 */
import type { Access, AuthenticateAnswer } from './access.js';
import type { Outbox } from './outbox.js';
import type { Peer } from './peer.js';
import type { ProgressClientInfo } from './server-api.js';
import type { SessionSocket } from './session.js';

/** Close code sent to resuming clients when the log lost continuity (a new epoch): they reconnect and resume or resync. */
export const CLOSE_SERVICE_RESTART = 1012;
/**
 * Close code sent to a client that does not read what is sent to it fast enough
 * (`maxBufferedBytes`), and to one whose session cannot be opened while the log is unavailable.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export type Transport = 'websocket' | 'sse';

export interface Client extends SessionSocket {
  readonly info: ProgressClientInfo;
  /** Its connection: a WebSocket, or a Server-Sent Events stream. */
  readonly ws: Peer;
  readonly outbox: Outbox;
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
