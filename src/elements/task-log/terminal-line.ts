/**
 * Terminal output as a terminal leaves it on its lines: a carriage return, a backspace, the cursor
 * moved along the line or up to one of the last lines (the multi-line progress of docker and npm)
 * let the next text overwrite what was there, character by character; erase in line, tabs to the
 * next multiple of 8, SGR styles and OSC 8 hyperlinks are applied; every other escape sequence
 * and control character is removed, so no line's text holds one.
 *
 * Sequences are cut by ECMA-48's grammar, as `shared/terminal-output.ts` does for
 * `<task-progress>`: the two readers should become one.
 */
import { LinkTable, StyleState, StyleTable } from './log-styles.js';

/** A line of the terminal, as it stands. */
export interface TerminalRow {
  /** Its text: no control character in it. */
  text: string;
  /** Per UTF-16 unit of `text`, its link number times 65536 plus its style number; null when all are 0. */
  attrs: number[] | null;
  /** Where the log keeps it; -1 until it is placed. */
  slot: number;
  /** The server's number of the raw line that began it. */
  lineNo: number;
  /** A newline has ended it (the cursor went past it at least once). */
  ended: boolean;
  /** Its text when a carriage return came while it held `section_`: a GitLab section marker, maybe. */
  returnText: string | undefined;
}

/** Where the rows go: `commit` is called for a row whose text changed (in the order rows begin). */
export interface RowSink {
  commit(row: TerminalRow): void;
}

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const CSI = /(?:\x1b\[|\x9b)([0-?]*)([ -/]*)([@-~])?/y;
/** A control string (OSC, DCS, …) ends at BEL or ST; a newline or another escape cuts it short. */
const STRING = /(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])([^\x07\x1b\x9c\n]*)(\x07|\x1b\\|\x9c)?/y;
const ESCAPE = /\x1b([ -/]*)([0-~])?/y;

/** Longest escape sequence kept across chunks while it is incomplete; a longer one is dropped. */
const MAX_PENDING = 8192;
/** Furthest column a cursor movement may reach past a line's text. */
const MAX_COLUMN = 4096;

export interface TerminalOptions {
  /** How many lines up a cursor movement may reach (older lines are final). Default 64. */
  maxRewrite?: number;
}

export class Terminal {
  readonly styles: StyleTable;
  readonly links: LinkTable;
  private readonly sink: RowSink;
  private readonly maxRewrite: number;
  private rows: TerminalRow[] = [];
  private cur = 0;
  private col = 0;
  private readonly style = new StyleState();
  private styleId = 0;
  private linkId = 0;
  private attr = 0;
  private pending = '';
  /** Style reached from a style by an SGR sequence, by `${style}m${params}`. */
  private readonly sgrSeen = new Map<string, number>();
  private dirty: TerminalRow[] = [];
  /** The server's number of the raw line the cursor is on. */
  rawLine: number;

  constructor(sink: RowSink, styles: StyleTable, links: LinkTable, firstLine = 1, options: TerminalOptions = {}) {
    this.sink = sink;
    this.styles = styles;
    this.links = links;
    this.maxRewrite = Math.max(0, Math.floor(options.maxRewrite ?? 64));
    this.rawLine = firstLine;
    this.rows.push(newRow(firstLine));
  }

  /** The row the cursor is on. */
  get cursorRow(): TerminalRow {
    return this.rows[this.cur]!;
  }

  /** At the start of a raw line on the last row (nothing written since the last newline). */
  get atLineStart(): boolean {
    return this.cur === this.rows.length - 1 && this.col === 0 && this.cursorRow.text === '' && !this.pending;
  }

  /** Reads `input`; rows whose text changed are committed to the sink by `flush`. */
  write(input: string): void {
    const s = this.pending ? this.pending + input : input;
    this.pending = '';
    let at = 0;
    CONTROL.lastIndex = 0;
    for (let m = CONTROL.exec(s); m; m = CONTROL.exec(s)) {
      const i = m.index;
      if (i > at) this.put(s.slice(at, i));
      at = i + 1;
      const c = s.charCodeAt(i);
      if (c === 10) this.newline();
      else if (c === 13) this.carriageReturn();
      else if (c === 9) this.tab();
      else if (c === 8) this.col = Math.max(0, this.col - 1);
      else if (c === 0x1b || c === 0x9b || c === 0x90 || c === 0x98 || (c >= 0x9d && c <= 0x9f)) {
        const end = this.sequence(s, i);
        if (end < 0) {
          // Cut off by the end of the chunk: kept for the next one.
          if (s.length - i <= MAX_PENDING) this.pending = s.slice(i);
          at = s.length;
          break;
        }
        at = end;
        CONTROL.lastIndex = end;
      }
      // Any other control character is dropped.
    }
    if (at < s.length) this.put(s.slice(at));
  }

