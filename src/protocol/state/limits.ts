/** Caps that keep the state of one entity bounded however long it runs. */
export interface StateLimits {
  /** Lines of output kept per task (the tail). Default 500. */
  maxOutputLines: number;
  /** Characters kept per output line. Default 2000. */
  maxLineLength: number;
  /** Artifacts kept per task. Default 200. */
  maxArtifacts: number;
  /** Steps or phases kept per task or workflow. Default 500. */
  maxSteps: number;
}

export const DEFAULT_LIMITS: StateLimits = {
  maxOutputLines: 500,
  maxLineLength: 2000,
  maxArtifacts: 200,
  maxSteps: 500,
};

/** Appends to a capped list, dropping from the front; returns the list and how many were dropped. */
export function appendCapped<T>(list: readonly T[], items: readonly T[], cap: number): { list: T[]; dropped: number } {
  const all = list.length + items.length;
  if (all <= cap) return { list: [...list, ...items], dropped: 0 };
  const dropped = all - cap;
  return { list: [...list, ...items].slice(dropped), dropped };
}

/** ms from one ISO time to a later one; undefined when `from` is missing, a time does not parse, or `to` is earlier. */
export function elapsed(from: string | undefined, to: string): number | undefined {
  if (!from) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Percent clamped to 0..100. */
export function clampPercent(value: number): number {
  return value < 0 ? 0 : value > 100 ? 100 : value;
}

/** What every entity state carries to order events against snapshots (docs/protocol.md). */
export interface Versioned {
  /** The sequence number of the newest event applied, when the server numbers its events. */
  seq?: number;
  /**
   * Set when the state came from a snapshot without a sequence number: events stamped
   * before this time are older than the snapshot and are not applied.
   */
  snapshotAt?: string;
}

/** True when an event is older than what the state already holds. */
export function isStale(state: Versioned | undefined, event: { seq?: number; timestamp: string }): boolean {
  if (!state) return false;
  if (state.seq !== undefined && event.seq !== undefined) return event.seq <= state.seq;
  if (state.snapshotAt !== undefined) {
    const at = Date.parse(event.timestamp);
    const snapshot = Date.parse(state.snapshotAt);
    return Number.isFinite(at) && Number.isFinite(snapshot) && at < snapshot;
  }
  return false;
}

/** The keys of T that may be left out. */
export type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
/** True only when `Copied` names every optional key of T (a copy function that forgets a new field fails the type check). */
export type CopiesAll<T, Copied extends keyof T> = Exclude<OptionalKeys<T>, Copied> extends never ? true : { notCopied: Exclude<OptionalKeys<T>, Copied> };
/** Compiles only for `true`. */
export type Assert<T extends true> = T;

/** The fields a task's and an execution's states have in common beside their ids and lists. */
export interface RunFields extends Versioned {
  name?: string;
  earlierUnknown?: boolean;
  error?: string;
  startedAt?: string;
  endedAt?: string;
  duration?: number;
  updatedAt?: string;
}

/** Copies the run fields `from` holds onto `to` (a state being copied by hand, see copyTask). */
export function copyRunFields(from: RunFields, to: RunFields): void {
  if (from.name !== undefined) to.name = from.name;
  if (from.earlierUnknown !== undefined) to.earlierUnknown = from.earlierUnknown;
  if (from.error !== undefined) to.error = from.error;
  if (from.startedAt !== undefined) to.startedAt = from.startedAt;
  if (from.endedAt !== undefined) to.endedAt = from.endedAt;
  if (from.duration !== undefined) to.duration = from.duration;
  if (from.updatedAt !== undefined) to.updatedAt = from.updatedAt;
  if (from.seq !== undefined) to.seq = from.seq;
  if (from.snapshotAt !== undefined) to.snapshotAt = from.snapshotAt;
}
