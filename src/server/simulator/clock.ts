/**
 * The time the simulator runs on: the wall clock by default; a clock of the caller's (a test's,
 * advanced by hand) makes runs, pauses and their remaining waits exact.
 */

export interface SimulatorClock {
  /** ms since the epoch: the events' timestamps, and what is left of a wait when a run pauses. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns what `clearTimeout` takes. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const WALL_CLOCK: SimulatorClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
