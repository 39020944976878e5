/**
 * The lines of a log, compactly: each line has a slot (the order lines were first placed in), its
 * plain text, its styled runs only when it has some, and its server line number, time and group
 * in typed arrays that grow by doubling. The newest lines keep their own strings (they may still
 * change); older ones are joined, BLOCK_LINES at a time, into one string per block with each
 * line's offset in a typed array, so a line costs its characters and a few bytes.
 */

/** Styled runs [start, end, style, link, …], or what reads them when first asked. */
export type Runs = number[] | (() => number[] | undefined) | undefined;

/** Lines joined into one string. */
export const BLOCK_LINES = 4096;
/** The newest lines, kept as their own strings. */
const RECENT_LINES = 1024;

export class LineStore {
  /** Texts of the slots from `recentBase` on. */
  private recent: string[] = [];
  private recentBase = 0;
  /** Block b holds the texts of slots b * BLOCK_LINES … (b + 1) * BLOCK_LINES - 1, one after the other. */
  private blocks: string[] = [];
  /** Texts of lines in blocks that changed after they were joined, and those blocks. */
  private changedTexts = new Map<number, string>();
  private changedBlocks = new Set<number>();
  /** Styled runs [start, end, style, link, …] of the lines that have some. */
  private runs = new Map<number, number[] | (() => number[] | undefined)>();
  private offsets = new Uint32Array(1024);
  private numbers = new Float64Array(1024);
  private times = new Float64Array(1024);
  private groups = new Int32Array(1024);
  private size = 0;

  /** How many lines are kept. */
  get length(): number {
    return this.size;
  }

  /** Keeps a new line; returns its slot. */
  add(lineNo: number, time: number, group: number, text: string, runs: Runs): number {
    const slot = this.size;
    if (slot === this.numbers.length) this.grow();
    this.numbers[slot] = lineNo;
    this.times[slot] = time;
    this.groups[slot] = group;
    this.recent.push(text);
    if (runs) this.runs.set(slot, runs);
    this.size++;
    if (this.recent.length >= RECENT_LINES + BLOCK_LINES) this.join();
    return slot;
  }

  /** Joins the oldest recent lines into a block. */
  private join(): void {
    const texts = this.recent.splice(0, BLOCK_LINES);
    let at = 0;
    for (let i = 0; i < texts.length; i++) {
      this.offsets[this.recentBase + i] = at;
      at += texts[i]!.length;
    }
    this.blocks.push(texts.join(''));
    this.recentBase += BLOCK_LINES;
  }

  /** Forgets the last line kept (a marker line that turned out not to be text). */
  pop(): void {
    if (this.size === 0 || this.recent.length === 0) return;
    this.size--;
    this.recent.pop();
    this.runs.delete(this.size);
  }

  set(slot: number, text: string, runs: Runs): void {
    if (slot < 0 || slot >= this.size) return;
    if (slot >= this.recentBase) this.recent[slot - this.recentBase] = text;
    else {
      this.changedTexts.set(slot, text);
      this.changedBlocks.add(Math.floor(slot / BLOCK_LINES));
    }
    if (runs) this.runs.set(slot, runs);
    else this.runs.delete(slot);
  }

  setGroup(slot: number, group: number): void {
    if (slot >= 0 && slot < this.size) this.groups[slot] = group;
  }

  text(slot: number): string {
    if (!(slot >= 0 && slot < this.size)) return '';
    if (slot >= this.recentBase) return this.recent[slot - this.recentBase]!;
    if (this.changedTexts.size) {
      const changed = this.changedTexts.get(slot);
      if (changed !== undefined) return changed;
    }
    const block = this.blocks[Math.floor(slot / BLOCK_LINES)]!;
    const end = (slot + 1) % BLOCK_LINES === 0 ? block.length : this.offsets[slot + 1]!;
    return block.slice(this.offsets[slot]!, end);
  }

  /**
   * For a search over many lines at once: the joined string of the block that holds `slot`, when
   * none of its lines changed since it was joined (undefined otherwise, and for the newest lines).
   * A line's text in it runs from `start(slot)` to `start(slot + 1)` (the string's end for the
   * block's last line).
   */
  joined(slot: number): string | undefined {
    if (!(slot >= 0 && slot < this.recentBase)) return undefined;
    const b = Math.floor(slot / BLOCK_LINES);
    return this.changedBlocks.has(b) ? undefined : this.blocks[b];
  }