  /** Commits the rows whose text changed since the last flush. */
  flush(): void {
    const dirty = this.dirty;
    this.dirty = [];
    for (const row of dirty) this.sink.commit(row);
  }

  /**
   * Ends the terminal's view of the lines so far (a gap in the log follows): the rows are final,
   * and the cursor starts a new line numbered `nextLine`.
   */
  restart(nextLine: number): void {
    this.flush();
    this.pending = '';
    this.rows = [newRow(nextLine)];
    this.cur = 0;
    this.col = 0;
    this.rawLine = nextLine;
  }

  private touch(row: TerminalRow): void {
    const dirty = this.dirty;
    if (dirty[dirty.length - 1] !== row && !dirty.includes(row)) dirty.push(row);
  }

  private put(text: string): void {
    const row = this.rows[this.cur]!;
    const len = row.text.length;
    // A line that had nothing yet takes the number of the raw line its text comes in.
    if (len === 0 && row.slot < 0) row.lineNo = this.rawLine;
    if (this.col > len) this.pad(row, this.col);
    if (this.col === row.text.length) {
      // Written at the end (most text): appended, in time linear in the line's length.
      row.text += text;
      if (this.attr !== 0 || row.attrs !== null) {
        const attrs = (row.attrs ??= new Array<number>(this.col).fill(0));
        for (let i = 0; i < text.length; i++) attrs.push(this.attr);
      }
    } else {
      const end = this.col + text.length;
      row.text = row.text.slice(0, this.col) + text + row.text.slice(end);
      if (this.attr !== 0 || row.attrs !== null) {
        const attrs = (row.attrs ??= new Array<number>(len).fill(0));
        while (attrs.length < row.text.length) attrs.push(0);
        attrs.fill(this.attr, this.col, end);
      }
    }
    this.col += text.length;
    this.touch(row);
  }

  /** Blanks up to column `to` at the end of `row`. */
  private pad(row: TerminalRow, to: number): void {
    const n = to - row.text.length;
    if (n <= 0) return;
    row.text += ' '.repeat(n);
    if (row.attrs) for (let i = 0; i < n; i++) row.attrs.push(0);
  }

  private newline(): void {
    const row = this.rows[this.cur]!;
    if (row.text === '' && row.slot < 0) row.lineNo = this.rawLine;
    row.ended = true;
    this.rawLine++;
    this.col = 0;
    if (this.cur === this.rows.length - 1) {
      // The row is complete: committed now, so that the rows are committed in the order they began.
      const k = this.dirty.lastIndexOf(row);
      if (k >= 0) this.dirty.splice(k, 1);
      this.sink.commit(row);
      this.rows.push(newRow(this.rawLine));
      if (this.rows.length > this.maxRewrite + 1) this.rows.shift();
      this.cur = this.rows.length - 1;
    } else {
      this.touch(row);
      this.cur++;
    }
  }

  private carriageReturn(): void {
    const row = this.rows[this.cur]!;
    if (row.text.includes('section_')) row.returnText = row.text;
    this.col = 0;
  }

  private tab(): void {
    const row = this.rows[this.cur]!;
    this.col = (Math.floor(this.col / 8) + 1) * 8;
    if (this.col > row.text.length) {
      if (row.text === '' && row.slot < 0) row.lineNo = this.rawLine;
      this.pad(row, this.col);
      this.touch(row);
    }
  }

