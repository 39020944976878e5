/**
 * The output store: every task's terminal output kept as numbered lines, apart from the progress
 * log (whose retention counts events of all runs together), so that a view can read a task's
 * whole log from line 1 at any size. The store decides the numbers: per task, 1-based, the same
 * on every server on one store. Lines come from `output` events and from the string `output` of
 * `step_progress` events; a chunk may hold several lines or part of one.
 *
 * Line rules (the same in every store, so that any way of cutting a text into chunks gives the
 * same lines):
 * - lines end at `\n`; a `\r` just before it (`\r\n`, even split across two chunks) is not part
 *   of the line; any other `\r` stays in the text as it came;
 * - the last part of a chunk without its newline is the open line: the next chunk continues it,
 *   and the task's end (task_completed, task_failed, task_cancelled) closes it;
 * - an open line longer than `maxLineLength` (a trailing `\r` not counted) is cut into lines of
 *   that length, the rest staying open.
 */
import type { ProgressEvent } from '../protocol/events.js';
import { LogUnavailableError } from './progress-log.js';

/** Lines a read returns when it does not say. */
export const DEFAULT_READ_LIMIT = 500;
/** Most lines one read returns. */
export const MAX_READ_LIMIT = 5000;
/** Default of `maxLineLength`: characters (in Redis, UTF-8 bytes) a line holds at most. */
export const DEFAULT_MAX_LINE_LENGTH = 65536;

export interface OutputLine {
  /** Its number within the task, from 1. */
  n: number;
  /** Its text as it came (escapes included), without its newline. */
  text: string;
  /** ms since 1970 when the chunk that began it was written (the event's `timestamp`). */
  time: number;
  /** The step of the chunk that began it. */
  stepId?: string;
}

export interface OutputRead {
  /** The lines asked for that are kept, in order. */
  lines: OutputLine[];
  /** The first line still kept: those before it are no longer kept (limits, expiry). */
  firstKept: number;
  /** The number of the last line (an open one included); 0 before the first. */
  total: number;
  /** The last line (`total`) is open: text may still be added to it. */
  open: boolean;
  /** The task ended (completed, failed or cancelled). */
  complete: boolean;
}

export interface OutputReadOptions {
  /**
   * The first line wanted; a negative number counts from the end (-1: the last line). Absent:
   * the last `limit` lines. A line no longer kept is skipped (the read starts at `firstKept`).
   */
  from?: number;
  /** Lines wanted, at most `MAX_READ_LIMIT`. Default `DEFAULT_READ_LIMIT`. */
  limit?: number;
  /** The last `limit` lines, whatever `from` says. */
  fromEnd?: boolean;
}

/** The extension fields of an `output` event (or a `step_progress` event with string output). */
export interface LineFields {
  /** The number of the first line the chunk touches. */
  line: number;
  /** Present (true) when the chunk's first text continues line `line`, begun by an earlier chunk. */
  continues?: true;
  /**
   * With `continues`: where in line `line` the chunk's text begins, in UTF-16 code units of the
   * line's raw text (what a read gives as `text` for it while it is open). A chunk without
   * `continues` begins its line (0).
   */
  col?: number;
}

export interface OutputStore {
  /**
   * Records what an event adds to its task's log (an output chunk's lines, the task's end) and
   * returns the event to publish: a chunk with its `LineFields` added, any other event as it is.
   * Call it for every event published, in order, after checking it.
   * @throws OutputUnavailableError (or rejects with it) when the store cannot be reached.
   */
  numberOutput(event: ProgressEvent): ProgressEvent | Promise<ProgressEvent>;
  /**
   * A range of a task's lines; undefined when the store has no log of the task.
   * @throws OutputUnavailableError (rejects with it) when the store cannot be reached.
   */
  read(projectId: string, taskId: string, options?: OutputReadOptions): Promise<OutputRead | undefined>;
  /**
   * The whole kept log as plain text (see `plainLine`), one `\n` after every line, in chunks, read
   * from the store as they are consumed; undefined when the store has no log of the task.
   * @throws OutputUnavailableError (rejects with it) when the store cannot be reached; the
   *   iterator may too, part way.
   */
  download(projectId: string, taskId: string): Promise<AsyncIterable<string> | undefined>;
}

/** The output store cannot be reached (Redis down or cut off). A kind of `LogUnavailableError`: the server answers 503. */
export class OutputUnavailableError extends LogUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutputUnavailableError';
  }
}

/** What an event means to the output store. */
export type OutputAction =
  | { kind: 'chunk'; projectId: string; taskId: string; text: string; time: number; stepId: string | undefined }
  | { kind: 'end'; projectId: string; taskId: string };

const ENDS = new Set(['task_completed', 'task_failed', 'task_cancelled']);

