/**
 * Whether a connection becomes a client and stays one, the same for sockets and streams: the
 * attempt rate per address (before its token is checked), then the token's check by the
 * `authenticate` hook, its project, and the limits of connections open at once per token and per
 * address, which count sockets and streams together; once it is a client, the end of its grant
 * (4401 `token expired`) and `revoke()` (4401 `token revoked`), also of a token being checked.
 * A refusal says the close code a socket gets and the HTTP status a stream's request gets.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthenticateAnswer, ReadAnswer } from './access.js';
import type { Client } from './client.js';
import { AttemptRate, LIMIT_REASONS, OpenCounts, RefusalLog, type ConnectionLimits, type LimitRefusal, type WarnLogger } from './connection-limits.js';
import { PEER_OPEN } from './peer.js';
import type { Route } from './routes.js';
import type { ReadAuthorisation } from './http-reads.js';
import type { ProgressClientInfo, Revocation } from './server-api.js';
import { DEFAULT_AUTHENTICATE_TIMEOUT, TokenCheck, type Authenticate, type Checked } from './token-check.js';

/**
 * Close code sent when `authenticate` refuses a connection (reason `unauthorized`), when its grant
 * ends (`token expired`) and when `revoke()` names the socket (`token revoked`): a client with a
 * way to get a new token reconnects with it and resumes.
 */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code sent to a per-project socket whose token may not see that project (reason `project not allowed`). */
export const CLOSE_FORBIDDEN = 4403;
/**
 * Close code sent past a limit against abuse (`maxConnectionsPerToken`, `maxConnectionsPerAddress`,
 * `connectionAttempts`), with the limit as the reason; the client retries after its backoff.
 */
export const CLOSE_TOO_MANY = 4429;

/** Why a connection is not a client: the close a socket gets, the answer a stream's request gets. */
export interface Refusal {
  code: number;
  reason: string;
  status: number;
}

export interface AdmissionOptions {
  authenticate?: Authenticate | undefined;
  authenticateTimeout?: number;
  maxConnectionsPerToken?: number;
  maxConnectionsPerAddress?: number;
  connectionAttempts?: { burst?: number; perSecond?: number };
  logger: WarnLogger;
}

/** The revocations made while a connection's token was being checked, to ask once it is known. */
export interface Checking {
  revocations: Revocation[];
}

/** A connection whose token was checked, on its way to becoming a client (or being refused). */
export interface CheckedConnection extends Checked {
  route: Route;
  token: string | undefined;
  address: string;
  checking: Checking;
}

/** The longest delay a timer takes (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

const tooMany = (kind: LimitRefusal): Refusal => ({ code: CLOSE_TOO_MANY, reason: LIMIT_REASONS[kind], status: 429 });

/** Whether a revocation names a connection. A predicate that throws does not. */
function revokes(which: Revocation, token: string | undefined, info: ProgressClientInfo, grant: AuthenticateAnswer): boolean {
  try {
    return typeof which === 'string' ? token === which : which(token, info, grant) === true;
  } catch {
    return false;
  }
}

export class Admission {
  readonly #limits: ConnectionLimits;
  readonly #attempts: AttemptRate;
  readonly #byToken = new OpenCounts();
  readonly #byAddress = new OpenCounts();
  readonly #refusals: RefusalLog;
  readonly #tokens: TokenCheck;
  /** Whether tokens count (the server has a hook): without one, every connection is anonymous. */
  readonly #hooked: boolean;
  /** Connections whose token is being checked (each until its check ends). */
  readonly #checking = new Set<Checking>();
  #nextId = 1;

