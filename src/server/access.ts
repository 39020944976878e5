/**
 * Who may see what: the answer of the server's `authenticate` hook read as a grant (the projects
 * a token may see, and until when), and the test a socket's events and a read's entity pass.
 */

/** Projects a token may see: every one (`'*'`), those listed, or those a function accepts. */
export type ProjectScope = '*' | readonly string[] | ((projectId: string) => boolean);

/** What `authenticate` may answer beside `true` (every project) and `false` (refused). */
export interface AccessGrant {
  /**
   * The projects the token may see: `'*'` (every one), a list of ids, or a function of the
   * project id. Required: a grant without it (`{}`, `{ projects: undefined }`) grants nothing
   * (the token is refused, and the answer reported through the server's `logger`).
   */
  projects: ProjectScope;
  /**
   * When the grant ends, as ms since 1970 (`Date.now()`'s clock) or a `Date`: sockets opened with
   * it are closed with 4401 `token expired` then, and reads are refused from then on.
   */
  expiresAt?: number | Date;
}

/** `authenticate`'s answer: yes (every project), no, a grant, or a function of the project id (the projects it accepts). */
export type AuthenticateAnswer = boolean | AccessGrant | ((projectId: string) => boolean);

/** Answers of a function scope kept per socket, so that fan-out asks it once per project. */
const SCOPE_CACHE_LIMIT = 1024;

/** A grant read from an answer. */
export class Access {
  /** It may see every project. */
  readonly all: boolean;
  /** ms since 1970 when it ends; undefined: it does not. */
  readonly expiresAt: number | undefined;
  readonly #listed: ReadonlySet<string> | undefined;
  readonly #test: ((projectId: string) => boolean) | undefined;
  readonly #answers = new Map<string, boolean>();

  constructor(projects: ProjectScope, expiresAt: number | undefined) {
    this.all = projects === '*';
    this.expiresAt = expiresAt;
    if (typeof projects === 'function') this.#test = projects;
    else if (projects !== '*') this.#listed = new Set(projects);
  }

  /** Whether it may see a project's events and entities. A scope function that throws says no. */
  allows(projectId: string): boolean {
    if (this.all) return true;
    if (this.#listed) return this.#listed.has(projectId);
    const known = this.#answers.get(projectId);
    if (known !== undefined) return known;
    let answer: boolean;
    try {
      answer = this.#test!(projectId) === true;
    } catch {
      answer = false;
    }
    if (this.#answers.size < SCOPE_CACHE_LIMIT) this.#answers.set(projectId, answer);
    return answer;
  }

  /** Whether it has ended at `now`. */
  expired(now: number): boolean {
    return this.expiresAt !== undefined && now >= this.expiresAt;
  }
}

/** Every project, for ever: what a server without `authenticate` gives every socket. */
export const FULL_ACCESS = new Access('*', undefined);

/** Why an answer of `authenticate` grants nothing although it is not `false`. */
export type InvalidAnswer = 'no projects' | 'projects of no known shape' | 'expiresAt of no known shape' | 'not a grant' | 'unreadable';

/** How an answer was read: a grant, a refusal, an expired grant, or an answer that grants nothing (refused too, and worth a warning). */
export type ReadAnswer =
  | { ok: true; access: Access }
  | { ok: false; reason: 'refused' | 'expired' }
  | { ok: false; reason: 'invalid'; why: InvalidAnswer };

const invalid = (why: InvalidAnswer): ReadAnswer => ({ ok: false, reason: 'invalid', why });

/** A scope read once from the answer: its own copy of a list, so that what was checked is what is kept. */
function readScope(value: unknown): ProjectScope | InvalidAnswer {
  if (value === '*' || typeof value === 'function') return value as ProjectScope;
  if (value === undefined) return 'no projects';
  if (!Array.isArray(value)) return 'projects of no known shape';
  const list: unknown[] = Array.prototype.slice.call(value);
  return list.every((p) => typeof p === 'string') ? (list as string[]) : 'projects of no known shape';
}

/**
 * Reads `authenticate`'s answer at `now`. It fails closed: only `true`, a function of the project
 * id, or an object whose `projects` is `'*'`, a list of ids or such a function grants; `false` is
 * a refusal; anything else (`{}`, `{ projects: undefined }`, `null`, a number…) grants nothing.
 * Each field is read once; an answer whose reading throws (a getter, a Proxy) grants nothing.
 */
export function readAnswer(answer: unknown, now: number): ReadAnswer {
  try {
    return readGrant(answer, now);
  } catch {
    return invalid('unreadable');
  }
}

function readGrant(answer: unknown, now: number): ReadAnswer {
  if (answer === true) return { ok: true, access: FULL_ACCESS };
  if (answer === false) return { ok: false, reason: 'refused' };
  if (typeof answer === 'function') return { ok: true, access: new Access(answer as (projectId: string) => boolean, undefined) };
  if (answer === null || typeof answer !== 'object') return invalid('not a grant');
  const grant = answer as AccessGrant;
  const projects = readScope(grant.projects);
  if (typeof projects === 'string' && projects !== '*') return invalid(projects);
  const expiresAt: unknown = grant.expiresAt;
  let ends: number | undefined;
  if (expiresAt !== undefined) {
    ends = expiresAt instanceof Date ? Date.prototype.getTime.call(expiresAt) : (expiresAt as number);
    if (typeof ends !== 'number' || Number.isNaN(ends)) return invalid('expiresAt of no known shape');
  }
  const access = new Access(projects as ProjectScope, ends);
  return access.expired(now) ? { ok: false, reason: 'expired' } : { ok: true, access };
}
