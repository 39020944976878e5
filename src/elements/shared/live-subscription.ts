/**
 * The live side of a progress element: follows one entity on the page's shared client while the
 * element is connected, keeps the newest state it delivered until the element's next frame takes
 * it, and keeps the facts of the connection an element shows (its state, when the next attempt
 * is due, when the data was last known to be current, whether events may have been missed).
 * Whatever changes asks the element to update.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConnectionState, EntityState, ProgressClient, ProgressSubscription } from '../../client/index.js';
import type { EntityFilter } from '../../protocol/entity.js';
import { getProgressClient, onProgressClientChange } from './configure.js';
import { followKey, owns, subscribeTo } from './follow-entity.js';
import { onProgressStringsChange } from './strings.js';

/** The connection as an element sees it: `unconfigured` while the page has no client yet. */
export type ViewConnection = ConnectionState | 'unconfigured';


/**
 * What the subscription reads of its element, through functions, at each of the element's
 * updates: it compares what `follow()` names with what it follows itself (by the entity's key).
 */
export interface LiveSource<S extends EntityState> {
  /** The entity the element's ids name now; undefined when they are not enough to follow anything. */
  follow(): EntityFilter | undefined;
  /** Whether a live state replaces the one shown; default: always. */
  accepts?(next: S, shown: object | undefined): boolean;
  /** The state the element shows now (set by the page or delivered here); only read. */
  shown(): object | undefined;
}

type Host = ReactiveControllerHost & HTMLElement;

export class LiveSubscription<S extends EntityState> implements ReactiveController {
  /** The state of the socket serving the element. */
  connection: ViewConnection = 'disconnected';
  /** While reconnecting: Date.now() when the next attempt is due. */
  retryAt: number | undefined;
  /** Date.now() when the shown data was last known to be current (a live update, or the moment the connection went down). */
  lastUpdateAt: number | undefined;
  /** Reconnected after an outage, and no update since: events of the outage may be lost. */
  gap = false;

  readonly #host: Host;
  readonly #source: LiveSource<S>;
  #subscription: ProgressSubscription | undefined;
  /** The key and client of the last sync, and whether a subscription was attempted for them while connected. */
  #key: string | undefined;
  #client: ProgressClient | undefined;
  #attached = false;
  #everConnected = false;
  #pending: S | undefined;
  /** The last live state handed to the element, and the URL of the client it came from. */
  #received: object | undefined;
  #receivedFrom: string | undefined;
  #offs: (() => void)[] = [];
  /** The state shown is about other ids or from another server: the element drops it at its next sync(). */
  #dropShown = false;

  constructor(host: Host, source: LiveSource<S>) {
    this.#host = host;
    this.#source = source;
    host.addController(this);
  }

  /** Whether the element has ids to follow (and so a connection worth talking about). */
  get following(): boolean {
    return this.#key !== undefined;
  }

  /** Whether `state` is what the subscription delivered (not a state the page set). */
  delivered(state: object | undefined): boolean {
    return state !== undefined && state === this.#received;
  }

  /** The newest state delivered since the last call, to show now; undefined when there is none. */
  take(): S | undefined {
    const next = this.#pending;
    this.#pending = undefined;
    if (next !== undefined) {
      // It replaces whatever was shown, the state to drop among it.
      this.#dropShown = false;
      this.#received = next;
      this.#receivedFrom = this.#client?.url;
    }
    return next;
  }

  /** Reconnects the element's socket at once (its "Retry now"). */
  reconnect(): void {
    this.#subscription?.reconnect().catch(() => undefined);
  }

  hostConnected(): void {
    this.#offs.push(
      onProgressClientChange(() => {
        this.#sync();
        this.#host.requestUpdate();
      }),
      onProgressStringsChange(() => this.#host.requestUpdate()),
    );
    this.#sync();
  }

  /**
   * Follows what the element's ids and the page's client say now (the element calls it before it
   * renders). True when the state shown no longer applies (another entity, or what another server
   * said): the element drops it; this controller never sets the element's state.
   */
  sync(): boolean {
    this.#sync();
    const drop = this.#dropShown;
    this.#dropShown = false;
    return drop;
  }

  hostDisconnected(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#detach();
    this.#pending = undefined;
  }

  /** Subscribes, resubscribes or unsubscribes to match the element's ids, the page's client and whether the element is connected. */
  #sync(): void {
    if (!this.#host.isConnected) return;
    const filter = this.#source.follow();
    const key = followKey(filter);
    const client = key === undefined ? undefined : getProgressClient();
    if (this.#attached && key === this.#key && client === this.#client) return;
    this.#detach();
    if (key !== this.#key || client !== this.#client) {
      // Another entity or another server: nothing known about the old one applies.
      const lastUpdateAt = this.lastUpdateAt;
      this.#pending = undefined;
      this.lastUpdateAt = this.retryAt = undefined;
      this.connection = 'disconnected';
      this.#everConnected = false;
      this.gap = false;
      // A state about another entity goes, and so does what another server said (not a state the page set).
      const shown = this.#dropShown ? undefined : this.#source.shown();
      const live = client !== undefined && shown !== undefined && shown === this.#received;
      if (shown !== undefined && ((key !== this.#key && !owns(filter, shown)) || (live && client.url !== this.#receivedFrom))) {
        this.#dropShown = true;
      } else if (live && key === this.#key && client !== this.#client) {
        // The same server through a new client, which knows nothing of what happened meanwhile: once
        // connected, the element says updates may have been missed, until a live update comes.
        this.#everConnected = true;
        this.lastUpdateAt = lastUpdateAt;
      }
    }
    this.#key = key;
    this.#client = client;
    this.#attached = true;
    if (key === undefined) return;
    if (!client) {
      this.connection = 'unconfigured';
      return;
    }
    const subscription: { current?: ProgressSubscription } = {};
    const live = () => subscription.current !== undefined && subscription.current === this.#subscription;
    try {
      this.#subscription = subscription.current = subscribeTo(client, filter!, {
        onState: (state) => {
          if (live()) this.#receive(state as S);
        },
        onConnectionChange: (state, detail) => {
          if (live()) this.#connectionChanged(state, detail.retryAt, true);
        },
      });
      // Known at once (subscribing starts connecting): the update under way shows it.
      this.#connectionChanged(this.#subscription.getConnectionState(), undefined, false);
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
    if (this.#source.accepts?.(state, this.#pending ?? (this.#dropShown ? undefined : this.#source.shown())) === false) return;
    this.#pending = state;
    this.lastUpdateAt = Date.now();
    this.gap = false;
    this.#host.requestUpdate();
  }

  #connectionChanged(state: ConnectionState, retryAt: number | undefined, update: boolean): void {
    const previous = this.connection;
    if (state === previous && retryAt === this.retryAt) return;
    if (previous === 'connected' && state !== 'connected') this.lastUpdateAt = Date.now();
    if (state === 'connected' && previous !== 'connected') {
      if (this.#everConnected) this.gap = true;
      this.#everConnected = true;
    }
    this.connection = state;
    this.retryAt = retryAt;
    if (update) this.#host.requestUpdate();
  }
}
