/**
 * The model of a task's whole log, DOM-free: terminal output read in chunks as a terminal shows it,
 * grouped by step and by the GitHub groups and GitLab sections inside them, numbered by the
 * server's line numbers, with gaps where lines are missing, and the rows a virtualized view shows.
 */
import { GroupTree, type GroupNode, type Row } from './log-groups.js';
import { Flow, type FlowHost } from './log-flow.js';
import { displayLength, segmentsOf, type Segment } from './log-links.js';
import { LineIndex, LineStore } from './line-store.js';
import { LinkTable, StyleTable, type LogStyle } from './log-styles.js';
import { Terminal } from './terminal-line.js';
import { Placement } from './log-fills.js';
import { LineRanges } from './line-ranges.js';

export interface LogChunk {
  /** Terminal output, as an `output` event or a step_progress `output` carries it. */
  text: string;
  /** The server's 1-based number of the line the chunk begins; when absent, the numbering goes on. */
  line?: number | undefined;
  /** When it was written: an ISO time or ms since the epoch. */
  time?: string | number | undefined;
  /** The step it belongs to. */
  stepId?: string | undefined;
}

/** A step's status as the log shows it: the server's; in a task that is over, `cancelled` / `ended` for one last said running, `not-run` for one still pending. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'ended' | 'not-run';

export interface StepInfo {
  name?: string | undefined;
  status?: StepStatus | undefined;
  durationMs?: number | undefined;
}

/** A line as the view draws it. */
export interface LogLine {
  lineNo: number;
  /** ms since the epoch, NaN when unknown. */
  time: number;
  stepId: string;
  /** Its text, cut to MAX_DISPLAY_LENGTH when longer. */
  text: string;
  /** The text was cut; `fullText` has all of it. */
  cut: boolean;
  segments: Segment[];
}

/** A row of the view, resolved. */
export type LogRow =
  | { kind: 'line'; depth: number; line: LogLine }
  | { kind: 'group'; depth: number; groupId: number; type: 'step' | 'group' | 'section'; title: string; stepId: string; open: boolean; step: StepInfo | undefined }
  | { kind: 'gap'; depth: number; reason: 'expired' | 'pending' | 'missing'; from: number; to: number };

export interface LogModelOptions {
  /** How many lines up a cursor movement may rewrite. Default 64. */
  maxRewrite?: number;
}

interface StepState extends StepInfo {
  chosen: boolean | undefined;
  nodes: GroupNode[];
}

/** Statuses whose groups start collapsed: a step that ran to its end or never ran. One cut by a cancel stays open, at what it was doing. */
const FINISHED = new Set(['completed', 'skipped', 'not-run']);
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/;

function toMs(time: string | number | undefined): number {
  if (typeof time === 'number') return Number.isFinite(time) ? time : NaN;
  if (typeof time === 'string') return Date.parse(time);
  return NaN;
}

function validLine(line: unknown): line is number {
  return typeof line === 'number' && Number.isSafeInteger(line) && line >= 1;
}

export class LogModel implements FlowHost {
  readonly store = new LineStore();
  readonly index = new LineIndex(this.store);
  readonly tree = new GroupTree();
  readonly styles = new StyleTable();
  readonly links = new LinkTable();
  /** Goes up on every change the view should show. */
  version = 0;
  private readonly steps = new Map<string, StepState>();
  readonly maxRewrite: number;
  private readonly live: Flow;
  private liveStarted = false;
  private liveStep = '';
  /** Line numbers the log has (or had and knows are gone): a line comes in once. */
  readonly had = new LineRanges();
  private readonly places: Placement;

  constructor(options: LogModelOptions = {}) {
    this.maxRewrite = options.maxRewrite ?? 64;
    this.live = new Flow(this, this.tree.root, 1, this.maxRewrite);
    this.places = new Placement(this);
  }

  // ---- input ----

