/**
 * Whether a connection becomes a client, the same for sockets and streams: the attempt rate per
 * address (before its token is checked), then the token's answer, its project, and the limits of
 * connections open at once per token and per address, which count sockets and streams together.
 * A refusal says the close code a socket gets and the HTTP status a stream's request gets.
 */
import type { ReadAnswer } from './access.js';
import { AttemptRate, LIMIT_REASONS, OpenCounts, RefusalLog, type ConnectionLimits, type LimitRefusal, type WarnLogger } from './connection-limits.js';

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
  maxConnectionsPerToken?: number;
  maxConnectionsPerAddress?: number;
  connectionAttempts?: { burst?: number; perSecond?: number };
  logger: WarnLogger;
}

/** A connection whose token was checked. */
export interface Candidate {
  answer: ReadAnswer;
  /** The project of a per-project URL. */
  projectId: string | undefined;
  /** Its token, when tokens count (the server has an `authenticate` hook). */
  token: string | undefined;
  address: string;
  /** Its path, for the log line of a refusal (never the query, which may hold a token). */
  path: string;
}

const tooMany = (kind: LimitRefusal): Refusal => ({ code: CLOSE_TOO_MANY, reason: LIMIT_REASONS[kind], status: 429 });

export class Admission {
  readonly #limits: ConnectionLimits;
  readonly #attempts: AttemptRate;
  readonly #byToken = new OpenCounts();
  readonly #byAddress = new OpenCounts();
  readonly #refusals: RefusalLog;

  constructor(options: AdmissionOptions) {
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

  /** Refused, expired, not allowed on its project's URL, past a limit; or undefined: it may be a client. */
  decide({ answer, projectId, token, address, path }: Candidate): Refusal | undefined {
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

  /** A client from now on: it counts against the limits until `closed()`. */
  opened(token: string | undefined, address: string): void {
    if (token !== undefined) this.#byToken.add(token);
    this.#byAddress.add(address);
  }

  closed(token: string | undefined, address: string): void {
    if (token !== undefined) this.#byToken.remove(token);
    this.#byAddress.remove(address);
  }

  /** A refusal past a limit: logged (without the token; repeated ones counted into the next line). */
  #refuse(kind: LimitRefusal, address: string, path: string): void {
    const { perToken, perAddress, attemptBurst } = this.#limits;
    this.#refusals.note(kind, kind === 'token' ? perToken : kind === 'address' ? perAddress : attemptBurst, address, path, performance.now());
  }
}
