/**
 * The output store in memory, for one process: each task's lines in blocks of `BLOCK_LINES`, a
 * block's texts joined in one string once it is full, with typed arrays of end offsets, times
 * and (interned) step ids, so that a million lines are a few hundred objects.
 *
 * Limits, counted in characters of text plus `LINE_COST` per line: per task `maxLines` and
 * `maxBytes` (past either, its oldest lines go); in all `maxTotalBytes` (past it, the logs of the
 * tasks that ended longest ago go first, whole, then the oldest lines of the largest running
 * tasks); and `maxTasks` logs known (past it, the one that ended longest ago is forgotten, or
 * when none ended, the one written least recently). A read says which lines went: `firstKept`.
 * Memory is given back a block at a time: a log whose oldest lines went holds at most one block
 * more than it counts.
 */
import type { ProgressEvent } from '../protocol/events.js';
import {
  DEFAULT_MAX_LINE_LENGTH,
  DOWNLOAD_PAGE,
  outputAction,
  plainDownload,
  readRange,
  splitChunk,
  withLineFields,
  type OutputLine,
  type OutputRead,
  type OutputReadOptions,
  type OutputStore,
} from './output-store.js';

/** Lines per block. */
export const BLOCK_LINES = 1024;
/** What a line costs beside its text, in the limits' count: its offset, time and step in the typed arrays, and a share of its block. */
export const LINE_COST = 16;

export interface MemoryOutputStoreOptions {
  /** Lines kept per task. Default 200000. */
  maxLines?: number;
  /** Characters (plus `LINE_COST` per line) kept per task. Default 32 MiB (33554432). */
  maxBytes?: number;
  /** Characters (plus `LINE_COST` per line) kept in all. Default 256 MiB (268435456). */
  maxTotalBytes?: number;
  /** Task logs known at once (those emptied by the limits included: their numbering goes on). Default 10000. */
  maxTasks?: number;
  /** Characters a line holds at most: a longer one is cut into several. Default 65536. */
  maxLineLength?: number;
  /** The clock of lines whose event has no valid `timestamp`. Default `Date.now`. */
  now?: () => number;
}

class Block {
  /** Number of its first line. */
  readonly first: number;
  count = 0;
  /** The lines' texts while it fills; undefined once joined into `text`. */
  parts: string[] | undefined = [];
  text = '';
  /** End offset of each line in `text`. */
  readonly ends = new Uint32Array(BLOCK_LINES);
  readonly times = new Float64Array(BLOCK_LINES);
  /** 1 + the index of each line's step in its log's step table; 0: none. */
  readonly steps = new Uint32Array(BLOCK_LINES);

  constructor(first: number) {
    this.first = first;
  }

  add(text: string, time: number, step: number): void {
    const i = this.count++;
    this.parts!.push(text);
    this.times[i] = time;
    this.steps[i] = step;
    if (this.count === BLOCK_LINES) {
      let end = 0;
      for (let k = 0; k < BLOCK_LINES; k++) this.ends[k] = end += this.parts![k]!.length;
      this.text = this.parts!.join('');
      this.parts = undefined;
    }
  }

  textOf(i: number): string {
    if (this.parts) return this.parts[i]!;
    return this.text.slice(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }

  lengthOf(i: number): number {
    if (this.parts) return this.parts[i]!.length;
    return this.ends[i]! - (i === 0 ? 0 : this.ends[i - 1]!);
  }
}

/** One task's log. */
class TaskLog {
  readonly key: string;
  blocks: Block[] = [];
  /** Lines of the first block no longer kept. */
  dropped = 0;
  /** Complete lines so far (the number of the last complete one). */
  complete = 0;
  open = '';
  openTime = 0;
  openStep = 0;
  ended = false;
  /** Counted size of what is kept. */
  bytes = 0;
  lastWrite = 0;
  readonly stepIds: string[] = [];
  readonly #stepIndex = new Map<string, number>();

  constructor(key: string) {
    this.key = key;
  }

  get keptLines(): number {
    return this.blocks.length === 0 ? 0 : this.complete - this.blocks[0]!.first + 1 - this.dropped;
  }

  get firstKept(): number {
    return this.keptLines === 0 ? this.complete + 1 : this.blocks[0]!.first + this.dropped;
  }

