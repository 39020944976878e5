/**
 * The subscriptions of a ProgressClient, routed by id, and what reaches them: each event of a
 * frame in order, then the state it leaves (once per entity per frame), and the state at once for
 * a subscriber to an entity already known.
 */
import type { ProgressEvent } from '../protocol/events.js';
import { entityKey, filterKey, kindOf, type EntityKind, type EntityQuery } from '../protocol/entity.js';
import type { EntityState, ProgressStore } from '../protocol/state/progress-store.js';
import { Matches, RoutingIndex } from './routing-index.js';
import type { PooledSocket } from './socket-pool.js';
import { deliverEvent, deliverState, type Subscription } from './subscription.js';

/** What holds events back while snapshots load (snapshot-sync.ts), when there is one. */
export interface EventHold {
  readonly loading: boolean;
  hold(event: ProgressEvent, kind: EntityKind): void;
}

export class Views {
  readonly #store: ProgressStore;
  readonly #onError: (error: unknown) => void;
  readonly #hold: () => EventHold | undefined;
  readonly #routes = new RoutingIndex<Subscription>();
  /** The subscriptions of the event being dispatched (reused: no array per event). */
  readonly #scratch = new Matches<Subscription>();
  #count = 0;
  /** Events not applied to the state because it already held something newer (a snapshot). */
  #stale = 0;

  constructor(store: ProgressStore, onError: (error: unknown) => void, hold: () => EventHold | undefined) {
    this.#store = store;
    this.#onError = onError;
    this.#hold = hold;
  }

  get count(): number {
    return this.#count;
  }

  get staleEvents(): number {
    return this.#stale;
  }

  add(sub: Subscription): void {
    this.#routes.add(sub);
    this.#count++;
  }

  delete(sub: Subscription): void {
    this.#routes.delete(sub);
    this.#count--;
  }

  all(): IterableIterator<Subscription> {
    return this.#routes.all();
  }

  /** The states of the entities on view, at most `max`. */
  statesOnView(max: number): EntityState[] {
    const states = new Map<string, EntityState>();
    for (const sub of this.#routes.all()) {
      const state = sub.query && this.#store.find(sub.query);
      if (state && states.size < max) states.set(entityKey(state.kind, state), state);
    }
    return [...states.values()];
  }

  /**
   * The events of one frame. Each event reaches onEvent (and onComplete/onFailed/onCancelled) in
   * order; onState is called once per entity per frame, with the state after the whole frame.
   */
  readonly dispatch = (events: ProgressEvent[]): void => {
    const batch = events.length > 1;
    /** A batch's newest state of each entity, by entity key, in the order they first changed. */
    let changed: Map<string, EntityState> | undefined;
    const onError = this.#onError;
    const hold = this.#hold();
    for (const event of events) {
      const kind = kindOf(event);
      if (hold?.loading) hold.hold(event, kind);
      let state: EntityState | undefined;
      try {
        state = this.#store.apply(event);
      } catch (error) {
        // A state the reducers cannot take (bad data set by the app): this event still reaches
        // onEvent, and the rest of the frame goes on.
        onError(new Error(`state update failed for ${event.type}`, { cause: error }));
      }
      // Every event reaches onEvent once; one older than a snapshot already held leaves the state as it is.
      if (!state) this.#stale++;
      // One walk of the index; every subscriber hears the event before any hears the state.
      const matched = this.#routes.collect(kind, event, true, this.#scratch.count === 0 ? this.#scratch : new Matches());
      const { list, count } = matched;
      for (let i = 0; i < count; i++) if (list[i]!.active) deliverEvent(list[i]!, event, onError);
      if (batch) {
        if (state) (changed ??= new Map()).set(entityKey(kind, event), state);
      } else if (state) {
        for (let i = 0; i < count; i++) if (list[i]!.active && list[i]!.filter.kind !== 'progress') deliverState(list[i]!, state, onError);
      }
      matched.clear();
    }
    if (changed) for (const state of changed.values()) this.show(state);
  };

  /** Tells the views of an entity its state. */
  show(state: EntityState): void {
    const { list, count } = this.#routes.collect(state.kind, state, false, new Matches());
    for (let i = 0; i < count; i++) if (list[i]!.active) deliverState(list[i]!, state, this.#onError);
  }

  /** Tells the views of a socket that what they show is current. */
  confirm(socket: PooledSocket): void {
    const queries = new Map<string, EntityQuery>();
    for (const view of this.#routes.all()) if (view.active && view.socket === socket && view.query) queries.set(filterKey(view.query), view.query);
    for (const query of queries.values()) {
      const state = this.#store.find(query);
      if (state) this.show(state);
    }
  }

  /** A new subscriber to an entity already seen gets its state at once (in a microtask). */
  replay(sub: Subscription, state: EntityState): void {
    queueMicrotask(() => {
      if (sub.active) deliverState(sub, state, this.#onError);
    });
  }
}
