/**
 * The seam between the server and what numbers, keeps and orders the events it publishes: an
 * ordered, replayable log. `ProgressJournal` keeps it in memory (one process); `createRedisLog`
 * (`@aintandem/progress-elements/server/redis`) keeps it in a Redis stream shared by several
 * servers, so that a client may resume on any of them.
 */
import type { ProgressEvent } from '../protocol/events.js';
import type { EntityStates } from './entity-states.js';

/** One event in the log. */
export interface LogEntry {
  /** Its sequence number within the epoch: the same on every server that reads the log. */
  readonly seq: number;
  readonly projectId: string;
  /** The event as it was published, as JSON (without `seq`): the spelling its publisher chose. */
  readonly text: string;
  /** The event as the client's parser reads it (`sandbox_*` as `container_*`): what states are reduced from. */
  readonly event: ProgressEvent;
}

/** What a client that resumes asks for: the events after its position, up to the server's. */
export interface ReadRequest {
  /** The epoch the client's position belongs to. */
  epoch: string;
  /** The client's position: it applied everything up to here. */
  after: number;
  /** The server's position: the newest entry it delivered to its sockets. */
  through: number;
  /** Only this project's events; every project's when undefined. */
  projectId?: string;
  /** Only the events of the projects it accepts (a socket whose token may see some projects only). */
  projects?: (projectId: string) => boolean;
  /** Give up (`too_large`) once the entries read take more than this many characters. */
  maxBytes: number;
}

export type ReadResult =
  | { resumed: true; entries: LogEntry[] }
  /** `epoch`: another numbering; `gap`: some entry after the position is gone; `too_large`: past `maxBytes`. */
  | { resumed: false; reason: 'epoch' | 'gap' | 'too_large' };

export interface TailListener {
  /** Every entry, once and in the log's order (the same order on every server). */
  entry(entry: LogEntry): void;
  /**
   * Continuity was lost here: the log started a new epoch (its store lost data, or went back
   * behind what was read: positions of the old epoch mean nothing any more), or this reader fell
   * behind the log's retention (entries were skipped). Sockets that hold positions should
   * reconnect: their sessions then say whether they resume. `epoch` is the current one.
   */
  lost(epoch: string): void;
}

export interface ProgressLog {
  /** The current numbering. It changes only when continuity is lost, never to reuse numbers. */
  readonly epoch: string;
  /** The sequence number of the newest entry the tail has delivered to its listeners here. */
  readonly position: number;
  /** The state of every entity, reduced from the log in its order. */
  readonly states: EntityStates;
  /**
   * false while the log's store cannot be reached (appends fail with `LogUnavailableError`): the
   * server's `/readyz` then answers 503. A log that leaves it out is always available.
   */
  readonly available?: boolean;
  /**
   * How many entries the store holds past what this server's tail delivered (a Redis log asks
   * Redis for the stream's head); rejects when the store cannot be reached. A log that leaves it
   * out delivers as it appends: no lag.
   */
  lag?(): Promise<number>;
  /**
   * Adds an event; resolves (or returns, for a log in memory) once it is stored, with its number.
   * @param event the event as the client's parser reads it
   * @param text the event as published, as JSON
   * @throws LogUnavailableError (or rejects with it) when the store cannot be reached.
   */
  append(event: ProgressEvent, text: string): { seq: number } | Promise<{ seq: number }>;
  /** The entries a resuming client missed, or why it cannot resume. */
  read(request: ReadRequest): ReadResult | Promise<ReadResult>;
  /**
   * The number of the newest entry up to `through` (at most the position) of a project `projects`
   * accepts; 0 when there is none. What a session frame says to a socket that may see some
   * projects only: its own projects' position, not everyone's. Exact when called with the current
   * position (as a session does, when it starts).
   * @throws LogUnavailableError (or rejects with it) when it needs the store and cannot reach it.
   */
  latest(projects: (projectId: string) => boolean, through: number): number | Promise<number>;
  /** Delivers every entry appended from now on (by any server on this log); returns the unsubscribe function. */
  tail(listener: TailListener): () => void;
}

/** The log's store cannot be reached (Redis down or cut off): the event was not published, or it is not known whether it was. */
export class LogUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogUnavailableError';
  }
}

/**
 * From the newest number of each project (`latest`): the newest of the projects `projects`
 * accepts, up to `through`; `later`: one of them has entries after it (so its newest up to
 * `through` is to be looked for in the entries).
 */
export function newestAccepted(latest: ReadonlyMap<string, number>, projects: (projectId: string) => boolean, through: number): { newest: number; later: boolean } {
  let newest = 0;
  let later = false;
  for (const [projectId, seq] of latest) {
    if (!projects(projectId)) continue;
    if (seq <= through) newest = Math.max(newest, seq);
    else later = true;
  }
  return { newest, later };
}
