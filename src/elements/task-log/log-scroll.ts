/**
 * The scroll area of a task log: which rows are drawn and where, following the end (at the
 * bottom it stays there as lines come; scrolled up it stays on the lines the reader looks at,
 * even as lines are loaded above them, and counts the new ones), jumps to a line, and what a copy
 * of several lines gives.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LogFeed } from './log-feed.js';
import type { LogModel, LogRow } from './log-model.js';
import type { LineSelection } from './log-permalink.js';
import type { Viewport } from './log-viewport.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export class LogScroll implements ReactiveController {
  /** The rows drawn now. */
  drawn: LogRow[] = [];
  /** Where the first drawn row goes (px from the top of the scroll space). */
  top = 0;
  spaceHeight = 0;
  /** Lines that came while the reader was scrolled up. */
  newLines = 0;
  following = true;
  readonly #host: Host;
  readonly #vp: Viewport;
  #observer: ResizeObserver | undefined;
  /** The scroll area the observer watches. */
  #observed: Element | undefined;
  #model: LogModel | undefined;
  /** The scrollTop the view is drawn for. */
  #scrollTop = 0;
  /** A scrollTop set by the view, whose scroll event is not the reader's. */
  #expected: number | undefined;
  /** The line at the top of the view and how far above the view's top its row begins (px). */
  #anchor: { lineNo: number; delta: number; version: number } | undefined;
  #reveal: { lineNo: number; center: boolean } | undefined;
  /** The feed's count of live lines when the reader left the bottom. */
  #mark = 0;

  constructor(host: Host, viewport: Viewport) {
    this.#host = host;
    this.#vp = viewport;
    host.addController(this);
  }

  hostConnected(): void {
    // A new height of the scroll area shows more or fewer rows.
    if (typeof ResizeObserver === 'function') this.#observer = new ResizeObserver(() => this.#host.requestUpdate());
    this.#observed = undefined;
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#observed = undefined;
  }

  get #scroller(): HTMLElement | null {
    return this.#host.renderRoot?.querySelector<HTMLElement>('.scroller') ?? null;
  }

  /** A new log: at its end, following. */
  reset(): void {
    this.following = true;
    this.newLines = 0;
    this.#mark = 0;
    this.#anchor = undefined;
    this.#reveal = undefined;
  }

  /** Scrolls to line `lineNo` at the next update (in the middle of the view with `center`). */
  reveal(lineNo: number, center: boolean): void {
    this.#reveal = { lineNo, center };
    this.#host.requestUpdate();
  }

  /** Back to the end, following. */
  follow(): void {
    this.following = true;
    this.#host.requestUpdate();
    this.#scroller?.focus({ preventScroll: true });
  }

  /** Works out what to draw (called before each render). */
  prepare(model: LogModel, feed: LogFeed | undefined): void {
    this.#model = model;
    const vp = this.#vp;
    const scroller = this.#scroller;
    vp.rowCount = model.rowCount;
    if (scroller) {
      vp.viewHeight = scroller.clientHeight;
      // Scrolled by the reader since the last look, its scroll event still to come: that counts first.
      const at = scroller.scrollTop;
      if (Math.abs(at - this.#scrollTop) >= 1 && (this.#expected === undefined || Math.abs(at - this.#expected) >= 1)) {
        this.#expected = undefined;
        this.#readerScrolled(at);
      }
    }
    let top = this.#scrollTop;
    const live = feed?.liveLines ?? 0;
    const reveal = this.#reveal;
    this.#reveal = undefined;
    const at = reveal && model.rowOfLine(reveal.lineNo);
    if (at) {
      top = vp.scrollTopOf(at.row, reveal.center);
      // Lines that come from now on are new to the reader of this place.
      if (this.following) this.#mark = live;
      this.following = vp.atBottom(top) && vp.inView(at.row, top);
    } else if (this.following) {
      top = vp.bottom;
    } else if (this.#anchor && this.#anchor.version !== model.version) {
      // Lines came or went above the view (loaded, groups opened): the view stays on its line.
      const row = model.rowOfLine(this.#anchor.lineNo);
      if (row) top = Math.max(0, (row.row * vp.rowHeight + this.#anchor.delta) / vp.scale);
    }
    top = Math.min(Math.max(0, top), vp.bottom);
    if (this.following) this.#mark = live;
    this.newLines = this.following ? 0 : Math.max(0, live - this.#mark);
    const w = vp.window(top);
    const drawn: LogRow[] = [];
    for (let i = w.first; i < w.end; i++) {
      const row = model.row(i);
      if (row) drawn.push(row);
    }
    this.drawn = drawn;
    this.top = w.top;
    this.spaceHeight = vp.scrollHeight;
    this.#scrollTop = top;
    this.#recordAnchor(model, top);
  }

  /** After the render: the scroll area goes where the view was drawn for. */
  settle(): void {
    const scroller = this.#scroller;
    if (!scroller) return;
    if (this.#observer && this.#observed !== scroller) {
      this.#observer.observe(scroller);
      this.#observed = scroller;
    }
    if (Math.abs(scroller.scrollTop - this.#scrollTop) >= 1) {
      scroller.scrollTop = this.#scrollTop;
      // Where the browser put it (it may round): its scroll event is the view's own.
      this.#expected = scroller.scrollTop;
    }
  }

  onScroll(): void {
    const scroller = this.#scroller;
    if (!scroller) return;
    const top = scroller.scrollTop;
    if (this.#expected !== undefined && Math.abs(top - this.#expected) < 1) {
      this.#expected = undefined;
      return;
    }
    this.#expected = undefined;
    this.#readerScrolled(top);
    this.#host.requestUpdate();
  }

  #readerScrolled(top: number): void {
    this.#scrollTop = top;
    this.following = this.#vp.atBottom(top);
    if (this.#model) this.#recordAnchor(this.#model, top);
  }

  onKey(event: KeyboardEvent): void {
    if (event.key === 'End' && !event.shiftKey) {
      event.preventDefault();
      this.follow();
    } else if (event.key === 'Home' && !event.shiftKey) {
      event.preventDefault();
      this.following = false;
      this.#anchor = undefined;
      this.#scrollTop = 0;
      this.#host.requestUpdate();
    }
  }

  #recordAnchor(model: LogModel, top: number): void {
    const vp = this.#vp;
    const { row } = vp.topRow(top);
    for (let i = row; i < Math.min(vp.rowCount, row + 8); i++) {
      const r = model.row(i);
      if (r?.kind === 'line') {
        this.#anchor = { lineNo: r.line.lineNo, delta: top * vp.scale - i * vp.rowHeight, version: model.version };
        return;
      }
    }
  }

  /**
   * The text a copy gives when it spans lines: those lines whole, as plain text (no numbers, times
   * or escapes); with nothing selected in the page, the lines a permalink selected. Undefined: the
   * browser's own copy (within one line).
   */
  copyText(root: ShadowRoot, selection: LineSelection | undefined): string | undefined {
    const model = this.#model;
    if (!model) return undefined;
    const sel = (root as ShadowRoot & { getSelection?: () => Selection | null }).getSelection?.() ?? globalThis.getSelection?.();
    if (!sel || sel.isCollapsed || !sel.anchorNode || !sel.focusNode) return selection ? model.textOfRange(selection.from, selection.to) : undefined;
    const lineOf = (node: Node) => Number((node instanceof Element ? node : node.parentElement)?.closest('[data-line]')?.getAttribute('data-line') ?? NaN);
    const a = lineOf(sel.anchorNode);
    const b = lineOf(sel.focusNode);
    if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return undefined;
    return model.textOfRange(Math.min(a, b), Math.max(a, b));
  }
}