  /** Reads a chunk of live output. */
  append(chunk: LogChunk): void {
    let text = typeof chunk.text === 'string' ? chunk.text : '';
    const live = this.live;
    const term = live.terminal;
    live.time = toMs(chunk.time);
    const stepId = typeof chunk.stepId === 'string' ? chunk.stepId : '';
    if (stepId !== this.liveStep) {
      live.moveTo(() => this.groupToContinue(stepId), term.atLineStart ? term.rawLine : term.rawLine + 1);
      this.liveStep = stepId;
    }
    if (validLine(chunk.line)) {
      let line = chunk.line;
      if (!this.liveStarted) {
        term.restart(line);
        const known = this.had.highestBelow(line);
        if (known < line - 1) this.places.addGap(live.current, 'pending', known + 1, line - 1);
      } else {
        const expected = term.rawLine;
        const open = !term.atLineStart;
        // A chunk going on with the open line may number that line, or the next (its first complete one).
        if (open && line === expected + 1) line = expected;
        const next = open ? expected + 1 : expected;
        // A resync's marker says what it missed once the numbers go on: nothing, or these lines.
        const last = live.previous.children[live.previous.children.length - 1];
        const missing = last?.kind === 'gap' && last.reason === 'missing' ? last : undefined;
        if (missing && line <= next) this.tree.remove(missing);
        if (line > expected) {
          if (line > next && missing) {
            missing.reason = 'pending';
            missing.from = next;
            missing.to = line - 1;
            this.places.gaps.push(missing);
          } else if (line > next) this.places.addGap(live.current, 'pending', next, line - 1);
          term.restart(line);
        } else if (line < expected) {
          // Lines it already has: skipped, up to the line the stream is on.
          let at = 0;
          for (let k = line; k < expected && at >= 0; k++) {
            const nl = text.indexOf('\n', at);
            at = nl < 0 ? -1 : nl + 1;
          }
          text = at < 0 ? '' : text.slice(at);
          // Sent again from its start, the open line replaces what had come of it.
          if (open && text) text = '\r\x1b[2K' + text;
        }
      }
    }
    const first = term.rawLine;
    this.liveStarted = true;
    live.write(text);
    this.had.add(first, term.rawLine - 1);
    this.changed();
  }

  /**
   * Reads earlier lines loaded later (the reader scrolled up): `chunk.line` numbers its first line.
   * Lines the log already has are left out; the rest go where their numbers put them.
   */
  fill(chunk: LogChunk & { line: number }): void {
    if (!validLine(chunk.line) || typeof chunk.text !== 'string') return;
    const limit = this.liveStarted ? this.live.terminal.rawLine : Infinity;
    this.places.fill(chunk.line, chunk.text, typeof chunk.stepId === 'string' ? chunk.stepId : '', toMs(chunk.time), limit);
    this.changed();
  }

  /** Shows that lines `from`–`to` are no longer kept by the server. */
  markExpired(from: number, to: number): void {
    if (!validLine(from) || !validLine(to) || to < from) return;
    this.places.markExpired(from, to);
    this.changed();
  }

  /** Shows, at the live end, that a resync may have missed lines. */
  markResync(): void {
    const term = this.live.terminal;
    const next = term.atLineStart ? term.rawLine : term.rawLine + 1;
    this.tree.insert(this.live.current, this.places.gapNode('missing', NaN, NaN));
    term.restart(next);
    this.changed();
  }

  /** Sets what step events say of a step: its name, status, duration. */
  setStep(stepId: string, info: StepInfo): void {
    if (typeof stepId !== 'string' || !info || typeof info !== 'object') return;
    const step = this.stepState(stepId);
    if (typeof info.name === 'string') step.name = CONTROLS.test(info.name) ? plain(info.name) : info.name;
    if (typeof info.status === 'string') step.status = info.status;
    if (typeof info.durationMs === 'number' && Number.isFinite(info.durationMs)) step.durationMs = info.durationMs;
    // A step that ends leaves its groups as they were: one still open may hold why it failed.
    for (const g of step.nodes) this.refreshOpen(g);
    this.changed();
  }

