/**
 * What fills a task log's model: the task's live output events (`output`, and the string `output`
 * of `step_progress`) and, from a server that keeps every task's output (docs/task-log-protocol.md),
 * ranges of lines read over HTTP: the end first, earlier ranges as the reader scrolls up, what a
 * resync or a jump in the line numbers may have missed. Without such a server, the log is what
 * the page saw live, from the moment it joined.
 */
import type { ProgressEvent } from '../../client/index.js';
import type { LogModel } from './log-model.js';

/** One line of a read (`lines[]` of `GET …/logs`). */
export interface StoredLine {
  n: number;
  text: string;
  time?: number;
  stepId?: string;
}

/** A read's answer; undefined for 204 (no log yet). */
export interface LogRange {
  lines: StoredLine[];
  firstKept: number;
  total: number;
  open: boolean;
  complete: boolean;
}

/** Reads `GET {base}{path}` with the page's token; undefined when there is no REST base. */
export type BaseReader = (path: string, signal: AbortSignal) => Promise<Response | undefined>;

/**
 * `unknown` until the first read answered; `live` without a log store; `store` with one; `lost`
 * once the store lost the log the page has (a server restarted without it, numbering the task's
 * output from 1 again): the page numbers on from what it has and reads nothing more from it.
 */
export type FeedMode = 'unknown' | 'live' | 'store' | 'lost';

/** Lines asked for in one read. */
export const READ_LIMIT = 500;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isLineNo = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
const isCol = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A place in the task's output as the store numbers it: a line, and a UTF-16 offset in its raw text. */
interface Place {
  line: number;
  col: number;
}

/** Where a chunk that begins at `line`/`col` ends. */
function endOf(line: number, col: number, text: string): Place {
  const last = text.lastIndexOf('\n');
  if (last < 0) return { line, col: col + text.length };
  let breaks = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) breaks++;
  return { line: line + breaks, col: text.length - last - 1 };
}

const isAfter = (a: Place, b: Place): boolean => a.line > b.line || (a.line === b.line && a.col > b.col);

/** A read's JSON, checked: lines with bad fields are dropped, a body of the wrong shape is an error. */
export function parseRange(body: unknown): LogRange {
  if (!isObject(body) || !Array.isArray(body.lines) || !Number.isSafeInteger(body.total) || !Number.isSafeInteger(body.firstKept)) {
    throw new Error('the log read answered with a body of the wrong shape');
  }
  const lines: StoredLine[] = [];
  for (const l of body.lines as unknown[]) {
    if (!isObject(l) || !isLineNo(l.n) || typeof l.text !== 'string') continue;
    lines.push({ n: l.n, text: l.text, ...(typeof l.time === 'number' ? { time: l.time } : {}), ...(typeof l.stepId === 'string' ? { stepId: l.stepId } : {}) });
  }
  lines.sort((a, b) => a.n - b.n);
  return { lines, firstKept: Math.max(1, body.firstKept as number), total: body.total as number, open: body.open === true, complete: body.complete === true };
}

/** Consecutive lines of one step and one time, as one chunk of text (each line ending in a newline but an open last one). */
function chunksOf(lines: StoredLine[], openLast: boolean): { line: number; text: string; time?: number; stepId?: string }[] {
  const out: { line: number; text: string; time?: number; stepId?: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const text = l.text + (openLast && i === lines.length - 1 ? '' : '\n');
    const last = out[out.length - 1];
    const prev = lines[i - 1];
    if (last && prev && prev.n === l.n - 1 && prev.stepId === l.stepId && prev.time === l.time) last.text += text;
    else out.push({ line: l.n, text, ...(l.time === undefined ? {} : { time: l.time }), ...(l.stepId === undefined ? {} : { stepId: l.stepId }) });
  }
  return out;
}

export interface FeedHost {
  /** Something the view shows changed. */
  changed(): void;
  /** A read failed (reported once per failure, never with the token). */
  failed(error: unknown): void;
}

