/**
 * The server's memory of what it published: a sequence number per event within an epoch, a
 * bounded replay buffer for clients that resume, and the current state of every entity for
 * snapshots. Pass the same journal to a new server to keep all three across a restart.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../client/events.js';
import { ProgressStore, type EntityState } from '../client/state/progress-store.js';

export interface JournalOptions {
  /** Events kept for replay. Default 10000. */
  size?: number;
  /** Entities kept for snapshots. Default 10000. */
  maxEntities?: number;
}

interface Entry {
  seq: number;
  projectId: string;
  frame: string;
}

export interface Replay {
  /** False when some events after the position are gone (or the epoch differs): resync. */
  resumed: boolean;
  /** The frames to send, oldest first (empty when not resumed). */
  frames: string[];
}

export type SnapshotQuery =
  | { kind: 'task'; projectId: string; taskId: string }
  | { kind: 'workflow'; executionId?: string; workflowId?: string }
  | { kind: 'container'; projectId: string; containerId: string };

export class ProgressJournal {
  readonly epoch = randomUUID().slice(0, 8);
  readonly size: number;
  private seqCounter = 0;
  /** Ring buffer of the newest `size` entries. */
  private readonly entries: (Entry | undefined)[];
  /** The newest sequence number evicted from the buffer, per project. */
  private readonly evicted = new Map<string, number>();
  private readonly store: ProgressStore;

  constructor(options: JournalOptions = {}) {
    this.size = Math.max(1, options.size ?? 10000);
    this.entries = new Array(this.size);
    this.store = new ProgressStore({ maxEntities: options.maxEntities ?? 10000 });
  }

  /** The sequence number of the newest event. */
  get seq(): number {
    return this.seqCounter;
  }

  /**
   * Numbers an event, keeps it for replay and snapshots, and returns it as a frame.
   * @param wire the event as it goes to clients, as JSON (default: `event`'s JSON); the state
   *   is reduced from `event`.
   */
  append(event: ProgressEvent, wire?: string): { seq: number; frame: string } {
    const seq = ++this.seqCounter;
    const stamped = { ...event, seq } as ProgressEvent;
    const frame = wire === undefined ? JSON.stringify(stamped) : withSeq(wire, seq);
    const slot = seq % this.size;
    const old = this.entries[slot];
    if (old) this.evicted.set(old.projectId, old.seq);
    this.entries[slot] = { seq, projectId: event.projectId, frame };
    this.store.apply(stamped);
    return { seq, frame };
  }

  /**
   * What a client that applied everything up to `since` in `epoch` is missing, for one project
   * or (projectId undefined) for all.
   */
  replay(epoch: string | undefined, since: number | undefined, projectId: string | undefined): Replay {
    if (epoch !== this.epoch || since === undefined || !Number.isSafeInteger(since) || since < 0 || since > this.seqCounter) {
      return { resumed: false, frames: [] };
    }
    const oldestKept = Math.max(1, this.seqCounter - this.size + 1);
    const lost = projectId === undefined ? oldestKept - 1 : (this.evicted.get(projectId) ?? 0);
    if (since < lost) return { resumed: false, frames: [] };
    const frames: string[] = [];
    for (let seq = Math.max(since + 1, oldestKept); seq <= this.seqCounter; seq++) {
      const entry = this.entries[seq % this.size]!;
      if (projectId === undefined || entry.projectId === projectId) frames.push(entry.frame);
    }
    return { resumed: true, frames };
  }

  /** The current state of an entity, with the sequence number of the newest event in it. */
  snapshot(query: SnapshotQuery): EntityState | undefined {
    switch (query.kind) {
      case 'task':
        return this.store.getTask(query.projectId, query.taskId);
      case 'workflow':
        return query.executionId !== undefined
          ? this.store.getWorkflow(query.executionId)
          : query.workflowId !== undefined
            ? this.store.getLatestWorkflow(query.workflowId)
            : undefined;
      case 'container':
        return this.store.getContainer(query.projectId, query.containerId);
    }
  }
}

/** A JSON object's text with `seq` set (added at the end, or replacing one it had). */
function withSeq(json: string, seq: number): string {
  if (!json.includes('"seq"')) return `${json.slice(0, -1)},"seq":${seq}}`;
  return JSON.stringify({ ...(JSON.parse(json) as object), seq });
}