  step(stepId: string): StepInfo | undefined {
    const s = typeof stepId === 'string' ? this.steps.get(stepId) : undefined;
    return s && { name: s.name, status: s.status, durationMs: s.durationMs };
  }

  // ---- groups ----

  /** Whether a group is open (the reader's choice, or its default). */
  isOpen(groupId: number): boolean {
    if (typeof groupId !== 'number') return false;
    return this.tree.group(groupId)?.open ?? false;
  }

  /** Opens or closes a group as the reader chose (undefined: back to its default). A step's choice holds for all of it. */
  setOpen(groupId: number, open: boolean | undefined): void {
    const g = typeof groupId === 'number' ? this.tree.group(groupId) : undefined;
    if (!g || g.type === 'root' || (open !== undefined && typeof open !== 'boolean')) return;
    if (g.type === 'step') {
      const step = this.stepState(g.stepId);
      step.chosen = open;
      for (const n of step.nodes) this.refreshOpen(n);
    } else {
      g.chosen = open;
      this.refreshOpen(g);
    }
    this.changed();
  }

  toggle(groupId: number): void {
    this.setOpen(groupId, !this.isOpen(groupId));
  }

  /** Opens the groups around line `lineNo` so that it shows. */
  reveal(lineNo: number): void {
    if (typeof lineNo !== 'number' || Number.isNaN(lineNo)) return;
    const slot = this.index.floor(lineNo);
    for (let g = this.tree.group(this.store.group(slot)); g && g.parent; g = g.parent) if (!g.open) this.setOpen(g.id, true);
  }

  refreshOpen(g: GroupNode): void {
    let open: boolean;
    if (g.type === 'step') {
      const step = this.steps.get(g.stepId);
      open = step?.chosen ?? !(step?.status && FINISHED.has(step.status));
    } else open = g.chosen ?? !(g.ended && (g.type === 'group' || g.collapseAtEnd));
    this.tree.setOpen(g, open);
  }

  changed(): void {
    this.version++;
  }

  // ---- rows ----

  get rowCount(): number {
    return this.tree.rowCount;
  }

  /** What row `index` of the view shows. */
  row(index: number): LogRow | undefined {
    if (typeof index !== 'number') return undefined;
    const r = this.tree.rowAt(index);
    return r && this.resolve(r);
  }

  /**
   * The row of line `lineNo` (a permalink's target): its own, the gap marker's when it is not
   * loaded or no longer kept, or the nearest line's before it; and whether it shows or the header
   * of its closed group stands for it.
   */
  rowOfLine(lineNo: number): { row: number; visible: boolean } | undefined {
    if (typeof lineNo !== 'number' || Number.isNaN(lineNo)) return undefined;
    const gap = this.index.slotOf(lineNo) < 0 ? this.places.gapAt(lineNo) : undefined;
    if (gap) return this.tree.rowOf(gap);
    const slot = this.index.floor(lineNo);
    if (slot < 0) return undefined;
    const g = this.tree.group(this.store.group(slot));
    const node = g && this.tree.linesOf(g, slot);
    return node && this.tree.rowOf(node, slot - node.start);
  }

  // ---- lines ----

  /** How many lines the log holds. */
  get lineCount(): number {
    return this.store.length;
  }

  /** Line `lineNo` as the view draws it, or undefined when the log does not have it. */
  line(lineNo: number): LogLine | undefined {
    if (typeof lineNo !== 'number') return undefined;
    const slot = this.index.slotOf(lineNo);
    return slot < 0 ? undefined : this.lineAt(slot);
  }

  /** A line's whole text, without escapes, even when its display is cut. */
  fullText(lineNo: number): string | undefined {
    if (typeof lineNo !== 'number') return undefined;
    const slot = this.index.slotOf(lineNo);
    return slot < 0 ? undefined : this.store.text(slot);
  }

  /** Lines `from`–`to` (the ones the log has) as plain text, one per line, for copy or download. */
  textOfRange(from: number, to: number): string {
    const out: string[] = [];
    for (const slot of this.slotsIn(from, to)) out.push(this.store.text(slot));
    return out.join('\n');
  }

