import { html, LitElement, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { Announcer } from '../shared/announcer.js';
import { schedule, unschedule } from '../shared/frame-scheduler.js';
import { formatDuration, resolveLocale } from '../shared/format.js';
import { onProgressStringsChange, resolveStrings, stageStatusText, type ProgressStrings } from '../shared/strings.js';
import { plainText } from '../shared/terminal-output.js';
import type { LogRow } from './log-model.js';
import { SearchField } from './log-search-field.js';
import { LiveLog } from './log-live.js';
import { fragmentOf, selectionOf, type LineSelection } from './log-permalink.js';
import { renderRow, type RowContext } from './log-rows.js';
import { TASK_LOG_STRINGS, type TaskLogStrings } from './log-strings.js';
import { Viewport } from './log-viewport.js';
import { LogScroll } from './log-scroll.js';
import { saveLog } from './log-download.js';
import { taskLogStyles } from './task-log.styles.js';

/** The height of a row, in px (the styles give rows this height). */
const ROW_HEIGHT = 20;

export interface TaskLogSelectEventDetail {
  from: number;
  to: number;
}

/**
 * Shows a task's whole terminal output, live, at any size: lines in the terminal's colours with
 * their numbers (and, with `timestamps`, their times), grouped by step (finished steps collapsed),
 * in one scroll area that keeps only the lines in view in the page. At the bottom it follows new
 * lines; scrolled up, a button says how many came. A search field finds text (or a regular
 * expression) in every line, collapsed ones included. A line number is a permalink
 * (`#log-{taskId}-L120`, Shift+click for a range); a page opened with one scrolls there. From a
 * server that keeps every task's output (docs/task-log-protocol.md) it reads the end of the log
 * first and earlier lines as the reader scrolls up; from one that does not, it shows the lines it
 * sees live, and says where it joined. Follows the task over the page's shared client (see
 * `configureProgress`; the REST base and token of the reads are the client's `baseURL` and token).
 *
 * @summary A task's whole log, live: virtualized, grouped by step, searchable, with permalinks.
 * @tagname task-log
 *
 * @fires {CustomEvent<TaskLogSelectEventDetail>} task-log-select - The reader selected lines by their numbers (the page's URL fragment names them). Detail: `{ from, to }`.
 *
 * @csspart base - The wrapper of everything inside.
 * @csspart toolbar - The search field, its buttons and count, and the download button.
 * @csspart search-input - The search field.
 * @csspart regex - The toggle that makes the search a regular expression.
 * @csspart search-previous - The previous-match button.
 * @csspart search-next - The next-match button.
 * @csspart search-count - "3 of 120", said politely.
 * @csspart download - The download button.
 * @csspart notice - Where the log begins when the server keeps no log (the page joined then).
 * @csspart log - The scroll area (`role="log"`).
 * @csspart line - A line; also `line-selected` for the lines a permalink names.
 * @csspart line-number - A line's number, a link to it.
 * @csspart timestamp - A line's time (with `timestamps`).
 * @csspart text - A line's text.
 * @csspart hit - A search match; also `hit-current`.
 * @csspart show-all - The button of a line too long to show whole.
 * @csspart group - A step's or a group's header row.
 * @csspart group-header - Its button (`aria-expanded`).
 * @csspart group-status - A step's status.
 * @csspart group-time - A step's duration.
 * @csspart gap - The marker of lines not shown: not loaded yet, no longer kept, or possibly missed.
 * @csspart new-lines - The "N new lines" button, while scrolled up.
 * @csspart expanded - The whole text of a long line, opened by "show all".
 *
 * @cssprop --progress-color - Accent: running steps, the current match, focus.
 * @cssprop --progress-danger-color - Failed steps.
 * @cssprop --progress-success-color - Completed steps.
 * @cssprop --progress-warning-color - The marker of lines a reconnection may have missed.
 * @cssprop --progress-text-color - Text.
 * @cssprop --progress-muted-color - Line numbers, times, secondary text.
 * @cssprop --progress-background - Background.
 * @cssprop --progress-border-color - Border.
 * @cssprop --progress-radius - Corner radius.
 * @cssprop --progress-font-family - Font of the toolbar.
 * @cssprop --progress-font-size - Font size of the toolbar.
 * @cssprop --progress-mono-font-family - Font of the lines.
 * @cssprop --progress-output-background - Background of the lines.
 * @cssprop --progress-ansi-0 - The output's 16 colours, `--progress-ansi-0` to `--progress-ansi-15`: black, red, green, yellow, blue, magenta, cyan, white, then the same bright.
 * @cssprop --task-log-height - Height of the scroll area; default 24rem.
 * @cssprop --task-log-hit-background - Background of a search match (the current one: `--progress-color`).
 */
export class TaskLogElement extends LitElement {
  static override styles = [taskLogStyles];

  static override properties: PropertyDeclarations = {
    projectId: { attribute: 'project-id' },
    taskId: { attribute: 'task-id' },
    timestamps: { type: Boolean, reflect: true },
    strings: { attribute: false },
  };

  /** The task's project (needed when the socket URL is per project). */
  declare projectId: string | undefined;
  /** The task whose log to show. */
  declare taskId: string | undefined;
  /** Shows each line's time (HH:MM:SS in the page's time zone; the full time on hover). */
  declare timestamps: boolean;
  /** Strings for this element (English by default). */
  declare strings: Partial<TaskLogStrings & Pick<ProgressStrings, 'locale' | 'stepStatus' | 'taskStatus' | 'taskLabel'>> | undefined;

  readonly #live = new LiveLog(this, {
    changed: () => this.requestUpdate(),
    failed: (error) => {
      this.#readError = true;
      console.error(`[progress] <task-log> could not read the log:`, error instanceof Error ? error.message : error);
      this.requestUpdate();
    },
  });
  readonly #announcer = new Announcer(this);
  readonly #viewport = new Viewport(ROW_HEIGHT);
  readonly #scroll = new LogScroll(this, this.#viewport);
  readonly #search = new SearchField(
    { changed: () => this.requestUpdate(), show: (hit) => this.#scroll.reveal(hit.lineNo, true) },
    (error) => console.error('[progress] <task-log> could not load its search:', error instanceof Error ? error.message : error),
  );
  #generation = -1;
  #selection: LineSelection | undefined;
  /** A permalink's lines to scroll to once the log has them. */
  #target: LineSelection | undefined;
  #expanded: number | undefined;
  #readError = false;
  #announcement = '';
  #time: Intl.DateTimeFormat | undefined;
  #locale: string | undefined;
  readonly #onHash = () => this.#readFragment();
  /** The update waiting for its frame, and whether it waits for the element to be put back in the page. */
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  #parked = false;
  /** Stops listening to the page's strings. */
  #offStrings: (() => void) | undefined;

  constructor() {
    super();
    this.timestamps = false;
  }

  /** The lines selected by their numbers (a permalink), if any. */
  get selection(): TaskLogSelectEventDetail | undefined {
    return this.#selection && { ...this.#selection };
  }

  /** Scrolls to line `lineNo` (loading it first when needed), opening the groups around it. */
  scrollToLine(lineNo: number): void {
    if (!Number.isSafeInteger(lineNo) || lineNo < 1) return;
    this.#target = { from: lineNo, to: lineNo };
    this.requestUpdate();
  }

  // ---- one update per animation frame, through the page's frame scheduler -------------------
  // However many events come in a frame, the log renders once, in the frame, before it is drawn.

  /** Queues the update in the page's frame scheduler instead of running it now. */
  protected override scheduleUpdate(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
      if (this.isConnected) schedule(this.#frame);
      else this.#parked = true;
    });
  }

  readonly #frame = (): void => {
    const settle = this.#settle;
    this.#settle = undefined;
    try {
      super.scheduleUpdate();
      settle?.resolve();
    } catch (error) {
      settle?.reject(error);
    }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#parked) {
      this.#parked = false;
      schedule(this.#frame);
    }
    globalThis.addEventListener?.('hashchange', this.#onHash);
    // The step statuses and the task's status follow the page's strings (setProgressStrings).
    this.#offStrings = onProgressStringsChange(() => this.requestUpdate());
    this.#readFragment();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // What waits for a frame waits for the element to come back (a removed element does not render).
    if (this.#settle) {
      unschedule(this.#frame);
      this.#parked = true;
    }
    globalThis.removeEventListener?.('hashchange', this.#onHash);
    this.#offStrings?.();
    this.#offStrings = undefined;
    this.#search.close();
    saveLog.release(this);
  }

  #readFragment(): void {
    const hash = globalThis.location?.hash;
    const selection = hash && this.taskId ? selectionOf(hash, this.taskId) : undefined;
    if (!selection) return;
    this.#target = selection;
    this.requestUpdate();
  }

  #strings(): TaskLogStrings & ProgressStrings {
    return { ...resolveStrings(undefined), ...TASK_LOG_STRINGS, ...(this.strings ?? {}) } as TaskLogStrings & ProgressStrings;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('taskId') || changed.has('projectId')) {
      this.#live.sync();
      if (changed.has('taskId')) this.#readFragment();
    }
    const live = this.#live;
    if (live.generation !== this.#generation) {
      // A new log: its search, selection and scroll start again.
      this.#generation = live.generation;
      this.#search.reset(live.model);
      this.#selection = undefined;
      this.#expanded = undefined;
      this.#readError = false;
      this.#scroll.reset();
    }
    const strings = this.#strings();
    const locale = resolveLocale(strings.locale);
    if (!this.#time || locale !== this.#locale) {
      this.#locale = locale;
      this.#time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    }
    // A permalink's lines: shown once the log has them; read first from a log store.
    const target = this.#target;
    if (target && live.feed && live.feed.mode !== 'unknown') {
      const at = live.model.rowOfLine(target.from);
      const row = at && live.model.row(at.row);
      if (live.model.line(target.from) || (row?.kind === 'gap' && row.reason === 'expired')) {
        // Its lines, or the marker of lines no longer kept that stands for them.
        this.#target = undefined;
        this.#selection = target;
        live.model.reveal(target.from);
        this.#scroll.reveal(target.from, true);
      } else live.feed.loadAround(target.from);
    }
    // What the live region says: the task's status, and its current step.
    const state = live.state;
    if (state) {
      const headline = strings.taskStatus[state.status] ?? state.status;
      const step = state.steps.find((s) => s.id === state.currentStepId);
      const label = strings.taskLabel(this.taskId ?? '');
      this.#announcement = this.#announcer.announce(headline, strings.announce(label, step ? strings.join([headline, plainText(step.name)]) : headline));
    }
    this.#scroll.prepare(live.model, live.feed);
  }

  protected override updated(): void {
    this.#scroll.settle();
    // Pending lines in view: read them.
    const feed = this.#live.feed;
    if (feed?.mode === 'store') {
      for (const row of this.#scroll.drawn) if (row.kind === 'gap' && row.reason === 'pending') feed.loadGap(row.from, row.to);
    }
  }

  #context(strings: TaskLogStrings & ProgressStrings): RowContext {
    const taskId = this.taskId ?? '';
    const find = this.#search.find;
    const sel = this.#selection;
    const time = this.#time!;
    return {
      href: (n) => fragmentOf(taskId, { from: n, to: n }),
      time: (ms) => (this.timestamps && Number.isFinite(ms) ? { short: time.format(ms), full: new Date(ms).toISOString() } : undefined),
      selected: (n) => sel !== undefined && n >= sel.from && n <= sel.to,
      hits: (n) => find?.hits(n),
      stepStatus: (s) => stageStatusText(strings, 'step', s),
      duration: (ms) => formatDuration(ms, this.#locale),
      gapText: (reason, from, to) => {
        if (reason === 'expired') return strings.expired(from, to);
        if (reason === 'missing') return strings.missing;
        // Lines before those the page saw, from a server whose log cannot be read.
        if (this.#live.feed?.mode !== 'store') return strings.notShown(from, to);
        return this.#readError ? strings.readFailed : strings.pending(from, to);
      },
      showAll: strings.showAll,
      lineLabel: strings.lineLabel,
      onLineNumber: (e, n) => this.#selectLine(e, n),
      onToggle: (id) => {
        this.#live.model.toggle(id);
        this.requestUpdate();
      },
      onShowAll: (n) => {
        this.#expanded = n;
        this.requestUpdate();
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.expanded-close')?.focus());
      },
    };
  }

  #selectLine(event: MouseEvent, lineNo: number): void {
    event.preventDefault();
    const sel = this.#selection;
    const next = event.shiftKey && sel ? { from: Math.min(sel.from, lineNo), to: Math.max(sel.to, lineNo) } : { from: lineNo, to: lineNo };
    this.#selection = next;
    if (this.taskId) globalThis.history?.replaceState(globalThis.history.state, '', fragmentOf(this.taskId, next));
    this.dispatchEvent(new CustomEvent('task-log-select', { detail: { ...next }, bubbles: true, composed: true }));
    this.requestUpdate();
  }

  /** Closes the whole text of a long line; the focus goes back to the log. */
  #closeExpanded(): void {
    this.#expanded = undefined;
    this.requestUpdate();
    this.renderRoot.querySelector<HTMLElement>('.scroller')?.focus({ preventScroll: true });
  }

  #searchInput(event: Event): void {
    this.#search.input((event.target as HTMLInputElement).value);
  }

  #searchKey(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    this.#search.step(event.shiftKey);
  }

  #download(): void {
    const live = this.#live;
    void saveLog(this, live.model, live.feed, this.taskId ?? 'task').catch((error: unknown) => {
      console.error('[progress] <task-log> could not download the log:', error instanceof Error ? error.message : error);
    });
  }

  #copy(event: ClipboardEvent): void {
    const text = this.#scroll.copyText(this.renderRoot as ShadowRoot, this.#selection);
    if (text === undefined || !event.clipboardData) return;
    event.clipboardData.setData('text/plain', text);
    event.preventDefault();
  }

  override render() {
    const live = this.#live;
    const strings = this.#strings();
    const feed = live.feed;
    const field = this.#search;
    const find = field.find;
    const search = find?.search;
    const ctx = this.#context(strings);
    const scroll = this.#scroll;
    const current = find?.current ? find.current.ordinal + 1 : undefined;
    const count = search?.error ? strings.invalidRegex : field.text ? strings.hitCount(current, search?.count ?? 0, find?.done ?? false) : '';
    const joined = feed?.mode === 'live' && feed.joinedAt !== undefined ? strings.joinedAt(this.#time!.format(feed.joinedAt)) : undefined;
    const expanded = this.#expanded;
    const full = expanded === undefined ? undefined : live.model.fullText(expanded);
    const rows: LogRow[] = scroll.drawn;
    return html`<div part="base" class="base">
      <div part="toolbar" class="toolbar" role="search">
        <input part="search-input" class="search" type="search" aria-label=${strings.search} placeholder=${strings.search} .value=${field.text} @input=${this.#searchInput} @keydown=${this.#searchKey} />
        <button type="button" part="regex" class="tool regex" aria-pressed=${field.regex ? 'true' : 'false'} title=${strings.regex} aria-label=${strings.regex} @click=${() => field.toggleRegex()}>.*</button>
        <button type="button" part="search-previous" class="tool" aria-label=${strings.previousHit} title=${strings.previousHit} @click=${() => field.step(true)}>↑</button>
        <button type="button" part="search-next" class="tool" aria-label=${strings.nextHit} title=${strings.nextHit} @click=${() => field.step(false)}>↓</button>
        <span part="search-count" class="count" role="status" aria-live="polite">${count}</span>
        <button type="button" part="download" class="tool download" @click=${this.#download}>${strings.download}</button>
      </div>
      ${joined ? html`<p part="notice" class="notice">${joined}</p>` : nothing}
      ${full !== undefined
        ? html`<div part="expanded" class="expanded" role="region" aria-label=${strings.fullLine(expanded!)}>
            <div class="expanded-bar"><span>${strings.fullLine(expanded!)}</span><button type="button" class="tool expanded-close" @click=${this.#closeExpanded}>${strings.close}</button></div>
            <pre class="expanded-text" tabindex="0">${full}</pre>
          </div>`
        : nothing}
      <div part="log" class="scroller" role="log" aria-live="off" tabindex="0" aria-label=${strings.logLabel(this.taskId ?? '')} @scroll=${() => scroll.onScroll()} @keydown=${(e: KeyboardEvent) => scroll.onKey(e)} @copy=${this.#copy}>
        <div class="space">
          <div class="rows" style=${`transform:translateY(${scroll.top}px)`}>${rows.map((row) => renderRow(row, ctx))}</div>
        </div>
        ${live.model.rowCount === 0 ? html`<p class="empty">${strings.empty}</p>` : nothing}
      </div>
      ${scroll.newLines > 0 ? html`<button type="button" part="new-lines" class="new-lines" @click=${() => scroll.follow()}>${strings.newLines(scroll.newLines)}</button>` : nothing}
      <div class="visually-hidden" role="status">${this.#announcement}</div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'task-log': TaskLogElement;
  }
  interface HTMLElementEventMap {
    'task-log-select': CustomEvent<TaskLogSelectEventDetail>;
  }
}
