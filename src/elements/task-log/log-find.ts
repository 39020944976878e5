/**
 * Search in a task log for the view: runs a LogSearch in slices (a macrotask between them, so
 * that no frame waits), keeps the current hit, and moves to the next or previous one, opening the
 * groups around it.
 */
import type { LogModel } from './log-model.js';
import { LogSearch, type SearchHit } from './log-search.js';

export interface FindHost {
  /** The search's count or current hit changed. */
  changed(): void;
  /** Show this hit (its line is revealed already). */
  show(hit: SearchHit): void;
}

export class LogFind {
  text = '';
  regex = false;
  search: LogSearch | undefined;
  current: SearchHit | undefined;
  #abort: AbortController | undefined;
  /** The model's version the search ran on. */
  #version = -1;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly model: LogModel,
    private readonly host: FindHost,
  ) {}

  /** Whether the search has run to its end. */
  get done(): boolean {
    return this.search?.done ?? true;
  }

  /** Starts a search for `text` (cancelling the one under way). */
  set(text: string, regex: boolean): void {
    if (text === this.text && regex === this.regex && this.search) return;
    this.text = text;
    this.regex = regex;
    this.#run();
  }

  #run(keep?: SearchHit): void {
    this.#abort?.abort();
    this.current = undefined;
    this.search = undefined;
    if (!this.text) {
      this.host.changed();
      return;
    }
    const search = (this.search = new LogSearch(this.model, { text: this.text, regex: this.regex }));
    this.#version = this.model.version;
    const abort = (this.#abort = new AbortController());
    this.host.changed();
    this.#running = search.run({ signal: abort.signal }).then(
      () => {
        if (abort.signal.aborted) return;
        if (keep) this.current = search.next(keep.lineNo, keep.start - 1);
        this.host.changed();
      },
      () => undefined,
    );
  }

  /** Moves to the next hit (or, with `back`, the previous one). */
  async step(back: boolean): Promise<void> {
    if (!this.text) return;
    // Lines came since the search ran: search again first, from the current hit.
    if (this.model.version !== this.#version && this.done) {
      const keep = this.current;
      this.#run(keep);
    }
    await this.#running;
    const search = this.search;
    if (!search || search.count === 0) return;
    const at = this.current;
    const hit = back ? search.previous(at?.lineNo ?? Infinity, at ? at.start : Infinity) : search.next(at?.lineNo ?? 0, at ? at.start : -1);
    if (!hit) return;
    this.current = hit;
    this.model.reveal(hit.lineNo);
    this.host.show(hit);
    this.host.changed();
  }

  /** The hits of a line, and which of them is current. */
  hits(lineNo: number): { ranges: [number, number][]; current: number } | undefined {
    const search = this.search;
    if (!search || search.count === 0) return undefined;
    const ranges = search.hitsInLine(lineNo);
    if (ranges.length === 0) return undefined;
    const c = this.current;
    return { ranges, current: c && c.lineNo === lineNo ? ranges.findIndex(([a]) => a === c.start) : -1 };
  }

  close(): void {
    this.#abort?.abort();
  }
}
