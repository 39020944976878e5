/**
 * The groups of a log (steps, GitHub `::group::`s, GitLab sections) as a tree whose leaves are
 * stretches of lines and gap markers, and the rows a virtualized view shows: a header per group,
 * then, when it is open, its content. Each group keeps how many rows its content shows and, per
 * child, how many rows come before it (recomputed only when marked stale), so a row is found by
 * a binary search per level and a toggle changes the counts along one path up.
 */

/** A stretch of lines placed one after the other in consecutive slots. */
export interface LinesNode {
  readonly kind: 'lines';
  start: number;
  count: number;
  parent: GroupNode;
  /** Its index among its parent's children, valid while the parent is not stale. */
  at?: number;
}

/** Lines missing from the log at this place. */
export interface GapNode {
  readonly kind: 'gap';
  /** expired: the server no longer keeps them; pending: known, not loaded yet; missing: a resync may have lost some. */
  reason: 'expired' | 'pending' | 'missing';
  /** Their numbers, when known. */
  from: number;
  to: number;
  parent: GroupNode;
  at?: number;
}

export type GroupKind = 'root' | 'step' | 'group' | 'section';

export interface GroupNode {
  readonly kind: 'group';
  readonly id: number;
  readonly type: GroupKind;
  title: string;
  /** The step the group belongs to ('' for none). */
  readonly stepId: string;
  /** A GitLab section's name. */
  readonly name: string;
  parent: GroupNode | undefined;
  children: Child[];
  /** Rows the content shows when this group is open. */
  inner: number;
  /** Rows before each child, valid unless `stale`. */
  prefix: number[];
  stale: boolean;
  /** Open as counted in the rows above. */
  open: boolean;
  /** The group's last line has come (its end marker, or its step ended). */
  ended: boolean;
  /** A GitLab section that asked to be collapsed once it ends. */
  collapseAtEnd: boolean;
  /** The reader's choice, kept over the default. */
  chosen: boolean | undefined;
  depth: number;
  at?: number;
}

export type Child = LinesNode | GapNode | GroupNode;

/** What a row of the view shows. */
export type Row =
  | { kind: 'line'; slot: number; depth: number }
  | { kind: 'group'; group: GroupNode; depth: number }
  | { kind: 'gap'; gap: GapNode; depth: number };

export function rowsOf(child: Child): number {
  if (child.kind === 'lines') return child.count;
  if (child.kind === 'gap') return 1;
  return 1 + (child.open ? child.inner : 0);
}

export class GroupTree {
  readonly root: GroupNode;
  private readonly groups: GroupNode[] = [];

  constructor() {
    this.root = this.create('root', '', '', '', undefined);
    this.root.open = true;
  }

  get rowCount(): number {
    return this.root.inner;
  }

  group(id: number): GroupNode | undefined {
    return this.groups[id];
  }

  /** A new group, not yet in the tree. */
  create(type: GroupKind, title: string, stepId: string, name: string, parent: GroupNode | undefined): GroupNode {
    const g: GroupNode = {
      kind: 'group',
      id: this.groups.length,
      type,
      title,
      stepId,
      name,
      parent,
      children: [],
      inner: 0,
      prefix: [],
      stale: false,
      open: true,
      ended: false,
      collapseAtEnd: false,
      chosen: undefined,
      depth: parent ? parent.depth + 1 : -1,
    };
    this.groups.push(g);
    return g;
  }

  /** Adds `delta` rows to `group`'s content and to every open group above it. */
  bump(group: GroupNode, delta: number): void {
    if (delta === 0) return;
    for (let g: GroupNode | undefined = group; g; g = g.parent) {
      g.inner += delta;
      g.stale = true;
      if (!g.open || !g.parent) break;
    }
  }

  /** Inserts `child` into `parent` at `index` (the end when omitted). */
  insert(parent: GroupNode, child: Child, index = parent.children.length): void {
    child.parent = parent;
    if (child.kind === 'group') setDepth(child, parent.depth + 1);
    parent.children.splice(index, 0, child);
    parent.stale = true;
    this.bump(parent, rowsOf(child));
  }