/** The event's output chunk or task end; undefined for anything else (an empty chunk included). */
export function outputAction(event: ProgressEvent, now: () => number): OutputAction | undefined {
  const e = event as { type?: unknown; projectId?: unknown; taskId?: unknown; output?: unknown; stepId?: unknown; timestamp?: unknown };
  if (typeof e.projectId !== 'string' || typeof e.taskId !== 'string') return undefined;
  if (e.type === 'output' || e.type === 'step_progress') {
    if (typeof e.output !== 'string' || e.output === '') return undefined;
    const parsed = typeof e.timestamp === 'string' ? Date.parse(e.timestamp) : NaN;
    const stepId = typeof e.stepId === 'string' && e.stepId !== '' ? e.stepId : undefined;
    return { kind: 'chunk', projectId: e.projectId, taskId: e.taskId, text: e.output, time: Number.isFinite(parsed) ? parsed : now(), stepId };
  }
  if (typeof e.type === 'string' && ENDS.has(e.type)) return { kind: 'end', projectId: e.projectId, taskId: e.taskId };
  return undefined;
}

/** The event with its line fields (set by the store, replacing any the publisher put there). */
export function withLineFields(event: ProgressEvent, fields: LineFields): ProgressEvent {
  const { line: _line, continues: _continues, col: _col, ...rest } = event as ProgressEvent & { line?: unknown; continues?: unknown; col?: unknown };
  const numbered: Record<string, unknown> = { ...rest, line: fields.line };
  if (fields.continues) {
    numbered.continues = true;
    numbered.col = fields.col ?? 0;
  }
  return numbered as unknown as ProgressEvent;
}

/** A UTF-16 high surrogate: a cut before the next unit would split a character. */
const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Adds a chunk to an open line: the lines it completes (the first one beginning with `open`),
 * and the text left open. The line rules of the module comment.
 */
export function splitChunk(open: string, chunk: string, maxLineLength: number): { done: string[]; open: string } {
  const done: string[] = [];
  let at = 0;
  for (;;) {
    const nl = chunk.indexOf('\n', at);
    open += nl === -1 ? chunk.slice(at) : chunk.slice(at, nl);
    open = cutLong(open, maxLineLength, done);
    if (nl === -1) return { done, open };
    done.push(open.endsWith('\r') ? open.slice(0, -1) : open);
    open = '';
    at = nl + 1;
  }
}

function cutLong(open: string, max: number, done: string[]): string {
  while ((open.endsWith('\r') ? open.length - 1 : open.length) > max) {
    const at = max > 1 && isHigh(open.charCodeAt(max - 1)) ? max - 1 : max;
    done.push(open.slice(0, at));
    open = open.slice(at);
  }
  return open;
}

/** The first and last line numbers a read returns, given what is kept (`end < start`: none). */
export function readRange(firstKept: number, total: number, options: OutputReadOptions = {}): { start: number; end: number } {
  const asked = options.limit ?? DEFAULT_READ_LIMIT;
  const limit = Number.isFinite(asked) ? Math.max(0, Math.min(MAX_READ_LIMIT, Math.floor(asked))) : DEFAULT_READ_LIMIT;
  const from = options.from;
  let start: number;
  if (options.fromEnd || from === undefined || !Number.isFinite(from)) start = total - limit + 1;
  else if (from < 0) start = total + 1 + Math.ceil(from);
  else start = Math.max(1, Math.floor(from));
  start = Math.max(start, firstKept, 1);
  return { start, end: Math.min(total, start + limit - 1) };
}

/** Escape sequences: CSI, OSC (to BEL or ST, or the line's end), DCS/SOS/PM/APC strings, and two-character escapes. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~])/g;
/** Control characters but the tab; `\n` is never inside a line. */
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * A line as plain text, for the download: a line rewritten with carriage returns (a progress
 * bar) gives its last text, then escape sequences and control characters but the tab go.
 */
export function plainLine(text: string): string {
  if (text.includes('\r')) {
    const parts = text.split('\r');
    let i = parts.length - 1;
    while (i > 0 && parts[i] === '') i--;
    text = parts[i]!;
  }
  if (text.includes('\x1b')) text = text.replace(ESCAPES, '');
  return text.replace(CONTROLS, '');
}

/** Lines the downloads read from the store at a time. */
export const DOWNLOAD_PAGE = 1000;

/**
 * The download of a log read page by page from `page(from)` (which answers a read of up to
 * `DOWNLOAD_PAGE` lines from `from`), as plain text; lines trimmed while it runs are skipped.
 */
export async function* plainDownload(page: (from: number) => Promise<OutputRead | undefined>, first: OutputRead): AsyncGenerator<string> {
  let read: OutputRead | undefined = first;
  let next = 1;
  while (read) {
    if (read.lines.length === 0) {
      // Nothing from `next` on; past what was kept meanwhile: read on from the first line kept.
      if (read.firstKept > next && read.firstKept <= read.total) {
        next = read.firstKept;
        read = await page(next);
        continue;
      }
      return;
    }
    let text = '';
    for (const line of read.lines) text += plainLine(line.text) + '\n';
    yield text;
    next = read.lines[read.lines.length - 1]!.n + 1;
    read = next > read.total ? undefined : await page(next);
  }
}
