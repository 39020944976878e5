/**
 * The live side of every progress element: follows one entity on the page's shared client while
 * the element is connected, hands the element at most one new state per animation frame, keeps
 * track of the connection for the "reconnecting, last update 40 seconds ago" notice, runs the one
 * clock an element may need (elapsed time, uptime, "ago"), and rate-limits announcements.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConnectionState, EntityState, ProgressClient, ProgressSubscription } from '../../client/index.js';
import { getProgressClient, onProgressClientChange } from './configure.js';
import { schedule, unschedule } from './frame-scheduler.js';
import { formatAgo, resolveLocale } from './format.js';
import { onProgressStringsChange, type ProgressStrings } from './strings.js';

/** The connection as an element sees it: `unconfigured` while the page has no client yet. */
export type ViewConnection = ConnectionState | 'unconfigured';

export interface LiveHandlers<S> {
  onState(state: S): void;
  onConnectionChange(state: ConnectionState): void;
}

/** What an element tells its controller about the entity it shows. */
export interface ProgressSource<S extends EntityState> {
  /** Identifies what to follow; undefined when the element's ids are not enough to follow anything. */
  key(): string | undefined;
  subscribe(client: ProgressClient, handlers: LiveHandlers<S>): ProgressSubscription;
  /** Whether a state is about the element's current ids (one that is not is dropped when they change). */
  owns(state: S): boolean;
  /** Whether a live state replaces the one shown; default: always. */
  accepts?(next: S, shown: S | undefined): boolean;
  /** True when no event can change the state any more: its data cannot be stale. */
  isFinal(state: S): boolean;
  /** True when what is shown for this state moves with the clock (elapsed time, uptime). */
  ticks(state: S | undefined): boolean;
  /** Called after a live state replaced `previous`, to fire the element's events. */
  changed(state: S, previous: S | undefined): void;
}

type Host<S> = ReactiveControllerHost & HTMLElement & { state: S | undefined };

/** A status may be announced at once; a new step or phase within it waits this long after the last announcement. */
const ANNOUNCE_INTERVAL = 1000;
const CLOCK_INTERVAL = 1000;

export class ProgressController<S extends EntityState> implements ReactiveController {
  /** The state of the socket serving the element. */
  connection: ViewConnection = 'disconnected';

  /** Date.now() when the shown data was last known to be current (a live update, or the moment the connection went down). */
  #lastUpdateAt: number | undefined;
  readonly #host: Host<S>;
  readonly #source: ProgressSource<S>;
  #subscription: ProgressSubscription | undefined;
  /** The key and client of the last sync, and whether a subscription was attempted for them while connected. */
  #key: string | undefined;
  #client: ProgressClient | undefined;
  #attached = false;
  #everConnected = false;
  /** Reconnected after an outage, and no update since: events of the outage are lost. */
  #gap = false;
  #pending: S | undefined;
  /** The last live state handed to the element, and the URL of the client it came from. */
  #received: S | undefined;
  #receivedFrom: string | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;
  #offs: (() => void)[] = [];
  #announced = { status: '', text: '', at: 0 };
  #announcementDeferred = false;

  constructor(host: Host<S>, source: ProgressSource<S>) {
    this.#host = host;
    this.#source = source;
    host.addController(this);
  }

  /** Whether the element has ids to follow (and so a connection worth talking about). */
  get following(): boolean {
    return this.#key !== undefined;
  }

  hostConnected(): void {
    this.#offs.push(
      onProgressClientChange(() => {
        this.#sync();
        this.#schedule();
      }),
      onProgressStringsChange(() => this.#schedule()),
    );
    this.#sync();
    // Back in the document after a move: render, and so restart the clock (a no-op before the first render).
    this.#host.requestUpdate();
  }

  hostUpdate(): void {
    this.#sync();
  }