  /** Lines `from`–`to` as plain text in pieces of at most `lines` lines, each line ending in a newline: a download that never holds the whole log in one string. */
  *textChunks(from = 1, to = Infinity, lines = 10_000): Generator<string, void> {
    let out: string[] = [];
    const size = Math.max(1, Math.floor(Number(lines)) || 1);
    for (const slot of this.slotsIn(from, to)) {
      out.push(this.store.text(slot));
      if (out.length === size) {
        yield out.join('\n') + '\n';
        out = [];
      }
    }
    if (out.length) yield out.join('\n') + '\n';
  }

  /** The slots of lines `from`–`to`, in line order. */
  private *slotsIn(from: number, to: number): Generator<number, void> {
    if (typeof from !== 'number' || typeof to !== 'number' || Number.isNaN(from)) return;
    for (let slot = this.index.slotOf(from) >= 0 ? this.index.slotOf(from) : this.index.after(from); slot >= 0; ) {
      const n = this.store.lineNo(slot);
      if (!(n <= to)) break;
      yield slot;
      slot = this.index.after(n);
    }
  }

  style(id: number): LogStyle {
    return this.styles.get(id);
  }

  /** The line in `slot`, as the view draws it. */
  lineAt(slot: number): LogLine {
    const full = this.store.text(slot);
    const length = displayLength(full);
    const text = length < full.length ? full.slice(0, length) : full;
    const g = this.tree.group(this.store.group(slot));
    return {
      lineNo: this.store.lineNo(slot),
      time: this.store.time(slot),
      stepId: g?.stepId ?? '',
      text,
      cut: length < full.length,
      segments: segmentsOf(text, this.store.runsOf(slot), this.styles, this.links),
    };
  }

  private resolve(r: Row): LogRow {
    if (r.kind === 'line') return { kind: 'line', depth: r.depth, line: this.lineAt(r.slot) };
    if (r.kind === 'gap') return { kind: 'gap', depth: r.depth, reason: r.gap.reason, from: r.gap.from, to: r.gap.to };
    const g = r.group;
    const step = g.type === 'step' ? this.step(g.stepId) : undefined;
    const title = g.type === 'step' ? (step?.name ?? g.stepId) : g.title;
    return { kind: 'group', depth: r.depth, groupId: g.id, type: g.type as 'step' | 'group' | 'section', title, stepId: g.stepId, open: g.open, step };
  }

  // ---- placing ----

  private stepState(stepId: string): StepState {
    let s = this.steps.get(stepId);
    if (!s) this.steps.set(stepId, (s = { chosen: undefined, nodes: [] }));
    return s;
  }

  /** The group of a step's lines at the end of the log: its last one if nothing came after it, or a new one. */
  private groupToContinue(stepId: string): GroupNode {
    const root = this.tree.root;
    const last = this.steps.get(stepId)?.nodes.at(-1);
    return stepId && last && root.children[root.children.length - 1] === last ? last : this.stepGroup(stepId);
  }

  /** A new group for a step's lines, at the end of the log (or the root itself for lines of no step); or not yet placed. */
  stepGroup(stepId: string, attach = true): GroupNode {
    if (!stepId) return this.tree.root;
    const g = this.tree.create('step', '', stepId, '', attach ? this.tree.root : undefined);
    this.stepState(stepId).nodes.push(g);
    if (attach) {
      this.tree.insert(this.tree.root, g);
      this.refreshOpen(g);
    }
    return g;
  }
}

/** Text without escapes or control characters (for names given by the caller). */
function plain(text: string): string {
  const rows: string[] = [];
  const t = new Terminal({ commit: (r) => void rows.push(r.text) }, new StyleTable(), new LinkTable(), 1, { maxRewrite: 0 });
  t.write(text.replace(/\n/g, ' '));
  t.write('\n');
  t.flush();
  return rows.join(' ');
}

