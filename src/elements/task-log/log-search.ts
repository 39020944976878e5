/**
 * Search over every line of a log (those in closed groups too), a literal (optionally ignoring
 * case) or a regular expression, run in slices of a few milliseconds so that no frame waits on
 * it. It keeps the lines that match and how many hits each has; the columns of a line's hits are
 * found again when asked (a line at a time), so a million hits cost little memory.
 */
import { BLOCK_LINES } from './line-store.js';
import type { LogModel } from './log-model.js';

export interface SearchQuery {
  text: string;
  /** `text` is a regular expression (JavaScript syntax). */
  regex?: boolean;
  caseSensitive?: boolean;
}

export interface SearchHit {
  lineNo: number;
  /** UTF-16 columns of the hit in the line's whole text: [start, end). */
  start: number;
  end: number;
  /** 0-based position of the hit among all hits. */
  ordinal: number;
}

/** Lines searched between two looks at the clock. */
const BATCH = 128;

/**
 * Lets the page's input and frames run. `scheduler.yield()` where the browser has it; else a
 * timeout (which browsers hold back to 4 ms once they nest: slower, but still yielding).
 */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class LogSearch {
  /** Why the query cannot run (an invalid regular expression), or undefined. */
  readonly error: string | undefined;
  /** Hits found so far. */
  count = 0;
  /** Every line has been searched. */
  done = false;
  private readonly pattern: RegExp | undefined;
  private readonly literal: string | undefined;
  /** The query is a literal (`pattern`, when there is one, only ignores its case). */
  private readonly plain: boolean;
  /** Slots of the lines with hits, in line-number order, and the hits before each. */
  private slots = new Int32Array(256);
  private before = new Float64Array(256);
  private lines = 0;
  private readonly ranges: [number, number][];
  private range = 0;
  private next_ = -1;

  constructor(
    private readonly model: LogModel,
    query: SearchQuery,
  ) {
    this.ranges = model.index.snapshot();
    this.plain = !query.regex;
    const text = typeof query.text === 'string' ? query.text : '';
    if (!text) {
      this.done = true;
      return;
    }
    if (!query.regex && query.caseSensitive) this.literal = text;
    else {
      try {
        this.pattern = new RegExp(query.regex ? text : escape(text), query.caseSensitive ? 'g' : 'gi');
      } catch (e) {
        this.error = e instanceof Error ? e.message : String(e);
        this.done = true;
      }
    }
  }

  /** How many lines have hits. */
  get lineCount(): number {
    return this.lines;
  }

  /**
   * Searches in slices: each `next()` searches for about `budgetMs` and yields the hits found so
   * far; it returns when every line has been searched.
   */
  *slices(budgetMs = 6): Generator<number, number> {
    while (!this.done) {
      this.step(budgetMs);
      if (!this.done) yield this.count;
    }
    return this.count;
  }

  /** Searches everything now, in one go. */
  runSync(): number {
    while (!this.done) this.step(Infinity);
    return this.count;
  }

  /**
   * Searches in slices, letting `pause` run between them (by default a yield to the event loop:
   * input and frames go first); stops when `signal` aborts.
   */
  async run(options: { budgetMs?: number; signal?: AbortSignal; pause?: () => Promise<void> } = {}): Promise<number> {
    const pause = options.pause ?? yieldToPage;
    for (const _ of this.slices(options.budgetMs)) {
      if (options.signal?.aborted) break;
      await pause();
      if (options.signal?.aborted) break;
    }
    return this.count;
  }

  /** Searches for about `budgetMs`. */
  step(budgetMs: number): void {
    const started = performance.now();
    const store = this.model.store;
    while (this.range < this.ranges.length) {
      const r = this.ranges[this.range]!;
      let slot = this.next_ < 0 ? r[0] : this.next_;
      const end = Math.min(r[1], store.length - 1);
      while (slot <= end) {
        // A literal is looked for in a joined block's string at once; other lines one by one.
        const block = this.pattern && !this.plain ? undefined : store.joined(slot);
        if (block !== undefined) slot = this.searchBlock(block, slot, Math.min(end, (Math.floor(slot / BLOCK_LINES) + 1) * BLOCK_LINES - 1));
        else {
          const stop = Math.min(end, slot + BATCH - 1);
          for (; slot <= stop; slot++) {
            const n = this.countIn(store.text(slot));
            if (n) this.found(slot, n);
          }
        }
        if (performance.now() - started >= budgetMs) {
          this.next_ = slot;
          return;
        }
      }
      this.range++;
      this.next_ = -1;
    }
    this.done = true;
  }

  /**
   * Counts the literal's hits in slots `from`..`to` of one joined block, searching the block's
   * string (a match across two lines is none); returns the slot after `to`.
   */
  private searchBlock(block: string, from: number, to: number): number {
    const store = this.model.store;
    const base = store.start(from);
    const text = block.slice(base, to + 1 < store.length && (to + 1) % BLOCK_LINES !== 0 ? store.start(to + 1) : block.length);
    const literal = this.literal;
    const re = this.pattern;
    let slot = from;
    /** Where the line of `slot` ends, in `text`. */
    let lineEnd = this.lineEnd(slot, to, base, text.length);
    let n = 0;
    let next = 0;
    if (re) re.lastIndex = 0;
    for (;;) {
      let at: number;
      let length: number;
      if (literal !== undefined) {
        at = text.indexOf(literal, next);
        length = literal.length;
      } else {
        const m = re!.exec(text);
        at = m ? m.index : -1;
        length = m ? m[0].length : 0;
      }
      if (at < 0) break;
      if (at >= lineEnd) {
        if (n) this.found(slot, n);
        n = 0;
        while (at >= lineEnd) lineEnd = this.lineEnd(++slot, to, base, text.length);
      }
      if (at + length <= lineEnd) {
        n++;
        next = at + length;
      } else {
        // Across the end of the line: no hit; the search goes on from the next column.
        next = at + 1;
        if (re) re.lastIndex = next;
      }
    }
    if (n) this.found(slot, n);
    return to + 1;
  }

  private lineEnd(slot: number, to: number, base: number, length: number): number {
    return slot < to ? this.model.store.start(slot + 1) - base : length;
  }

  private found(slot: number, n: number): void {
    if (this.lines === this.slots.length) {
      const slots = new Int32Array(this.lines * 2);
      slots.set(this.slots);
      this.slots = slots;
      const before = new Float64Array(this.lines * 2);
      before.set(this.before);
      this.before = before;
    }
    this.slots[this.lines] = slot;
    this.before[this.lines] = this.count;
    this.lines++;
    this.count += n;
  }

  private countIn(text: string): number {
    if (this.literal !== undefined) {
      let n = 0;
      for (let at = text.indexOf(this.literal); at >= 0; at = text.indexOf(this.literal, at + this.literal.length)) n++;
      return n;
    }
    const re = this.pattern!;
    re.lastIndex = 0;
    if (!re.test(text)) return 0;
    return this.hitsOf(text).length;
  }

  private hitsOf(text: string): [number, number][] {
    const out: [number, number][] = [];
    if (this.literal !== undefined) {
      for (let at = text.indexOf(this.literal); at >= 0; at = text.indexOf(this.literal, at + this.literal.length)) out.push([at, at + this.literal.length]);
      return out;
    }
    const re = this.pattern;
    if (!re) return out;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      // Empty matches are no hits; the search moves on past them.
      if (m[0].length === 0) re.lastIndex = m.index + 1;
      else out.push([m.index, m.index + m[0].length]);
    }
    return out;
  }

  /** The hits in line `lineNo` as [start, end) columns of its whole text. */
  hitsInLine(lineNo: number): [number, number][] {
    if (typeof lineNo !== 'number') return [];
    const slot = this.model.index.slotOf(lineNo);
    if (slot < 0 || this.lineIndexOf(lineNo) < 0) return [];
    return this.hitsOf(this.model.store.text(slot));
  }

  /** Index of the first line with hits whose number is at least `lineNo`. */
  private lineAtOrAfter(lineNo: number): number {
    let lo = 0;
    let hi = this.lines;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.model.store.lineNo(this.slots[mid]!) < lineNo) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lineIndexOf(lineNo: number): number {
    const k = this.lineAtOrAfter(lineNo);
    return k < this.lines && this.model.store.lineNo(this.slots[k]!) === lineNo ? k : -1;
  }

  private hitOn(k: number, which: number): SearchHit | undefined {
    const slot = this.slots[k]!;
    const hits = this.hitsOf(this.model.store.text(slot));
    const i = which < 0 ? hits.length + which : which;
    const h = hits[i];
    return h && { lineNo: this.model.store.lineNo(slot), start: h[0], end: h[1], ordinal: this.before[k]! + i };
  }

  /** The first hit after column `column` of line `lineNo` (-1: from the line's start), wrapping to the first. */
  next(lineNo: number, column = -1): SearchHit | undefined {
    if (this.lines === 0 || typeof lineNo !== 'number' || typeof column !== 'number') return undefined;
    let k = this.lineAtOrAfter(lineNo);
    if (k < this.lines && this.model.store.lineNo(this.slots[k]!) === lineNo) {
      const hits = this.hitsOf(this.model.store.text(this.slots[k]!));
      const i = hits.findIndex((h) => h[0] > column);
      if (i >= 0) return this.hitOn(k, i);
      k++;
    }
    return this.hitOn(k < this.lines ? k : 0, 0);
  }

  /** The last hit before column `column` of line `lineNo` (Infinity: from the line's end), wrapping to the last. */
  previous(lineNo: number, column = Infinity): SearchHit | undefined {
    if (this.lines === 0 || typeof lineNo !== 'number' || typeof column !== 'number') return undefined;
    let k = this.lineAtOrAfter(lineNo);
    if (k < this.lines && this.model.store.lineNo(this.slots[k]!) === lineNo) {
      const hits = this.hitsOf(this.model.store.text(this.slots[k]!));
      for (let i = hits.length - 1; i >= 0; i--) if (hits[i]![0] < column) return this.hitOn(k, i);
    }
    k--;
    return this.hitOn(k >= 0 ? k : this.lines - 1, -1);
  }

  /** The hit with position `ordinal` among all hits. */
  hit(ordinal: number): SearchHit | undefined {
    if (typeof ordinal !== 'number' || !(ordinal >= 0 && ordinal < this.count)) return undefined;
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.before[mid]! <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return this.hitOn(lo, ordinal - this.before[lo]!);
  }
}