  hostUpdated(): void {
    const state = this.#host.state;
    const needed = this.#host.isConnected && (this.#source.ticks(state) || this.#announcementDeferred || (this.#showsAgo() && this.#canGoStale(state)));
    if (needed && this.#clock === undefined) {
      this.#clock = setInterval(() => this.#schedule(), CLOCK_INTERVAL);
    } else if (!needed && this.#clock !== undefined) {
      clearInterval(this.#clock);
      this.#clock = undefined;
    }
  }

  hostDisconnected(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#detach();
    this.#cancelFrame();
    this.#pending = undefined;
    clearInterval(this.#clock);
    this.#clock = undefined;
  }

  /** The status to show: `text` for the state, or "waiting for configuration" while the page has no client yet. */
  statusText(strings: ProgressStrings, state: S | undefined, text: string): string {
    return !state && this.connection === 'unconfigured' && this.following ? strings.unconfigured : text;
  }

  /**
   * The notice that says the shown data may not be live, or undefined when it is live (or cannot
   * change any more). Without a state, the element's status already says it is waiting.
   */
  notice(strings: ProgressStrings, state: S | undefined): string | undefined {
    if (!this.#canGoStale(state)) return undefined;
    switch (this.connection) {
      case 'unconfigured':
        return state ? strings.unconfigured : undefined;
      case 'connected':
        return this.#gap && state ? this.#withAgo(strings, strings.missedUpdates) : undefined;
      default:
        return this.#withAgo(strings, strings.connection[this.connection]);
    }
  }

  /**
   * The text of the element's polite live region. A new status (or a connection problem) is
   * announced at once; a new step or phase under the same status at most once a second.
   */
  announcement(strings: ProgressStrings, state: S | undefined, status: string, detail?: string): string {
    const troubled = this.#canGoStale(state) && (this.connection === 'reconnecting' || this.connection === 'failed');
    const head = troubled ? strings.connection[this.connection as 'reconnecting' | 'failed'] : status;
    const text = detail && !troubled ? strings.join([head, detail]) : head;
    const now = Date.now();
    if (text !== this.#announced.text && (head !== this.#announced.status || now - this.#announced.at >= ANNOUNCE_INTERVAL)) {
      this.#announced = { status: head, text, at: now };
    }
    this.#announcementDeferred = text !== this.#announced.text;
    return this.#announced.text;
  }

  // ---- following ------------------------------------------------------------------------

  /** Subscribes, resubscribes or unsubscribes to match the element's ids, the page's client and whether the element is connected. */
  #sync(): void {
    if (!this.#host.isConnected) return;
    const key = this.#source.key();
    const client = key === undefined ? undefined : getProgressClient();
    if (this.#attached && key === this.#key && client === this.#client) return;
    this.#detach();
    if (key !== this.#key || client !== this.#client) {
      // Another entity or another server: nothing known about the old one applies.
      const lastUpdateAt = this.#lastUpdateAt;
      this.#pending = undefined;
      this.#cancelFrame();
      this.#lastUpdateAt = undefined;
      this.connection = 'disconnected';
      this.#everConnected = false;
      this.#gap = false;
      // A state about another entity goes, and so does what another server said (not a state the page set).
      const shown = this.#host.state;
      const live = client !== undefined && shown === this.#received;
      if (shown !== undefined && ((key !== this.#key && !this.#source.owns(shown)) || (live && client.url !== this.#receivedFrom))) {
        this.#host.state = undefined;
      } else if (live && key === this.#key && client !== this.#client) {
        // The same server through a new client, which knows nothing of what happened meanwhile: once
        // connected, the element says updates may have been missed, until a live update comes.
        this.#everConnected = true;
        this.#lastUpdateAt = lastUpdateAt;
      }
    }
    this.#key = key;
    this.#client = client;
    this.#attached = true;
    if (key === undefined) {
      this.connection = 'disconnected';
      return;
    }
    if (!client) {
      this.connection = 'unconfigured';
      return;
    }
    const subscription: { current?: ProgressSubscription } = {};
    const live = () => subscription.current !== undefined && subscription.current === this.#subscription;
    try {
      this.#subscription = subscription.current = this.#source.subscribe(client, {
        onState: (state) => {
          if (live()) this.#receive(state);
        },
        onConnectionChange: (state) => {
          if (live()) this.#connectionChanged(state, true);
        },
      });
      // Known at once (subscribing starts connecting): the render under way shows it.
      this.#connectionChanged(this.#subscription.getConnectionState(), false);
    } catch (error) {
      // E.g. no project-id with a per-project URL: say the element is not connected, once.
      this.connection = 'failed';
      console.error(`[progress] <${this.#host.localName}> cannot follow:`, error);
    }
  }

  #detach(): void {
    this.#attached = false;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
  }

  #receive(state: S): void {
    if (this.#source.accepts && !this.#source.accepts(state, this.#pending ?? this.#host.state)) return;
    this.#pending = state;
    this.#lastUpdateAt = Date.now();
    this.#gap = false;
    this.#schedule();
  }

  #connectionChanged(state: ConnectionState, render: boolean): void {
    const previous = this.connection;
    if (state === previous) return;
    if (previous === 'connected') this.#lastUpdateAt = Date.now();
    if (state === 'connected') {
      if (this.#everConnected) this.#gap = true;
      this.#everConnected = true;
    }
    this.connection = state;
    if (render) this.#schedule();
  }

  // ---- one render per frame -------------------------------------------------------------
  // Live states, connection changes, clock ticks and new strings all render through the page's
  // frame scheduler, which renders a frame's share of the elements waiting, oldest first.

  #schedule(): void {
    schedule(this.#flush);
  }

  #cancelFrame(): void {
    unschedule(this.#flush);
  }

  readonly #flush = (): void => {
    const next = this.#pending;
    this.#pending = undefined;
    const previous = this.#host.state;
    if (next !== undefined && next !== previous) {
      this.#host.state = this.#received = next;
      this.#receivedFrom = this.#client?.url;
      this.#source.changed(next, previous);
    }
    // Render now, so the scheduler can measure it; Lit's own pending update then has nothing left to do.
    this.#host.requestUpdate();
    (this.#host as unknown as { performUpdate(): void }).performUpdate();
  };

  // ---- the notice's "ago" ----------------------------------------------------------------

  /** Whether what is shown comes from a subscription and could still change (so could be out of date). */
  #canGoStale(state: S | undefined): boolean {
    return this.following && !(state && this.#source.isFinal(state));
  }

  #showsAgo(): boolean {
    return this.following && this.#lastUpdateAt !== undefined && (this.#gap || (this.connection !== 'connected' && this.connection !== 'unconfigured'));
  }

  #withAgo(strings: ProgressStrings, text: string): string {
    if (this.#lastUpdateAt === undefined) return text;
    const ago = formatAgo(Date.now() - this.#lastUpdateAt, resolveLocale(strings.locale));
    return strings.join([text, strings.lastUpdate(ago)]);
  }
}