  step(stepId: string | undefined): number {
    if (stepId === undefined) return 0;
    let index = this.#stepIndex.get(stepId);
    if (index === undefined) {
      index = this.stepIds.push(stepId);
      this.#stepIndex.set(stepId, index);
    }
    return index;
  }

  /** Appends a complete line; returns its counted size. */
  push(text: string, time: number, step: number): number {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.count === BLOCK_LINES) this.blocks.push((block = new Block(this.complete + 1)));
    block.add(text, time, step);
    this.complete++;
    return text.length + LINE_COST;
  }

  /** Forgets its oldest kept line; returns its counted size. */
  shift(): number {
    const block = this.blocks[0]!;
    const size = block.lengthOf(this.dropped) + LINE_COST;
    if (++this.dropped === block.count && (block.count === BLOCK_LINES || this.blocks.length > 1)) {
      this.blocks.shift();
      this.dropped = 0;
    }
    if (this.keptLines === 0) {
      // The last block, emptied while it fills: lines that follow start a new one.
      this.blocks = [];
      this.dropped = 0;
    }
    return size;
  }

  line(n: number): OutputLine {
    const first = this.blocks[0]!.first;
    const block = this.blocks[Math.floor((n - first) / BLOCK_LINES)]!;
    const i = n - block.first;
    const line: OutputLine = { n, text: block.textOf(i), time: block.times[i]! };
    const step = block.steps[i]!;
    if (step !== 0) line.stepId = this.stepIds[step - 1]!;
    return line;
  }
}

export class MemoryOutputStore implements OutputStore {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly maxTotalBytes: number;
  readonly maxTasks: number;
  readonly maxLineLength: number;
  readonly #now: () => number;
  readonly #tasks = new Map<string, TaskLog>();
  /** Logs of ended tasks holding lines, in the order they ended. */
  readonly #endedWithLines = new Map<string, TaskLog>();
  /** Every ended task's log, in the order they ended. */
  readonly #ended = new Map<string, TaskLog>();
  #bytes = 0;
  #writes = 0;