export class LogFeed {
  mode: FeedMode = 'unknown';
  /** Date.now() when the page began following the task live (what a log without store starts at). */
  joinedAt: number | undefined;
  /** The first line the server still keeps (store mode). */
  firstKept = 1;
  /** The number of the last line the log has from live events or the end read. */
  lastLine = 0;
  /** Lines added at the live end since the view was created (for "N new lines"). */
  liveLines = 0;
  /** The task ended (from a read or an event). */
  complete = false;
  readonly #model: LogModel;
  readonly #path: string;
  readonly #read: BaseReader;
  readonly #host: FeedHost;
  readonly #abort = new AbortController();
  /** Live events held while the end is read. */
  #held: ProgressEvent[] | undefined = [];
  /** Ranges being read (by their last line), so that none is asked for twice at once. */
  readonly #reading = new Set<number>();
  /** Ranges read or failed (`from-to`): not asked for again (a range that came back short, or a server that failed, would be asked for on every update). */
  readonly #asked = new Set<string>();
  /**
   * How far the log's live end has the store's text (from reads and numbered chunks): a chunk
   * that ends there or before is had already, one that begins before it is had in part. Unknown
   * after a chunk that gives no place (an older server's `continues` without `col`).
   */
  #have: Place | undefined;
  #started = false;

  constructor(model: LogModel, projectId: string, taskId: string, read: BaseReader, host: FeedHost) {
    this.#model = model;
    this.#path = `/projects/${encodeURIComponent(projectId)}/tasks/${encodeURIComponent(taskId)}`;
    this.#read = read;
    this.#host = host;
  }

  /** The path of the plain-text download, under the REST base. */
  get textPath(): string {
    return `${this.#path}/logs.txt`;
  }

  /** The whole log as plain text from the store (`…/logs.txt`, the token in its header); undefined without a store. */
  async text(): Promise<Blob | undefined> {
    if (this.mode !== 'store') return undefined;
    const response = await this.#read(this.textPath, this.#abort.signal);
    if (!response || !response.ok || response.status === 204) return undefined;
    return response.blob();
  }

  /** Starts: reads the end of the log (the live events that come meanwhile wait for it). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.joinedAt = Date.now();
    void this.#readEnd();
  }

  close(): void {
    this.#abort.abort();
    this.#held = undefined;
  }

  /** A live event of the task. */
  event(event: ProgressEvent): void {
    if (this.#held) {
      this.#held.push(event);
      return;
    }
    this.#apply(event);
  }

