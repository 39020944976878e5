/**
 * Asking the `authenticate` hook about a token, whatever it does: it may throw, reject, answer
 * anything (a Proxy, a getter that throws, a value of any type) or never answer. The check always
 * ends, within `timeout`, with a grant or a refusal; it never throws nor rejects. Answers that
 * grant nothing although they are not `false`, and hooks that do not answer in time, are reported
 * through the logger (never with the token; repeated ones counted into the next line).
 */
import type { IncomingMessage } from 'node:http';
import { FULL_ACCESS, readAnswer, type AuthenticateAnswer, type InvalidAnswer, type ReadAnswer } from './access.js';
import type { WarnLogger } from './connection-limits.js';

/** The hook: what a token may see. */
export type Authenticate = (token: string | undefined, request: IncomingMessage) => AuthenticateAnswer | Promise<AuthenticateAnswer>;

/** What a check ends with: the answer read as a grant, and the hook's answer as it gave it (`false` when it gave none). */
export interface Checked {
  answer: ReadAnswer;
  grant: AuthenticateAnswer;
}

/** The default of `authenticateTimeout`, ms. */
export const DEFAULT_AUTHENTICATE_TIMEOUT = 10_000;
/** ms within which further reports of one kind are counted rather than logged each. */
const REPORT_WINDOW = 10_000;

const REFUSED: Checked = { answer: { ok: false, reason: 'refused' }, grant: false };

type Report = InvalidAnswer | 'timeout';

const REPORTS: Readonly<Record<Report, string>> = {
  'no projects': 'answered a grant without projects',
  'projects of no known shape': "answered projects that are neither '*', a list of project ids nor a function of the project id",
  'expiresAt of no known shape': 'answered an expiresAt that is neither a number nor a Date',
  'not a grant': 'answered neither true, false, a function of the project id nor { projects, expiresAt }',
  unreadable: 'answered a value that could not be read (reading it threw)',
  timeout: 'did not answer in time',
};

export class TokenCheck {
  readonly #hook: Authenticate | undefined;
  readonly #timeout: number;
  readonly #logger: WarnLogger;
  /** Ends each check under way (as refused): what close() calls, so that no timer outlives the server. */
  readonly #ends = new Set<() => void>();
  readonly #reported = new Map<Report, { at: number; more: number }>();

  /**
   * @param timeout ms the hook may take; a check past it is refused
   */
  constructor(hook: Authenticate | undefined, timeout: number, logger: WarnLogger) {
    this.#hook = hook;
    this.#timeout = timeout;
    this.#logger = logger;
  }

  /** The hook's answer for a token, read as a grant (no hook: every project). Never rejects. */
  check(token: string | undefined, request: IncomingMessage): Promise<Checked> {
    const hook = this.#hook;
    if (!hook) return Promise.resolve({ answer: { ok: true, access: FULL_ACCESS }, grant: true });
    return new Promise<Checked>((resolve) => {
      let done = false;
      const end = (checked: Checked): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#ends.delete(stop);
        resolve(checked);
      };
      const stop = (): void => end(REFUSED);
      const timer = setTimeout(() => {
        this.#report('timeout');
        end(REFUSED);
      }, this.#timeout);
      this.#ends.add(stop);
      let pending: Promise<unknown>;
      try {
        // Promise.resolve takes any value, thenables included, and never throws; the hook may.
        pending = Promise.resolve(hook(token, request));
      } catch {
        end(REFUSED);
        return;
      }
      pending.then(
        (grant) => {
          if (done) return;
          const answer = readAnswer(grant, Date.now());
          if (!answer.ok && answer.reason === 'invalid') this.#report(answer.why);
          end({ answer, grant: grant as AuthenticateAnswer });
        },
        // A throw or a rejection is the hook's way to refuse.
        () => end(REFUSED),
      );
    });
  }

  /** Ends every check under way as refused (the server closes). */
  endAll(): void {
    for (const end of [...this.#ends]) end();
  }

  #report(kind: Report): void {
    const now = performance.now();
    const last = this.#reported.get(kind);
    if (last && now - last.at < REPORT_WINDOW) {
      last.more++;
      return;
    }
    const more = last && last.more > 0 ? `; ${last.more} more since the last line` : '';
    this.#reported.set(kind, { at: now, more: 0 });
    const timing = kind === 'timeout' ? ` (authenticateTimeout ${this.#timeout} ms)` : '';
    try {
      this.#logger.warn(`progress server: authenticate ${REPORTS[kind]}${timing}; the token is refused${more}`);
    } catch {
      // A logger that throws loses the line, not the server.
    }
  }
}
