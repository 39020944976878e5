/** A clock advanced by hand, for the simulator's `clock` option: waits run only when a test moves time past them. */
import type { SimulatorClock } from '../../../src/server/simulator/index.js';

interface Timer {
  at: number;
  callback: () => void;
}

export class ManualClock implements SimulatorClock {
  #now = Date.UTC(2030, 0, 1);
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and neither run nor cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** ms from now to the earliest timer; undefined when none is set. */
  get nextIn(): number | undefined {
    let at: number | undefined;
    for (const timer of this.#timers.values()) if (at === undefined || timer.at < at) at = timer.at;
    return at === undefined ? undefined : at - this.#now;
  }

  /** Runs the earliest timer, moving the time to it; false when none is set. */
  step(): boolean {
    let first: [number, Timer] | undefined;
    for (const entry of this.#timers) if (!first || entry[1].at < first[1].at) first = entry;
    if (!first) return false;
    this.#timers.delete(first[0]);
    this.#now = first[1].at;
    first[1].callback();
    return true;
  }

  /** Moves the time `ms` on, running every timer that falls due meanwhile, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    while (this.nextIn !== undefined && this.#now + this.nextIn <= end) this.step();
    this.#now = end;
  }
}