  /** A reconnection that may have missed events: marks the place, and reads what came meanwhile (live events wait for it). */
  resync(): void {
    if (this.#held) return;
    this.#model.markResync();
    // What failed before may read now.
    this.#asked.clear();
    if (this.mode === 'store') {
      this.#held = [];
      void this.#readAfter(this.lastLine);
    }
    this.#host.changed();
  }

  /** Reads the lines of a pending gap `from`–`to` (the reader scrolled to it), the part nearest `to` first. */
  loadGap(from: number, to: number): void {
    if (this.mode !== 'store' || this.#reading.has(to)) return;
    const start = Math.max(from, to - READ_LIMIT + 1, this.firstKept);
    const key = `${start}-${to}`;
    if (start > to || this.#asked.has(key)) return;
    this.#asked.add(key);
    this.#reading.add(to);
    void this.#get(`/logs?from=${start}&limit=${to - start + 1}`)
      .then((range) => {
        if (!range) return;
        this.#kept(range.firstKept);
        for (const chunk of chunksOf(range.lines.filter((l) => l.n >= start && l.n <= to), false)) this.#model.fill(chunk);
        this.#host.changed();
      })
      .catch((error: unknown) => this.#failed(error))
      .finally(() => this.#reading.delete(to));
  }

  /** Reads the range around line `lineNo` (a permalink's target), when the log does not have it. */
  loadAround(lineNo: number): void {
    if (this.mode !== 'store' || this.#model.line(lineNo) || lineNo >= this.lastLine) return;
    this.loadGap(Math.max(1, lineNo - READ_LIMIT / 2), Math.min(this.lastLine - 1, lineNo + READ_LIMIT / 2));
  }

  async #get(path: string): Promise<LogRange | undefined> {
    const response = await this.#read(this.#path + path, this.#abort.signal);
    if (!response) throw new NoStore();
    if (response.status === 204) return undefined;
    if (response.status === 404 || response.status === 405 || response.status === 501) throw new NoStore();
    if (!response.ok) throw new Error(`the log read failed: HTTP ${response.status}`);
    return parseRange(await response.json());
  }

  async #readEnd(): Promise<void> {
    let range: LogRange | undefined;
    try {
      range = await this.#get(`/logs?limit=${READ_LIMIT}`);
      this.mode = 'store';
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      // No store (or it cannot be read now): the log is what comes live from here on.
      this.mode = 'live';
      // A server that does not know the path may answer without CORS headers: the fetch fails as a network error does.
      if (!(error instanceof NoStore) && !(error instanceof TypeError)) this.#failed(error);
    }
    if (this.#abort.signal.aborted) return;
    if (range) this.#appendRange(range);
    this.#release();
  }

  /** The live events held while a read was under way, after it: what the read had already is left out as they come. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) this.#apply(event);
    this.#host.changed();
  }

  /**
   * After a resync: the lines from `after + 1` on, at the live end (the resync's marker closed the
   * line the log was on); then the live events held meanwhile.
   */
  async #readAfter(after: number): Promise<void> {
    try {
      const range = await this.#get(`/logs?from=${after + 1}&limit=${READ_LIMIT * 10}`);
      if (this.#abort.signal.aborted) return;
      if ((range?.total ?? 0) < after) {
        // The store has fewer lines than the page: it lost the log and numbers the task's output from 1
        // again. Its numbers and reads are not the page's: the page numbers on from what it has, after the
        // marker of lines that may be missing, and says which earlier lines it cannot show.
        this.mode = 'lost';
      } else if (range) this.#appendRange(range);
    } catch (error) {
      this.#failed(error);
    }
    this.#release();
  }

  /** Lines read at the live end: given to the model as live chunks, less what the log has already. */
  #appendRange(range: LogRange): void {
    this.#kept(range.firstKept);
    if (range.complete) this.complete = true;
    const lines = range.lines.filter((l) => l.n >= this.lastLine);
    if (lines.length === 0) return;
    const open = range.open && lines[lines.length - 1]!.n === range.total;
    for (const chunk of chunksOf(lines, open)) this.#append(chunk.line, 0, chunk.text, chunk.time, chunk.stepId);
  }

  /**
   * Gives the model a numbered chunk that begins at `line`/`col` (`col` undefined: not known),
   * less what the log has of it already; returns the lines it began.
   */
  #append(line: number, col: number | undefined, text: string, time: string | number | undefined, stepId: string | undefined): number {
    const have = this.#have;
    if (col !== undefined && have) {
      const end = endOf(line, col, text);
      if (!isAfter(end, have)) return 0;
      // Part of it is had (its line's first characters): the rest goes on with that line.
      if (line === have.line && col < have.col) {
        text = text.slice(have.col - col);
        col = have.col;
      } else if (line < have.line) return this.#appendTail(line, text, time, stepId, have);
    }
    this.#have = col === undefined ? undefined : endOf(line, col, text);
    const breaks = (text.match(/\n/g) ?? []).length;
    this.#model.append({ text, line, time, stepId });
    // The last line the log now has at its live end (an open one included).
    this.lastLine = Math.max(this.lastLine, line + breaks - (text.endsWith('\n') ? 1 : 0));
    return breaks;
  }

  /** A chunk that begins on a line before the one the log is on and ends past what it has: from that line on. */
  #appendTail(line: number, text: string, time: string | number | undefined, stepId: string | undefined, have: Place): number {
    let at = 0;
    for (let n = line; n < have.line; n++) at = text.indexOf('\n', at) + 1;
    return this.#append(have.line, 0, text.slice(at), time, stepId);
  }

  #kept(firstKept: number): void {
    if (firstKept > this.firstKept) {
      this.#model.markExpired(this.firstKept, firstKept - 1);
      this.firstKept = firstKept;
    }
  }

  #apply(event: ProgressEvent): void {
    if (event.type === 'task_completed' || event.type === 'task_failed' || event.type === 'task_cancelled') this.complete = true;
    const text = outputOf(event);
    if (text === undefined) return;
    const e = event as { line?: unknown; continues?: unknown; col?: unknown; stepId?: unknown; timestamp?: unknown };
    const time = typeof e.timestamp === 'string' ? e.timestamp : undefined;
    const stepId = typeof e.stepId === 'string' ? e.stepId : undefined;
    if (isLineNo(e.line) && this.mode !== 'lost') {
      // Where it begins in its line: 0 when it begins the line, `col` when it goes on with one.
      const col = e.continues !== true ? 0 : isCol(e.col) ? e.col : undefined;
      this.liveLines += this.#append(e.line, col, text, time, stepId);
      return;
    }
    this.#have = undefined;
    this.#model.append({ text, line: undefined, time, stepId });
    this.liveLines += (text.match(/\n/g) ?? []).length;
  }

  #failed(error: unknown): void {
    if (this.#abort.signal.aborted) return;
    this.#host.failed(error);
  }
}

/** The output text an event carries; undefined for none. */
function outputOf(event: ProgressEvent): string | undefined {
  const text = event.type === 'output' || event.type === 'step_progress' ? event.output : undefined;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/** The server keeps no log of its own (no REST base, or the path is not known there). */
class NoStore extends Error {}