  /** Reads the escape sequence at `i`; returns where it ends, or -1 when the input ends inside it. */
  private sequence(s: string, i: number): number {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c === 0x9b || (c === 0x1b && next === 0x5b)) {
      CSI.lastIndex = i;
      const m = CSI.exec(s)!;
      if (m[3] === undefined) return CSI.lastIndex === s.length ? -1 : CSI.lastIndex;
      if (!m[2]) this.csi(m[1]!, m[3]);
      return CSI.lastIndex;
    }
    if (c !== 0x1b || next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
      STRING.lastIndex = i;
      const m = STRING.exec(s)!;
      if (m[2] === undefined) {
        const stop = STRING.lastIndex;
        // Unterminated: the end of the chunk (maybe inside its ESC \) or a new sequence ends it.
        return stop === s.length || (stop === s.length - 1 && s.charCodeAt(stop) === 0x1b) ? -1 : stop;
      }
      if (next === 0x5d || c === 0x9d) this.osc(m[1]!);
      return STRING.lastIndex;
    }
    ESCAPE.lastIndex = i;
    const m = ESCAPE.exec(s)!;
    if (m[2] === undefined && ESCAPE.lastIndex === s.length) return -1;
    return ESCAPE.lastIndex;
  }

  private osc(body: string): void {
    // OSC 8 ; params ; URI — a hyperlink begins (an empty URI ends it).
    if (!body.startsWith('8;')) return;
    const uri = body.slice(body.indexOf(';', 2) + 1);
    this.linkId = body.indexOf(';', 2) < 0 || !uri ? 0 : this.links.idOf(uri);
    this.attr = this.linkId * 65536 + this.styleId;
  }

  private csi(params: string, final: string): void {
    if (!/^[\d;:]*$/.test(params)) return; // private sequences (`?25l`, `>4m`) change nothing shown
    if (final === 'm') {
      // The same sequences come again and again: where one leads from a style is kept.
      const key = `${this.styleId}m${params}`;
      let next = this.sgrSeen.get(key);
      if (next === undefined) {
        this.style.apply(params);
        next = this.styles.idOf(this.style);
        if (this.sgrSeen.size < 4096) this.sgrSeen.set(key, next);
      } else this.style.set(this.styles.get(next));
      this.styleId = next;
      this.attr = this.linkId * 65536 + this.styleId;
      return;
    }
    const first = params.split(/[;:]/)[0] ?? '';
    const n = Math.min(Number(first) || 0, 1_000_000);
    const count = Math.max(1, n);
    const row = this.rows[this.cur]!;
    switch (final) {
      case 'A':
        this.cur = Math.max(0, this.cur - count);
        break;
      case 'B':
        this.cur = Math.min(this.rows.length - 1, this.cur + count);
        break;
      case 'E':
        this.cur = Math.min(this.rows.length - 1, this.cur + count);
        this.col = 0;
        break;
      case 'F':
        this.cur = Math.max(0, this.cur - count);
        this.col = 0;
        break;
      case 'C':
        this.moveTo(row, this.col + count);
        break;
      case 'D':
        this.col = Math.max(0, this.col - count);
        break;
      case 'G':
      case '`':
        this.moveTo(row, count - 1);
        break;
      case 'H':
      case 'f': {
        // The row of a whole screen means nothing in a log: only the column is taken.
        const column = Number(params.split(';')[1]) || 1;
        this.moveTo(row, Math.max(0, Math.min(column, 1_000_000) - 1));
        break;
      }
      case 'K':
        this.eraseInLine(row, n);
        break;
      case 'X':
        this.blank(row, this.col, Math.min(row.text.length, this.col + count));
        break;
      case 'P':
        if (this.col < row.text.length) {
          row.text = row.text.slice(0, this.col) + row.text.slice(this.col + count);
          row.attrs?.splice(this.col, count);
          this.touch(row);
        }
        break;
      case '@':
        if (this.col < row.text.length) {
          const k = Math.min(count, MAX_COLUMN);
          row.text = row.text.slice(0, this.col) + ' '.repeat(k) + row.text.slice(this.col);
          row.attrs?.splice(this.col, 0, ...new Array<number>(k).fill(0));
          this.touch(row);
        }
        break;
    }
  }

  private moveTo(row: TerminalRow, column: number): void {
    this.col = Math.max(0, Math.min(column, Math.max(row.text.length, MAX_COLUMN)));
  }

  private eraseInLine(row: TerminalRow, mode: number): void {
    if (mode === 0) {
      if (this.col >= row.text.length) return;
      row.text = row.text.slice(0, this.col);
      if (row.attrs) row.attrs.length = this.col;
    } else if (mode === 1) {
      this.blank(row, 0, Math.min(row.text.length, this.col + 1));
    } else if (mode === 2) {
      if (!row.text) return;
      row.text = '';
      row.attrs = null;
    } else return;
    if (row.attrs && row.attrs.every((a) => a === 0)) row.attrs = null;
    this.touch(row);
  }

  private blank(row: TerminalRow, from: number, to: number): void {
    if (to <= from) return;
    row.text = row.text.slice(0, from) + ' '.repeat(to - from) + row.text.slice(to);
    row.attrs?.fill(0, from, to);
    this.touch(row);
  }
}

function newRow(lineNo: number): TerminalRow {
  return { text: '', attrs: null, slot: -1, lineNo, ended: false, returnText: undefined };
}

/**
 * A row's styled and linked runs as [start, end, style, link, …], leaving out the unstyled,
 * unlinked stretches; undefined when there is none.
 */
export function runsOf(row: TerminalRow): number[] | undefined {
  const attrs = row.attrs;
  if (!attrs) return undefined;
  const runs: number[] = [];
  const n = Math.min(attrs.length, row.text.length);
  let i = 0;
  while (i < n) {
    const a = attrs[i]!;
    let j = i + 1;
    while (j < n && attrs[j] === a) j++;
    if (a !== 0) runs.push(i, j, a & 0xffff, Math.floor(a / 65536));
    i = j;
  }
  return runs.length ? runs : undefined;
}
