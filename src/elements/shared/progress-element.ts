/**
 * The base of the three elements: their shared properties, updates through the page's frame
 * scheduler (at most one render per animation frame, within the page's frame budget), and what
 * every card has (a named group with a header, a progress bar, the connection line and a live
 * region, with its clock and announcements). Each element holds its own controllers (its live
 * subscription, its action slot) and, before each render, puts its card together with the
 * helpers here: it is called by nothing it did not call.
 */
import { html, LitElement, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { EntityState } from '../../client/index.js';
import type { ActionSlot } from './action-slot.js';
import { Announcer } from './announcer.js';
import { Clock } from './clock.js';
import { formatPercent, formatRelative, resolveLocale } from './format.js';
import { schedule, unschedule } from './frame-scheduler.js';
import type { LiveSubscription } from './live-subscription.js';
import { resolveStrings, type ProgressStrings } from './strings.js';
import { plainText } from './terminal-output.js';
import { connectionLine, header, liveRegion, progressBar, type ConnectionLine, type Tone } from './templates.js';

/** What an element shows of a state in the parts every card has. */
export interface CardView {
  /** The run's own name, else a name made from its id (the `label` attribute goes before both). */
  name: string;
  status: string;
  tone: Tone;
  /** The elapsed time, the duration, the uptime or when it finished. */
  time?: string | undefined;
  /** The progress bar, for elements that have one. */
  bar?: { percent: number | undefined; busy: boolean } | undefined;
  /** Said after the status in the bar's value text (the current step, the phase's place). */
  detail?: string | undefined;
  /** Said after the status in announcements (the current step or phase, an exit code). */
  announced?: string | undefined;
  /** Whether what is shown moves with the clock (an elapsed time, an uptime). */
  ticks: boolean;
}

/** What the rest of a card is made from. */
export interface CardContext<S> {
  state: S | undefined;
  strings: ProgressStrings;
  locale: string | undefined;
  detailed: boolean;
}

/** What an element puts its card together from, before each render. */
export interface CardParts<S> {
  context: CardContext<S>;
  view: CardView;
  /** True when the run is over: its data cannot go out of date. */
  settled: boolean;
  live: LiveSubscription<EntityState>;
  /** The element's action bar, with `actions`. */
  actions?: ActionSlot | undefined;
  /** What the card shows between the bar and the connection line. */
  body: unknown;
}

interface Card {
  strings: ProgressStrings;
  locale: string | undefined;
  view: CardView;
  label: string;
  status: string;
  line: ConnectionLine | undefined;
  body: unknown;
  actions: ActionSlot | undefined;
  announcement: string;
}

/** Ages under this are "just now". */
const JUST_NOW_MS = 5000;

/**
 * The shared properties and behaviour of `<task-progress>`, `<workflow-tracker>` and
 * `<container-status>`.
 *
 * @csspart base - The wrapper of everything inside: a group named by the label.
 * @csspart header - The line with the label, status and time.
 * @csspart label - The run's name.
 * @csspart status - The status in words.
 * @csspart time - Always at the end of the header: the elapsed time or uptime, the duration, or when the run finished when its start is unknown.
 * @csspart bar - The progress bar's track (`role="progressbar"`).
 * @csspart indicator - The filled part of the bar.
 * @csspart connection - The line on a card whose data could go out of date: "Live", or reconnecting (with the countdown) or connection lost, and the time of the last update.
 * @csspart retry - The connection line's "Retry now" button.
 * @csspart error - The error text.
 *
 * @cssprop --progress-color - Accent: running, the bar, the current step or phase.
 * @cssprop --progress-danger-color - Failed, errors, non-zero exit codes.
 * @cssprop --progress-warning-color - Cancelled, paused, connection notices.
 * @cssprop --progress-text-color - Text.
 * @cssprop --progress-muted-color - Secondary text.
 * @cssprop --progress-background - Background.
 * @cssprop --progress-border-color - Border.
 * @cssprop --progress-radius - Corner radius.
 * @cssprop --progress-gap - Spacing unit.
 * @cssprop --progress-font-family - Font; default the system's (`system-ui`).
 * @cssprop --progress-font-size - Font size.
 */
export abstract class ProgressElement<I extends object> extends LitElement {
  static override properties: PropertyDeclarations = {
    projectId: { attribute: 'project-id' },
    layout: { reflect: true },
    label: {},
    state: { attribute: false },
    strings: { attribute: false },
  };

  /** The run's project (needed when the socket URL is per project). */
  declare projectId: string | undefined;
  /** `detailed` shows everything; `compact` one line of status, the bar and the current step or phase. */
  declare layout: 'detailed' | 'compact';
  /** The name shown, given to the card's group and to its progress bar; default: the run's own name when the server gives one, else one made from its id. */
  declare label: string | undefined;
  /** @internal Declared with its own type and description by each element. */
  declare state: I | undefined;
  /** Strings for this element, over those set with `setProgressStrings()`. */
  declare strings: Partial<ProgressStrings> | undefined;

  readonly #announcer = new Announcer(this);
  #ticking = false;
  #card: Card | undefined;
  /** The pending update's promise, while its frame is queued. */
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Taken out of the queue when the element left the document; queued again when it comes back. */
  #parked = false;

  constructor() {
    super();
    this.layout = 'detailed';
    new Clock(this, () => this.#ticking);
  }

  // ---- one render per frame, through the page's frame scheduler -------------------------

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
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // What was waiting for a frame waits for the element to come back (a removed element does not render).
    if (this.#settle) {
      unschedule(this.#frame);
      this.#parked = true;
    }
  }

  // ---- the card ---------------------------------------------------------------------------

  /**
   * Follows the element's live subscription before a render: drops the state shown when it no
   * longer applies (other ids, another server), and shows the newest state delivered, calling
   * `fire` with it and the one it replaced (the element's events). A listener may change the
   * element's ids at once: the subscription follows them before this update goes on.
   */
  protected takeLive<S extends EntityState>(live: LiveSubscription<S>, fire: (state: S, previous: I | undefined) => void): void {
    if (live.sync()) this.state = undefined;
    const next = live.take();
    if (next === undefined || (next as object) === this.state) return;
    const previous = this.state;
    this.state = next as unknown as I;
    fire(next, previous);
    if (live.sync()) this.state = undefined;
  }

  /** What a card is made from: the state shown (made whole by the element), the strings, the locale, the layout. */
  protected cardContext<S>(state: S | undefined): CardContext<S> {
    const strings = resolveStrings(this.strings);
    return { state, strings, locale: resolveLocale(strings.locale), detailed: this.layout !== 'compact' };
  }

  /**
   * Puts the card together for the next render: its label and status, the connection line of data
   * that could go out of date, the action bar's offer and news, and what is announced.
   */
  protected composeCard<S>({ context, view, settled, live, actions, body }: CardParts<S>): void {
    const { state, strings, locale } = context;
    const label = plainText(this.label || view.name);
    const now = Date.now();

    // With nothing to show yet, the status says what the element is waiting for.
    let status = view.status;
    if (!state && live.following && live.connection !== 'connected') {
      status = live.connection === 'unconfigured' ? strings.unconfigured : strings.connection[live.connection];
    }

    // Only data that came from a subscription, and could still change, can be out of date.
    let line: ConnectionLine | undefined;
    let moving = false;
    if (live.following && state && !settled) {
      const ago = (text: string) => {
        if (live.lastUpdateAt === undefined) return text;
        moving = true;
        const age = now - live.lastUpdateAt;
        return strings.join([text, strings.lastUpdate(age < JUST_NOW_MS ? strings.justNow : formatRelative(-age, locale))]);
      };
      const c = live.connection;
      let text: string;
      if (c === 'unconfigured') text = strings.unconfigured;
      else if (c === 'connected') text = live.gap ? ago(strings.missedUpdates) : strings.live;
      else if (c === 'reconnecting' && live.retryAt !== undefined) {
        moving = true;
        text = ago(strings.reconnectingIn(formatRelative(live.retryAt - now, locale)));
      } else text = ago(strings.connection[c]);
      const canRetry = c === 'reconnecting' || c === 'failed';
      line = { text, connection: c === 'connected' && !live.gap ? 'live' : c, retry: canRetry ? () => live.reconnect() : undefined, retryLabel: strings.retryNow };
    }
    this.#ticking = view.ticks || moving;

    const troubled = line !== undefined && (live.connection === 'reconnecting' || live.connection === 'failed');
    // An action's news (being sent, refused) is said instead of the status until the status changes.
    const headline = troubled ? strings.connection[live.connection as 'reconnecting' | 'failed'] : (actions?.headline(strings) ?? status);
    const said = view.announced;
    const text = strings.announce(label, troubled || !said ? headline : strings.join([headline, said]));
    const announcement = this.#announcer.announce(headline, text);
    this.#card = { strings, locale, view, label, status, line, body, actions, announcement };
  }

  override render(): TemplateResult {
    const card = this.#card!;
    const { view, label, status, strings, locale } = card;
    const bar = view.bar;
    return html`<div part="base" class="base" role="group" aria-label=${label}>
      ${header(label, status, view.tone, view.time)}
      ${bar
        ? progressBar({
            label,
            percent: bar.percent,
            valueText: plainText(strings.join([bar.percent === undefined ? '' : formatPercent(bar.percent, locale), status, view.detail ?? ''].filter(Boolean))),
            tone: view.tone,
            busy: bar.busy,
          })
        : nothing}
      ${card.body} ${card.actions?.render(label, strings) ?? nothing} ${connectionLine(card.line)}
      <slot></slot>
      ${liveRegion(card.announcement)}
    </div>`;
  }
}