  constructor(options: AdmissionOptions) {
    this.#hooked = options.authenticate !== undefined;
    this.#tokens = new TokenCheck(options.authenticate, options.authenticateTimeout ?? DEFAULT_AUTHENTICATE_TIMEOUT, options.logger);
    const attempts = options.connectionAttempts ?? {};
    this.#limits = {
      perToken: options.maxConnectionsPerToken ?? 100,
      perAddress: options.maxConnectionsPerAddress ?? 2000,
      attemptBurst: attempts.burst ?? 2000,
      attemptsPerSecond: attempts.perSecond ?? 200,
    };
    this.#attempts = new AttemptRate(this.#limits.attemptBurst, this.#limits.attemptsPerSecond);
    this.#refusals = new RefusalLog(options.logger);
  }

  /** An attempt from `address`: refused past the rate, before its token is checked (a flood costs the hook nothing). */
  attempt(address: string, path: string): Refusal | undefined {
    if (this.#attempts.take(address, performance.now())) return undefined;
    this.#refuse('attempts', address, path);
    return tooMany('attempts');
  }

  /** A token check begins: revocations made until it ends are kept for it. Never rejects. */
  async check(route: Route, token: string | undefined, request: IncomingMessage, address: string): Promise<CheckedConnection> {
    const checking = this.begin();
    const { answer, grant } = await this.#tokens.check(token, request);
    return { route, token, address, answer, grant, checking };
  }

  /** Marks a check under way whose token is not known yet (an `auth=message` socket's). */
  begin(): Checking {
    const checking: Checking = { revocations: [] };
    this.#checking.add(checking);
    return checking;
  }

  /** The check of a connection gone meanwhile ends: nothing more is kept for it. */
  abandon(checking: Checking): void {
    this.#checking.delete(checking);
  }

  /** The hook's answer for a token, as the reads and the actions on runs ask it. */
  readonly authorise: ReadAuthorisation = async (token, request) => (await this.#tokens.check(token, request)).answer;

  /**
   * A checked connection's refusal (refused, expired, not allowed on its project's URL, past a
   * limit, revoked while its token was being checked), or its info as a client.
   */
  decide(checked: CheckedConnection): Refusal | ProgressClientInfo {
    const { route, answer, address, grant } = checked;
    this.#checking.delete(checked.checking);
    const refusal = this.#refusal(answer, route.projectId, this.#counted(checked.token), address, route.path);
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

  /** A client from now on: it counts against the limits, and is closed when its grant ends, until `closed()`. */
  opened(client: Client, address: string): void {
    const token = this.#counted(client.token);
    if (token !== undefined) this.#byToken.add(token);
    this.#byAddress.add(address);
    if (client.access.expiresAt !== undefined) this.#expireAt(client, client.access.expiresAt);
  }

  closed(client: Client, address: string): void {
    clearTimeout(client.expiry);
    const token = this.#counted(client.token);
    if (token !== undefined) this.#byToken.remove(token);
    this.#byAddress.remove(address);
  }

  /** Closes with 4401 `token revoked` the open clients `which` names, and the connections being checked once they are known. */
  revoke(which: Revocation, clients: Iterable<Client>): number {
    for (const checking of this.#checking) checking.revocations.push(which);
    let closed = 0;
    for (const client of [...clients]) {
      if (client.ws.readyState !== PEER_OPEN) continue; // closing already
      if (!revokes(which, client.token, client.info, client.grant)) continue;
      client.ws.close(CLOSE_UNAUTHORIZED, 'token revoked');
      closed++;
    }
    return closed;
  }

  /** The server closes: every check under way ends (as refused), so that no timer outlives it. */
  close(): void {
    this.#tokens.endAll();
  }

  /** Tokens count only where they mean something: with a hook. */
  #counted(token: string | undefined): string | undefined {
    return this.#hooked ? token : undefined;
  }

  #refusal(answer: ReadAnswer, projectId: string | undefined, token: string | undefined, address: string, path: string): Refusal | undefined {
    if (!answer.ok) return { code: CLOSE_UNAUTHORIZED, reason: answer.reason === 'expired' ? 'token expired' : 'unauthorized', status: 401 };
    if (projectId !== undefined && !answer.access.allows(projectId)) return { code: CLOSE_FORBIDDEN, reason: 'project not allowed', status: 403 };
    const past: LimitRefusal | undefined =
      token !== undefined && this.#byToken.count(token) >= this.#limits.perToken
        ? 'token'
        : this.#byAddress.count(address) >= this.#limits.perAddress
          ? 'address'
          : undefined;
    if (past === undefined) return undefined;
    this.#refuse(past, address, path);
    return tooMany(past);
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

  /** A refusal past a limit: logged (without the token; repeated ones counted into the next line). */
  #refuse(kind: LimitRefusal, address: string, path: string): void {
    const { perToken, perAddress, attemptBurst } = this.#limits;
    this.#refusals.note(kind, kind === 'token' ? perToken : kind === 'address' ? perAddress : attemptBurst, address, path, performance.now());
  }
}
