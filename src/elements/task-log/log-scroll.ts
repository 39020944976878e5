/**
 * The scroll area of a task log: which rows are drawn and where, following the end (at the
 * bottom it stays there as lines come; scrolled up it stays on the lines the reader looks at,
 * even as lines are loaded above them, and counts the new ones), jumps to a line, and what a copy
 * of several lines gives.
 *
 * It never reads the scroll area's geometry after rows are written: its height comes from a
 * ResizeObserver, its scroll position from its scroll events and from one look before each
 * update writes (all read where layout is clean), and the position it sets is written before the
 * rows, without reading it back.
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
  /** The scroll area's height is known (from the observer, or read once before it reports). */
  #measured = false;
  /** Where the scroll area is scrolled, as last set here or said by its scroll event. */
  #at = 0;
  /** The scroll space's height last written. */
  #space = -1;
  /** The drawn position is still to be written to the scroll area (it did not exist yet). */
  #pending = true;
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
    // A new height of the scroll area shows more or fewer rows (read here, where layout is clean).
    if (typeof ResizeObserver === 'function')
      this.#observer = new ResizeObserver(() => {
        const scroller = this.#scroller;
        if (!scroller) return;
        this.#measured = true;
        if (scroller.clientHeight === this.#vp.viewHeight) return;
        this.#vp.viewHeight = scroller.clientHeight;
        this.#host.requestUpdate();
      });
    this.#observed = undefined;
    this.#measured = false;
    // A scroll area put back in the page begins at its top again: the position is written anew.
    this.#pending = true;
    this.#at = -1;
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#observed = undefined;
    this.#measured = false;
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
      // Read before this update writes anything: in a frame, layout is clean here and the reads are free.
      if (!this.#measured) {
        // Before the observer's first report: read once.
        vp.viewHeight = scroller.clientHeight;
        this.#measured = true;
      }
      // Scrolled by the reader since the last look, its scroll event still to come (an update
      // run outside a frame, when frames are held up): that counts first.
      const at = scroller.scrollTop;
      if (Math.abs(at - this.#at) >= 1) {
        this.#at = at;
        if (this.#expected === undefined || Math.abs(at - this.#expected) >= 1) {
          this.#expected = undefined;
          this.#readerScrolled(at);
        }
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
    if (scroller) this.#write(scroller);
    else this.#pending = true;
  }

  /**
   * The scroll space's height and the scroll position the view is drawn for, written before the
   * rows are (the layout this forces has only the space's height to redo), never read back.
   */
  #write(scroller: HTMLElement): void {
    this.#pending = false;
    if (this.spaceHeight !== this.#space) {
      this.#space = this.spaceHeight;
      scroller.querySelector<HTMLElement>('.space')?.style.setProperty('height', `${this.spaceHeight}px`);
    }
    if (Math.abs(this.#at - this.#scrollTop) >= 1) {
      scroller.scrollTop = this.#scrollTop;
      // Its scroll event is the view's own.
      this.#at = this.#expected = this.#scrollTop;
    }
  }

  /** After the render: the scroll area is observed, and goes where the view was drawn for if it is new. */
  settle(): void {
    const scroller = this.#scroller;
    if (!scroller) return;
    if (this.#observer && this.#observed !== scroller) {
      this.#observer.observe(scroller);
      this.#observed = scroller;
    }
    if (this.#pending) {
      this.#space = -1;
      this.#write(scroller);
    }
  }

  onScroll(): void {
    const scroller = this.#scroller;
    if (!scroller) return;
    // A scroll event comes where layout is clean: reading the position costs nothing.
    const top = (this.#at = scroller.scrollTop);
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
