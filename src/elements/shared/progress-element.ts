/**
 * The base of the three elements: their shared properties, their life on the page's client
 * (subscription and delivery, the clock, announcements) and what every card has (a named group
 * with a header, a progress bar, the connection line and a live region), and the action bar of an
 * element that offers actions, loaded only then. Updates go through the page's frame scheduler: at
 * most one render per animation frame, within the page's frame budget.
 */
import { html, LitElement, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { EntityState } from '../../client/index.js';
import type { ActionBar } from './action-bar.js';
import { Announcer } from './announcer.js';
import { Clock } from './clock.js';
import { formatPercent, formatRelative, resolveLocale } from './format.js';
import { schedule, unschedule } from './frame-scheduler.js';
import type { EntityFilter } from '../../protocol/entity.js';
import { followKey, owns, subscribeTo } from './follow-entity.js';
import { LiveSubscription } from './live-subscription.js';
import type { ActionOffer } from './progress-action.js';
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

interface Card<S> extends CardContext<S> {
  view: CardView;
  label: string;
  status: string;
  line: ConnectionLine | undefined;
  announcement: string;
}

/** Ages under this are "just now". */
const JUST_NOW_MS = 5000;

/** The action bar's module: loaded by the first element that offers actions, never by a page without. */
let actionBarModule: Promise<typeof import('./action-bar.js')> | undefined;

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
export abstract class ProgressElement<S extends EntityState, I extends object> extends LitElement {
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

  readonly #live = new LiveSubscription<S>(this, {
    key: () => followKey(this.following()),
    subscribe: (client, handlers) => subscribeTo(client, this.following()!, handlers),
    owns: (state) => owns(this.following(), state),
    accepts: (next, shown) => this.accepts(next, shown as I | undefined),
    shown: () => this.state,
  });
  readonly #announcer = new Announcer(this);
  #ticking = false;
  #card: Card<S> | undefined;
  /** The pending update's promise, while its frame is queued. */
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Taken out of the queue when the element left the document; queued again when it comes back. */
  #parked = false;
  /** The action bar, once its module loaded (for an element that offers actions). */
  #bar: ActionBar | undefined;
  #barLoading = false;

  constructor() {
    super();
    this.layout = 'detailed';
    new Clock(this, () => this.#ticking);
  }

  // ---- what each element says about its entity -------------------------------------------

  /** @internal The entity the element's ids name, to follow; undefined when they are not enough. */
  protected abstract following(): EntityFilter | undefined;
  /** @internal Whether a live state replaces the one shown. */
  protected accepts(_next: S, _shown: I | undefined): boolean {
    return true;
  }
  /** @internal A whole state from what the page set (the client's states as they are). */
  protected abstract whole(input: I): S;
  /** @internal True when the run is over: its data cannot go out of date. */
  protected abstract settled(state: S): boolean;
  /** @internal Fires the element's events after a live state replaced `previous`. */
  protected abstract changed(state: S, previous: I | undefined): void;
  /** @internal The header, bar and announcement of a state. */
  protected abstract describe(context: CardContext<S>): CardView;
  /** @internal What the card shows between the bar and the connection line. */
  protected abstract body(context: CardContext<S>, view: CardView): unknown;
  /** @internal Whether the element offers actions (its `actions` attribute, on the elements that have one). */
  protected offersActions(): boolean {
    return false;
  }
  /** @internal What a user may do to the run of this state; undefined when the run cannot be named. */
  protected actionsOf(_state: S): ActionOffer | undefined {
    return undefined;
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
      const next = this.#live.take();
      if (next !== undefined && (next as object) !== this.state) {
        const previous = this.state;
        this.state = next as unknown as I;
        this.changed(next, previous);
      }
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

  #loadActionBar(): void {
    if (this.#barLoading) return;
    this.#barLoading = true;
    (actionBarModule ??= import('./action-bar.js')).then(
      ({ ActionBar }) => {
        this.#bar = new ActionBar(this);
        this.requestUpdate();
      },
      (error: unknown) => {
        // E.g. a CDN that could not serve the module: the element goes on without its buttons.
        actionBarModule = undefined;
        console.error(`[progress] <${this.localName}> could not load its actions:`, error);
      },
    );
  }

  // ---- the card ---------------------------------------------------------------------------

  protected override willUpdate(): void {
    // New ids or a new client: the subscription follows them first, and says when the state shown no longer applies.
    if (this.#live.sync()) this.state = undefined;
    const strings = resolveStrings(this.strings);
    const locale = resolveLocale(strings.locale);
    const state = this.state === undefined ? undefined : this.whole(this.state);
    const context: CardContext<S> = { state, strings, locale, detailed: this.layout !== 'compact' };
    const view = this.describe(context);
    const label = plainText(this.label || view.name);
    const live = this.#live;
    const now = Date.now();

    // With nothing to show yet, the status says what the element is waiting for.
    let status = view.status;
    if (!state && live.following && live.connection !== 'connected') {
      status = live.connection === 'unconfigured' ? strings.unconfigured : strings.connection[live.connection];
    }

    // Only data that came from a subscription, and could still change, can be out of date.
    let line: ConnectionLine | undefined;
    let moving = false;
    if (live.following && state && !this.settled(state)) {
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
      line = { text, connection: c === 'connected' && !live.gap ? 'live' : c, retry: canRetry ? () => this.#live.reconnect() : undefined, retryLabel: strings.retryNow };
    }
    this.#ticking = view.ticks || moving;

    // The action bar: loaded when the element first offers actions, then told what the state allows.
    let offer: ActionOffer | undefined;
    if (this.offersActions()) {
      if (!this.#bar) this.#loadActionBar();
      offer = state && this.actionsOf(state);
    }
    this.#bar?.sync(offer);

    const troubled = line !== undefined && (live.connection === 'reconnecting' || live.connection === 'failed');
    // An action's news (being sent, refused) is said instead of the status until the status changes.
    const headline = troubled ? strings.connection[live.connection as 'reconnecting' | 'failed'] : (this.#bar?.headline(strings) ?? status);
    const said = view.announced;
    const text = strings.announce(label, troubled || !said ? headline : strings.join([headline, said]));
    const announcement = this.#announcer.announce(headline, text);
    this.#card = { ...context, view, label, status, line, announcement };
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
      ${this.body(card, view)} ${this.#bar?.render(label, strings) ?? nothing} ${connectionLine(card.line)}
      <slot></slot>
      ${liveRegion(card.announcement)}
    </div>`;
  }
}