  /** Where the text of `slot` (a joined line) begins in its block's string. */
  start(slot: number): number {
    return slot % BLOCK_LINES === 0 ? 0 : this.offsets[slot]!;
  }

  runsOf(slot: number): readonly number[] | undefined {
    const runs = this.runs.get(slot);
    if (typeof runs !== 'function') return runs;
    const read = runs();
    if (read) this.runs.set(slot, read);
    else this.runs.delete(slot);
    return read;
  }

  lineNo(slot: number): number {
    return slot >= 0 && slot < this.size ? this.numbers[slot]! : NaN;
  }

  time(slot: number): number {
    return slot >= 0 && slot < this.size ? this.times[slot]! : NaN;
  }

  group(slot: number): number {
    return slot >= 0 && slot < this.size ? this.groups[slot]! : -1;
  }

  private grow(): void {
    const n = this.numbers.length * 2;
    const offsets = new Uint32Array(n);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const numbers = new Float64Array(n);
    numbers.set(this.numbers);
    this.numbers = numbers;
    const times = new Float64Array(n);
    times.set(this.times);
    this.times = times;
    const groups = new Int32Array(n);
    groups.set(this.groups);
    this.groups = groups;
  }
}

/**
 * Which slots hold which line numbers: runs of slots whose numbers rise, sorted by number and not
 * overlapping, so a number is found by two binary searches.
 */
export class LineIndex {
  /** Per run: first slot, last slot, first number, last number. */
  private readonly runs: { from: number; to: number; first: number; last: number }[] = [];

  constructor(private readonly store: LineStore) {}

  /** Notes that `slot` (just added) holds `lineNo`. */
  add(slot: number, lineNo: number): void {
    const runs = this.runs;
    // Most often the line continues a run (the live end, or a fill going on).
    for (let k = runs.length - 1; k >= 0 && k >= runs.length - 4; k--) {
      const r = runs[k]!;
      if (r.to === slot - 1 && r.last < lineNo && (k === runs.length - 1 || runs[k + 1]!.first > lineNo)) {
        r.to = slot;
        r.last = lineNo;
        return;
      }
    }
    const at = this.runAfter(lineNo);
    const around = runs[at - 1];
    if (around && around.last > lineNo) {
      // The number falls between two lines of a run: the run is cut there.
      const cut = this.floor(lineNo);
      runs.splice(at, 0, { from: cut + 1, to: around.to, first: this.store.lineNo(cut + 1), last: around.last });
      around.to = cut;
      around.last = this.store.lineNo(cut);
    }
    runs.splice(at, 0, { from: slot, to: slot, first: lineNo, last: lineNo });
  }

  /** Forgets the last slot (see LineStore.pop). */
  remove(slot: number): void {
    const k = this.runs.findIndex((r) => r.to === slot);
    if (k < 0) return;
    const r = this.runs[k]!;
    if (r.from === slot) this.runs.splice(k, 1);
    else {
      r.to--;
      r.last = this.store.lineNo(r.to);
    }
  }

  /** Index of the first run whose first number is above `lineNo`. */
  private runAfter(lineNo: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid]!.first <= lineNo) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The slot of the line with the highest number at most `lineNo`, or -1. */
  floor(lineNo: number): number {
    const k = this.runAfter(lineNo) - 1;
    const r = this.runs[k];
    if (!r) return -1;
    if (lineNo >= r.last) return r.to;
    let lo = r.from;
    let hi = r.to;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.store.lineNo(mid) <= lineNo) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The slot holding exactly `lineNo`, or -1. */
  slotOf(lineNo: number): number {
    const slot = this.floor(lineNo);
    return slot >= 0 && this.store.lineNo(slot) === lineNo ? slot : -1;
  }

  /** The slot of the line with the lowest number above `lineNo`, or -1. */
  after(lineNo: number): number {
    const k = this.runAfter(lineNo);
    const prev = this.runs[k - 1];
    if (prev && prev.last > lineNo) return this.floor(lineNo) + 1;
    return this.runs[k]?.from ?? -1;
  }

  /** Every slot, in the order of their numbers, as [from, to] slot ranges. */
  *ranges(): Generator<[number, number]> {
    for (const r of this.runs) yield [r.from, r.to];
  }

  /** A copy of the runs, for a search that must not see them change under it. */
  snapshot(): [number, number][] {
    return this.runs.map((r) => [r.from, r.to]);
  }
}
