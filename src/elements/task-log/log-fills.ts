/**
 * Where lines loaded later go in a log, and the gaps they fill: earlier ranges (the reader scrolled
 * up) are placed by their numbers, into the pending gap that held them or right after the line
 * before them, and the gaps shrink around them.
 */
import { Flow, type FlowHost } from './log-flow.js';
import type { Child, GapNode, GroupNode } from './log-groups.js';
import type { LineStore } from './line-store.js';
import type { LineRanges } from './line-ranges.js';

export interface PlacementHost extends FlowHost {
  readonly had: LineRanges;
  readonly maxRewrite: number;
  stepGroup(stepId: string, attach?: boolean): GroupNode;
}

export class Placement {
  /** Gaps that lines loaded later can fill. */
  readonly gaps: GapNode[] = [];
  /** Gaps of lines the server no longer keeps. */
  private readonly expired: GapNode[] = [];

  constructor(private readonly host: PlacementHost) {}

  /** Reads lines `line`… of `text`, leaving out those the log has and those from `limit` on. */
  fill(line: number, text: string, stepId: string, time: number, limit: number): void {
    const raw = text.split('\n');
    if (raw[raw.length - 1] === '') raw.pop();
    const had = this.host.had;
    let i = 0;
    while (i < raw.length) {
      const n = line + i;
      if (n >= limit) break;
      if (had.has(n)) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < raw.length && line + j + 1 < limit && !had.has(line + j + 1)) j++;
      this.fillRange(n, line + j, raw.slice(i, j + 1).join('\n') + '\n', stepId, time);
      i = j + 1;
    }
  }

  /** A marker of lines `from`–`to` the server no longer keeps, at their place. */
  markExpired(from: number, to: number): void {
    const pos = this.positionFor(from, '');
    const gapAt = pos.parent.children[pos.index];
    const inGap = gapAt?.kind === 'gap' && gapAt.reason === 'pending' && gapAt.from <= from && from <= gapAt.to;
    this.carveGaps(from, to);
    this.host.had.add(from, to);
    this.host.tree.insert(pos.parent, this.gapNode('expired', from, to), pos.index + (inGap && gapAt.from < from ? 1 : 0));
  }

  /** The gap of pending or expired lines that holds line `lineNo`, if any. */
  gapAt(lineNo: number): GapNode | undefined {
    return this.gaps.find((g) => g.from <= lineNo && lineNo <= g.to) ?? this.expired.find((g) => g.from <= lineNo && lineNo <= g.to);
  }

  gapNode(reason: GapNode['reason'], from: number, to: number): GapNode {
    const gap: GapNode = { kind: 'gap', reason, from, to, parent: this.host.tree.root };
    if (reason === 'pending') this.gaps.push(gap);
    else if (reason === 'expired') this.expired.push(gap);
    return gap;
  }

  addGap(parent: GroupNode, reason: GapNode['reason'], from: number, to: number): void {
    this.host.tree.insert(parent, this.gapNode(reason, from, to));
  }

  /** Where lines from `lineNo` on go: the pending gap that holds it, or right after the line before. */
  private positionFor(lineNo: number, stepId: string): { parent: GroupNode; index: number } {
    const gap = this.gaps.find((g) => g.from <= lineNo && lineNo <= g.to);
    if (gap) return { parent: gap.parent, index: gap.parent.children.indexOf(gap) };
    const prev = this.host.index.floor(lineNo - 1);
    const root = this.host.tree.root;
    if (prev < 0) {
      let index = 0;
      while (index < root.children.length && firstLine(root.children[index]!, this.host.store) < lineNo) index++;
      return { parent: root, index };
    }
    let parent = this.host.tree.group(this.host.store.group(prev)) ?? root;
    const node = this.host.tree.linesOf(parent, prev);
    if (!node) return { parent: root, index: root.children.length };
    this.host.tree.split(node, prev - node.start + 1);
    let index = parent.children.indexOf(node) + 1;
    // After the last line of a group that ended, or of another step: after that group.
    while (parent.parent && index === parent.children.length && (parent.type === 'step' ? parent.stepId !== stepId : parent.ended)) {
      index = parent.parent.children.indexOf(parent) + 1;
      parent = parent.parent;
    }
    return { parent, index };
  }

  /** Pending gaps lose the lines `from`–`to`; a gap left empty goes. */
  private carveGaps(from: number, to: number): void {
    for (const gap of [...this.gaps]) {
      if (gap.to < from || gap.from > to) continue;
      const parent = gap.parent;
      let index = parent.children.indexOf(gap);
      this.host.tree.remove(gap);
      this.gaps.splice(this.gaps.indexOf(gap), 1);
      if (gap.from < from) this.host.tree.insert(parent, this.gapNode('pending', gap.from, from - 1), index++);
      if (gap.to > to) this.host.tree.insert(parent, this.gapNode('pending', to + 1, gap.to), index);
    }
  }

  private fillRange(from: number, to: number, text: string, stepId: string, time: number): void {
    const pos = this.positionFor(from, stepId);
    const gapAt = pos.parent.children[pos.index];
    const inGap = gapAt?.kind === 'gap' && gapAt.reason === 'pending' && gapAt.from <= from && from <= gapAt.to;
    const same = !stepId || pos.parent.stepId === stepId;
    const holder = same ? this.host.tree.create('group', '', stepId, '', undefined) : this.host.stepGroup(stepId, false);
    const flow = new Flow(this.host, holder, from, this.host.maxRewrite);
    flow.time = time;
    flow.write(text);
    this.host.had.add(from, to);
    let index = pos.index;
    if (inGap) {
      const gap = gapAt as GapNode;
      this.carveGaps(from, to);
      if (gap.from < from) index++;
    }
    if (same) {
      for (const child of holder.children.splice(0)) {
        if (child.kind === 'lines') for (let s = child.start; s < child.start + child.count; s++) this.host.store.setGroup(s, pos.parent.id);
        this.host.tree.insert(pos.parent, child, index++);
      }
      holder.inner = 0;
    } else {
      this.host.tree.insert(pos.parent, holder, index);
      this.host.refreshOpen(holder);
    }
  }
}

function firstLine(child: Child, store: LineStore): number {
  if (child.kind === 'gap') return Number.isNaN(child.from) ? -Infinity : child.from;
  if (child.kind === 'lines') return store.lineNo(child.start);
  for (const c of child.children) {
    const n = firstLine(c, store);
    if (Number.isFinite(n)) return n;
  }
  return Infinity;
}

