/**
 * The progress log in memory, for one process (the default of `createProgressServer`, `npm start`
 * and the tests): a sequence number per event within an epoch, a bounded replay buffer for
 * clients that resume, and the current state of every entity for snapshots. Hand the same journal
 * to a new server to keep all three across a restart; servers that share one journal in a process
 * behave as instances on one log.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../protocol/events.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import type { EntityStates, SnapshotQuery } from './entity-states.js';
import { withSeq } from './event-frames.js';
import { ServerStore } from './server-store.js';
import { newestAccepted, type LogEntry, type ProgressLog, type ReadRequest, type ReadResult, type TailListener } from './progress-log.js';

export interface JournalOptions {
  /** Events kept for replay. Default 10000. */
  size?: number;
  /** Entities kept for snapshots. Default 10000. */
  maxEntities?: number;
}

export class ProgressJournal implements ProgressLog, EntityStates {
  readonly epoch = randomUUID().slice(0, 8);
  readonly size: number;
  #seq = 0;
  /** Ring buffer of the newest `size` entries. */
  readonly #entries: (LogEntry | undefined)[];
  /** The newest sequence number evicted from the buffer, per project. */
  readonly #evicted = new Map<string, number>();
  /** The newest sequence number, per project. */
  readonly #latest = new Map<string, number>();
  readonly #store: ServerStore;
  readonly #listeners = new Set<TailListener>();

  constructor(options: JournalOptions = {}) {
    this.size = Math.max(1, options.size ?? 10000);
    this.#entries = new Array(this.size);
    this.#store = new ServerStore(options.maxEntities ?? 10000);
  }

  /** The sequence number of the newest event. */
  get seq(): number {
    return this.#seq;
  }

  /** The newest event is delivered as soon as it is appended: the same as `seq`. */
  get position(): number {
    return this.#seq;
  }

  get states(): EntityStates {
    return this;
  }

  /**
   * Numbers an event, keeps it for replay and snapshots, hands it to the tail's listeners (at once,
   * before returning), and returns its number and its frame.
   * @param wire the event as published, as JSON (default: `event`'s JSON); the state is reduced
   *   from `event`.
   */
  append(event: ProgressEvent, wire?: string): { seq: number; frame: string } {
    const seq = ++this.#seq;
    const stamped = { ...event, seq } as ProgressEvent;
    const text = wire ?? JSON.stringify(event);
    const entry: LogEntry = { seq, projectId: event.projectId, text, event: stamped };
    const slot = seq % this.size;
    const old = this.#entries[slot];
    if (old) this.#evicted.set(old.projectId, old.seq);
    this.#entries[slot] = entry;
    this.#latest.set(entry.projectId, seq);
    this.#store.apply(stamped);
    for (const listener of this.#listeners) listener.entry(entry);
    return {
      seq,
      get frame() {
        return withSeq(text, seq);
      },
    };
  }

  read(request: ReadRequest): ReadResult {
    const { after, projectId, projects } = request;
    if (request.epoch !== this.epoch) return { resumed: false, reason: 'epoch' };
    if (!Number.isSafeInteger(after) || after < 0 || after > this.#seq) return { resumed: false, reason: 'gap' };
    const through = Math.min(request.through, this.#seq);
    const oldestKept = this.#oldestKept();
    if (after < this.#lostFor(projectId, projects, oldestKept)) return { resumed: false, reason: 'gap' };
    const entries: LogEntry[] = [];
    let bytes = 0;
    for (let seq = Math.max(after + 1, oldestKept); seq <= through; seq++) {
      const entry = this.#entries[seq % this.size]!;
      if (projectId !== undefined && entry.projectId !== projectId) continue;
      if (projects !== undefined && !projects(entry.projectId)) continue;
      bytes += entry.text.length;
      if (bytes > request.maxBytes) return { resumed: false, reason: 'too_large' };
      entries.push(entry);
    }
    return { resumed: true, entries };
  }

  latest(projects: (projectId: string) => boolean, through: number): number {
    const known = newestAccepted(this.#latest, projects, through);
    let newest = known.newest;
    if (!known.later) return newest;
    // A project it accepts has entries after `through`: its newest up to there is in the buffer, or was evicted.
    const oldestKept = this.#oldestKept();
    for (let seq = Math.min(through, this.#seq); seq >= oldestKept && seq > newest; seq--) {
      if (projects(this.#entries[seq % this.size]!.projectId)) return seq;
    }
    for (const [projectId, seq] of this.#evicted) if (seq <= through && projects(projectId)) newest = Math.max(newest, seq);
    return newest;
  }

  #oldestKept(): number {
    return Math.max(1, this.#seq - this.size + 1);
  }

  /** The newest number a reader of these projects cannot replay (evicted). */
  #lostFor(projectId: string | undefined, projects: ((projectId: string) => boolean) | undefined, oldestKept: number): number {
    if (projectId !== undefined) return this.#evicted.get(projectId) ?? 0;
    if (projects === undefined) return oldestKept - 1;
    let lost = 0;
    for (const [id, seq] of this.#evicted) if (seq > lost && projects(id)) lost = seq;
    return lost;
  }

  tail(listener: TailListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The current state of an entity, with the sequence number of the newest event in it; a workflow named without its project, among the `visible` projects. */
  snapshot(query: SnapshotQuery, visible?: (projectId: string) => boolean): EntityState | undefined {
    return this.#store.find(query, visible);
  }
}