  /** Removes `child` from its parent. */
  remove(child: Child): void {
    const parent = child.parent;
    if (!parent) return;
    const k = parent.children.indexOf(child);
    if (k < 0) return;
    parent.children.splice(k, 1);
    parent.stale = true;
    this.bump(parent, -rowsOf(child));
  }

  /** One more line at the end of `node`. */
  grow(node: LinesNode, delta = 1): void {
    node.count += delta;
    this.bump(node.parent, delta);
  }

  /** Sets whether `group` is open, updating the counts above it. */
  setOpen(group: GroupNode, open: boolean): void {
    if (group.open === open || !group.parent) return;
    const before = rowsOf(group);
    group.open = open;
    this.bump(group.parent, rowsOf(group) - before);
  }

  private prefixOf(g: GroupNode): number[] {
    if (g.stale) {
      const p = g.prefix;
      p.length = g.children.length;
      let sum = 0;
      for (let i = 0; i < g.children.length; i++) {
        const c = g.children[i]!;
        p[i] = sum;
        c.at = i;
        sum += rowsOf(c);
      }
      g.stale = false;
    }
    return g.prefix;
  }

  /** What row `index` shows, or undefined past the end. */
  rowAt(index: number): Row | undefined {
    if (!(index >= 0 && index < this.root.inner)) return undefined;
    let g = this.root;
    let i = Math.floor(index);
    for (;;) {
      const prefix = this.prefixOf(g);
      let lo = 0;
      let hi = prefix.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (prefix[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      const child = g.children[lo];
      if (!child) return undefined;
      i -= prefix[lo]!;
      if (child.kind === 'lines') return { kind: 'line', slot: child.start + i, depth: g.depth + 1 };
      if (child.kind === 'gap') return { kind: 'gap', gap: child, depth: g.depth + 1 };
      if (i === 0) return { kind: 'group', group: child, depth: child.depth };
      i -= 1;
      g = child;
    }
  }

  /** The row of `child` (its header for a group), or of the header of its outermost closed group. */
  rowOf(child: Child, offset = 0): { row: number; visible: boolean } {
    let row = child.kind === 'lines' ? offset : 0;
    let visible = true;
    // `row` counts from the first row of `c` (its header, for a group), then of its parent.
    for (let c: Child = child; c.parent; c = c.parent) {
      const parent: GroupNode = c.parent;
      if (!parent.open) {
        visible = false;
        row = 0;
        continue;
      }
      const prefix = this.prefixOf(parent);
      row += prefix[c.at!]! + (parent.parent ? 1 : 0);
    }
    return { row, visible };
  }

  /** The stretch of lines holding `slot` in `group`, or undefined. */
  linesOf(group: GroupNode, slot: number): LinesNode | undefined {
    const children = group.children;
    for (let k = children.length - 1; k >= 0; k--) {
      const c = children[k]!;
      if (c.kind === 'lines' && slot >= c.start && slot < c.start + c.count) return c;
    }
    return undefined;
  }

  /** Splits `node` so that its first `count` lines stay and the rest follow in a new node. */
  split(node: LinesNode, count: number): LinesNode | undefined {
    if (count <= 0 || count >= node.count) return undefined;
    const rest: LinesNode = { kind: 'lines', start: node.start + count, count: node.count - count, parent: node.parent };
    node.count = count;
    const parent = node.parent;
    parent.children.splice(parent.children.indexOf(node) + 1, 0, rest);
    parent.stale = true;
    return rest;
  }

  /** Every group, in the order they were made. */
  all(): readonly GroupNode[] {
    return this.groups;
  }
}

function setDepth(g: GroupNode, depth: number): void {
  g.depth = depth;
  for (const c of g.children) if (c.kind === 'group') setDepth(c, depth + 1);
}
