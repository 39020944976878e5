/**
 * One stream of terminal output placed into the log: the live stream, or a range of earlier lines
 * loaded later. Its rows go, in order, into the group it is in; marker lines open and close
 * GitHub groups and GitLab sections inside it instead of showing as text.
 */
import type { GroupNode, GroupTree, LinesNode } from './log-groups.js';
import type { LineIndex, LineStore, Runs } from './line-store.js';
import { markerOf, type Marker } from './log-markers.js';
import { runsOf, Terminal, type RowSink, type TerminalRow } from './terminal-line.js';
import type { LinkTable, StyleTable } from './log-styles.js';

/** What a flow needs of the log around it. */
export interface FlowHost {
  readonly store: LineStore;
  readonly index: LineIndex;
  readonly tree: GroupTree;
  readonly styles: StyleTable;
  readonly links: LinkTable;
  /** Whether a group is open by default now (and the reader's choice); applied to the counts. */
  refreshOpen(group: GroupNode): void;
  /** Called after any change the view should show. */
  changed(): void;
}

/**
 * A row's styled runs: read now for a finished line, and only when asked (a view draws it) for
 * the line still coming in, which a long line would otherwise have read again on every chunk.
 */
function runsFor(row: TerminalRow): Runs {
  if (!row.attrs) return undefined;
  return row.ended ? runsOf(row) : () => runsOf(row);
}

/** The slot of a row that was a marker line. */
const CONSUMED = -2;

export class Flow implements RowSink {
  readonly terminal: Terminal;
  /** The group rows went into last. */
  private group: GroupNode;
  /** Makes the group the next rows go into, once one comes (a step's group is not made for lines sent twice). */
  private pending: (() => GroupNode) | undefined;
  /** The time stamped on the lines placed now (ms since the epoch; NaN when unknown). */
  time = NaN;
  /** The slot of a row placed before it ended: it may turn out to be a marker line. */
  private openSlot = -1;

  constructor(
    private readonly host: FlowHost,
    container: GroupNode,
    firstLine: number,
    maxRewrite: number,
  ) {
    this.group = container;
    this.terminal = new Terminal(this, host.styles, host.links, firstLine, { maxRewrite });
  }

  /** Reads a chunk of output and commits what changed. */
  write(text: string): void {
    this.terminal.write(text);
    this.terminal.flush();
  }

  /** The group new rows go into. */
  get current(): GroupNode {
    if (this.pending) {
      this.group = this.pending();
      this.pending = undefined;
    }
    return this.group;
  }

  set current(group: GroupNode) {
    this.group = group;
    this.pending = undefined;
  }

  /** The group rows went into last, even if the next ones are to go elsewhere. */
  get previous(): GroupNode {
    return this.group;
  }

  /** Moves the flow into another group (made by `container` when a row comes), ending the lines so far. */
  moveTo(container: () => GroupNode, nextLine: number): void {
    this.terminal.restart(nextLine);
    this.openSlot = -1;
    this.pending = container;
  }

  commit(row: TerminalRow): void {
    const { store, index, tree } = this.host;
    if (row.slot === CONSUMED) return;
    if (row.slot < 0) {
      if (row.ended) {
        const marker = markerOf(row.text, row.returnText);
        if (marker) {
          this.marker(marker, row);
          return;
        }
      } else if (row.text === '') return;
      this.place(row);
      if (!row.ended) this.openSlot = row.slot;
      return;
    }
    if (row.slot === this.openSlot) {
      if (row.ended) {
        this.openSlot = -1;
        // A marker line shown while it was coming in: taken back.
        const marker = markerOf(row.text, row.returnText);
        if (marker && this.takeBack(row)) return this.marker(marker, row);
      } else if (row.text === '' && this.takeBack(row)) {
        // Erased before its newline: as if nothing had come yet.
        this.openSlot = -1;
        return;
      }
    }
    store.set(row.slot, row.text, runsFor(row));
    this.host.changed();
  }

  /** Takes the row placed last out of the log again; false if it is not the last. */
  private takeBack(row: TerminalRow): boolean {
    const { store, index, tree } = this.host;
    if (row.slot !== store.length - 1) return false;
    const group = tree.group(store.group(row.slot));
    const node = group && tree.linesOf(group, row.slot);
    if (!node) return false;
    index.remove(row.slot);
    store.pop();
    tree.grow(node, -1);
    if (node.count === 0) tree.remove(node);
    row.slot = -1;
    this.host.changed();
    return true;
  }

  private place(row: TerminalRow): void {
    const { store, index, tree } = this.host;
    const g = this.current;
    const slot = store.add(row.lineNo, this.time, g.id, row.text, runsFor(row));
    index.add(slot, row.lineNo);
    row.slot = slot;
    const last = g.children[g.children.length - 1];
    if (last?.kind === 'lines' && last.start + last.count === slot) tree.grow(last);
    else tree.insert(g, { kind: 'lines', start: slot, count: 1, parent: g } satisfies LinesNode);
    this.host.changed();
  }

  private marker(marker: Marker, row: TerminalRow): void {
    const { tree } = this.host;
    // A marker line is no line of text, even if a cursor comes back up to it.
    row.slot = CONSUMED;
    if (marker.kind === 'group-start' || marker.kind === 'section-start') {
      const section = marker.kind === 'section-start';
      const title = section ? row.text.trim() || marker.name : marker.title;
      const g = tree.create(section ? 'section' : 'group', title, this.current.stepId, section ? marker.name : '', this.current);
      g.collapseAtEnd = section && marker.collapsed;
      tree.insert(this.current, g);
      this.current = g;
      this.host.refreshOpen(g);
    } else {
      // The innermost group of that kind (and name) inside the step ends, with what it holds; never
      // the group the flow writes into from outside (one without a parent: a fill's holder).
      for (let g: GroupNode | undefined = this.current; g?.parent && (g.type === 'group' || g.type === 'section'); g = g.parent) {
        const match = marker.kind === 'group-end' ? g.type === 'group' : g.type === 'section' && g.name === marker.name;
        if (!match) continue;
        for (let e: GroupNode | undefined = this.current; e && e !== g.parent; e = e.parent) {
          e.ended = true;
          this.host.refreshOpen(e);
        }
        this.current = g.parent!;
        break;
      }
      // Text after a section's end marker is a line of its own.
      if (marker.kind === 'section-end' && row.text.trim()) {
        row.slot = -1;
        this.place(row);
      }
    }
    this.host.changed();
  }
}
