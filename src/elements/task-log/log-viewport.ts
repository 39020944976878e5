/**
 * The geometry of a virtualized log: rows of one fixed height in one scroll area, only the rows
 * in view (and a few around them) in the DOM. Past the height a browser lets an element have
 * (about 33 million px in Chromium), the scroll space is scaled: the scrollbar spans every row,
 * each pixel of it standing for more than one.
 */

/** The tallest scroll space used; well under the browsers' limits (Chromium ~33.5M px, Firefox ~17.9M px). */
export const MAX_SCROLL_HEIGHT = 15_000_000;

/** Rows drawn beyond each edge of the view. */
export const OVERSCAN = 4;

/** Rows drawn at most, whatever the view's height. */
export const MAX_DRAWN = 64;

export interface Window {
  /** The first row drawn. */
  first: number;
  /** One past the last row drawn. */
  end: number;
  /** Where the first row drawn goes, in px from the top of the scroll space. */
  top: number;
}

export class Viewport {
  constructor(
    public rowHeight: number,
    public rowCount = 0,
    public viewHeight = 0,
  ) {}

  /** The rows' height, unscaled. */
  get contentHeight(): number {
    return this.rowCount * this.rowHeight;
  }

  /** The height of the scroll space. */
  get scrollHeight(): number {
    return Math.min(this.contentHeight, MAX_SCROLL_HEIGHT);
  }

  /** How many px of rows one px of scroll stands for (1 until the log is too tall). */
  get scale(): number {
    const scrollable = this.scrollHeight - this.viewHeight;
    const content = this.contentHeight - this.viewHeight;
    return scrollable > 0 && content > scrollable ? content / scrollable : 1;
  }

  /** The row at the top of the view at `scrollTop`, and how far into it the view begins (px). */
  topRow(scrollTop: number): { row: number; offset: number } {
    const y = Math.max(0, scrollTop) * this.scale;
    const row = Math.min(Math.max(0, this.rowCount - 1), Math.floor(y / this.rowHeight));
    return { row, offset: y - row * this.rowHeight };
  }

  /** The rows to draw at `scrollTop`, and where the first goes. */
  window(scrollTop: number): Window {
    if (this.rowCount === 0) return { first: 0, end: 0, top: 0 };
    const { row, offset } = this.topRow(scrollTop);
    const visible = Math.ceil((this.viewHeight + offset) / this.rowHeight) + 1;
    const first = Math.max(0, row - OVERSCAN);
    const end = Math.min(this.rowCount, row + visible + OVERSCAN, first + MAX_DRAWN);
    // The top row sits where the view begins, less the part of it scrolled past.
    const top = Math.max(0, scrollTop) - offset - (row - first) * this.rowHeight;
    return { first, end, top };
  }

  /** The scrollTop that puts row `index` at the top of the view (or, with `center`, in its middle). */
  scrollTopOf(index: number, center = false): number {
    let y = index * this.rowHeight;
    if (center) y -= Math.max(0, (this.viewHeight - this.rowHeight) / 2);
    const max = Math.max(0, this.scrollHeight - this.viewHeight);
    return Math.min(max, Math.max(0, y / this.scale));
  }

  /** The scrollTop of the bottom. */
  get bottom(): number {
    return Math.max(0, this.scrollHeight - this.viewHeight);
  }

  /** Whether `scrollTop` is at the bottom (within a px). */
  atBottom(scrollTop: number): boolean {
    return scrollTop >= this.bottom - 1;
  }

  /** Whether row `index` is wholly in view at `scrollTop`. */
  inView(index: number, scrollTop: number): boolean {
    const y = index * this.rowHeight;
    const top = Math.max(0, scrollTop) * this.scale;
    return y >= top && y + this.rowHeight <= top + this.viewHeight;
  }
}