  constructor(options: MemoryOutputStoreOptions = {}) {
    this.maxLines = Math.max(1, options.maxLines ?? 200000);
    this.maxBytes = Math.max(1, options.maxBytes ?? 32 * 1024 * 1024);
    this.maxTotalBytes = Math.max(1, options.maxTotalBytes ?? 256 * 1024 * 1024);
    this.maxTasks = Math.max(1, options.maxTasks ?? 10000);
    this.maxLineLength = Math.max(1, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
    this.#now = options.now ?? Date.now;
  }

  /** The counted size of everything kept. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many task logs it knows. */
  get tasks(): number {
    return this.#tasks.size;
  }

  numberOutput(event: ProgressEvent): ProgressEvent {
    const action = outputAction(event, this.#now);
    if (!action) return event;
    const key = keyOf(action.projectId, action.taskId);
    if (action.kind === 'end') {
      const log = this.#tasks.get(key);
      if (log) this.#end(log);
      return event;
    }
    const log = this.#tasks.get(key) ?? this.#create(key);
    log.lastWrite = ++this.#writes;
    const line = log.complete + 1;
    const continues = log.open !== '';
    const col = log.open.length;
    const step = log.step(action.stepId);
    if (!continues) {
      log.openTime = action.time;
      log.openStep = step;
    }
    const { done, open } = splitChunk(log.open, action.text, this.maxLineLength);
    let size = open.length - log.open.length;
    for (const text of done) {
      size += log.push(text, log.openTime, log.openStep);
      // The lines after the first begin in this chunk.
      log.openTime = action.time;
      log.openStep = step;
    }
    log.open = open;
    log.bytes += size;
    this.#bytes += size;
    if (log.ended && !this.#endedWithLines.has(key)) this.#endedWithLines.set(key, log);
    this.#trimTask(log);
    if (this.#bytes > this.maxTotalBytes) this.#evict();
    return withLineFields(event, continues ? { line, continues: true, col } : { line });
  }

  async read(projectId: string, taskId: string, options?: OutputReadOptions): Promise<OutputRead | undefined> {
    return this.readNow(projectId, taskId, options);
  }

  /** `read`, answered at once. */
  readNow(projectId: string, taskId: string, options?: OutputReadOptions): OutputRead | undefined {
    const log = this.#tasks.get(keyOf(projectId, taskId));
    if (!log) return undefined;
    const firstKept = log.firstKept;
    const total = log.complete + (log.open === '' ? 0 : 1);
    const { start, end } = readRange(firstKept, total, options);
    const lines: OutputLine[] = [];
    for (let n = start; n <= Math.min(end, log.complete); n++) lines.push(log.line(n));
    if (log.open !== '' && start <= total && end >= total) {
      const line: OutputLine = { n: total, text: log.open, time: log.openTime };
      if (log.openStep !== 0) line.stepId = log.stepIds[log.openStep - 1]!;
      lines.push(line);
    }
    return { lines, firstKept, total, open: log.open !== '', complete: log.ended };
  }

  async download(projectId: string, taskId: string): Promise<AsyncIterable<string> | undefined> {
    const page = (from: number) => Promise.resolve(this.readNow(projectId, taskId, { from, limit: DOWNLOAD_PAGE }));
    const first = this.readNow(projectId, taskId, { from: 1, limit: DOWNLOAD_PAGE });
    return first && plainDownload(page, first);
  }

  #create(key: string): TaskLog {
    if (this.#tasks.size >= this.maxTasks) this.#forgetOne();
    const log = new TaskLog(key);
    this.#tasks.set(key, log);
    return log;
  }

  /** The task ended: its open line is complete, and its log goes first when memory runs short. */
  #end(log: TaskLog): void {
    if (log.open !== '') {
      const size = log.push(log.open, log.openTime, log.openStep) - log.open.length;
      log.open = '';
      log.bytes += size;
      this.#bytes += size;
    }
    if (!log.ended) {
      log.ended = true;
      this.#ended.set(log.key, log);
    }
    if (log.keptLines > 0 && !this.#endedWithLines.has(log.key)) this.#endedWithLines.set(log.key, log);
    this.#trimTask(log);
    if (this.#bytes > this.maxTotalBytes) this.#evict();
  }

  #trimTask(log: TaskLog): void {
    while (log.keptLines > 0 && (log.keptLines > this.maxLines || log.bytes > this.maxBytes)) this.#shift(log);
  }

  #shift(log: TaskLog): void {
    const size = log.shift();
    log.bytes -= size;
    this.#bytes -= size;
    if (log.keptLines === 0) this.#endedWithLines.delete(log.key);
  }

  /** Past `maxTotalBytes`: ended tasks' logs first, oldest first; then the largest running ones' oldest lines. */
  #evict(): void {
    for (const log of this.#endedWithLines.values()) {
      if (this.#bytes <= this.maxTotalBytes) return;
      while (log.keptLines > 0) this.#shift(log);
    }
    // Down a little below the limit, so that the next appends do not look for the largest again.
    const target = this.maxTotalBytes - Math.floor(this.maxTotalBytes / 64);
    while (this.#bytes > target) {
      let largest: TaskLog | undefined;
      let second = 0;
      for (const log of this.#tasks.values()) {
        if (log.keptLines === 0) continue;
        if (!largest || log.bytes > largest.bytes) {
          second = largest?.bytes ?? 0;
          largest = log;
        } else if (log.bytes > second) second = log.bytes;
      }
      if (!largest) return;
      do this.#shift(largest);
      while (largest.keptLines > 0 && this.#bytes > target && largest.bytes >= second);
    }
  }

  /** Past `maxTasks`: forgets the log of the task that ended longest ago, else the one written least recently. */
  #forgetOne(): void {
    let victim: TaskLog | undefined = this.#ended.values().next().value;
    if (!victim) {
      for (const log of this.#tasks.values()) if (!victim || log.lastWrite < victim.lastWrite) victim = log;
    }
    if (!victim) return;
    while (victim.keptLines > 0) this.#shift(victim);
    this.#bytes -= victim.open.length;
    this.#tasks.delete(victim.key);
    this.#ended.delete(victim.key);
    this.#endedWithLines.delete(victim.key);
  }
}

/** A task's key: its project and id, unambiguous whatever they hold. */
function keyOf(projectId: string, taskId: string): string {
  return `${projectId.length}:${projectId}${taskId}`;
}
