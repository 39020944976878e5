/** A set of line numbers kept as sorted, merged ranges (a log has few: its live stretch and the ranges loaded later). */
export class LineRanges {
  /** from0, to0, from1, to1, …: sorted, disjoint, not adjacent. */
  private readonly bounds: number[] = [];

  /** Adds `from`–`to` (nothing when `to` < `from`). */
  add(from: number, to: number): void {
    if (!(to >= from)) return;
    const b = this.bounds;
    // The first range that ends at or after from - 1 (it may touch or overlap).
    let i = 0;
    while (i < b.length && b[i + 1]! < from - 1) i += 2;
    let j = i;
    while (j < b.length && b[j]! <= to + 1) {
      from = Math.min(from, b[j]!);
      to = Math.max(to, b[j + 1]!);
      j += 2;
    }
    b.splice(i, j - i, from, to);
  }

  has(n: number): boolean {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (n < b[mid * 2]!) hi = mid - 1;
      else if (n > b[mid * 2 + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The highest number in the set below `n`, or 0. */
  highestBelow(n: number): number {
    const b = this.bounds;
    for (let i = b.length - 2; i >= 0; i -= 2) {
      if (b[i]! < n) return Math.min(b[i + 1]!, n - 1);
    }
    return 0;
  }

  /** The ranges, as [from, to] pairs. */
  toArray(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.bounds.length; i += 2) out.push([this.bounds[i]!, this.bounds[i + 1]!]);
    return out;
  }
}
