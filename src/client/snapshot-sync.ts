/**
 * Keeps what views show current when events may have been missed: a view that joins an entity
 * late loads a snapshot (once its socket is open, so nothing published meanwhile is missed; at
 * once too while the socket cannot connect), live events that arrive while a snapshot is on its
 * way are applied on top of it, a reconnection that could not resume reloads what is on view, and
 * states held while no socket could catch them up are reloaded when a view shows them again.
 * Loaded on demand, by a client that has a snapshot loader (snapshot-sync-on-demand.ts).
 */
import type { ConnectionState, ProgressEvent } from '../protocol/events.js';
import { entityKey, filterKey, kindOf, matches, type EntityKind, type EntityQuery } from '../protocol/entity.js';
import type { ResyncReason } from './connection/sequence-tracker.js';
import type { SnapshotLoader } from './snapshots.js';
import type { PooledSocket } from './socket-pool.js';
import type { EntityState, ProgressStore } from '../protocol/state/progress-store.js';

/** Live events kept per snapshot load; past this, the snapshot is merged without them. */
const MAX_HELD_EVENTS = 10000;

/** A view, as far as snapshots go: the entity it shows and the socket that serves it. */
export interface View {
  readonly query: EntityQuery | undefined;
  readonly socket: PooledSocket;
  readonly active: boolean;
  /** The late-join load this view waits for, while its socket is not open. */
  waiting?: WaitingLoad | undefined;
}

/** A late-join snapshot to ask for once the socket is open. */
interface WaitingLoad {
  query: EntityQuery;
  /** Already loaded once while the socket could not connect, so that the views had something to show. */
  shown: boolean;
  /** The views waiting for it. */
  views: number;
}

interface Load {
  query: EntityQuery;
  controller: AbortController;
  /** The events of the entity that arrived while the snapshot was on its way. */
  events: ProgressEvent[];
  /** More arrived than are kept. */
  overflow: boolean;
  /** The sequence number of the state held when the load began. */
  seqBefore: number | undefined;
  /** The connection count when it began. */
  stamp: number;
  /** Asked for while the socket was not open: events may follow that the socket will not bring. */
  preview: boolean;
}

interface SocketSync {
  /** Late-join loads to ask for once the socket is open, by query key. */
  waiting: Map<string, WaitingLoad>;
  /** Stamp of the socket's latest connection. */
  connectedStamp: number;
}

/** A socket in these states is not expected to open soon (`connecting` is). */
const cannotConnect = (state: ConnectionState): boolean => state === 'reconnecting' || state === 'failed' || state === 'disconnected';

export interface SyncHost {
  readonly store: ProgressStore;
  readonly loader: SnapshotLoader;
  /** The views on view now. */
  views(): Iterable<View>;
  /** Tells the views of an entity its state. */
  show(state: EntityState): void;
  /** Where a failed load or a state that cannot be applied is reported. */
  report(error: unknown): void;
}

export class SnapshotSync {
  readonly #host: SyncHost;
  /** Counts socket connections: a load stamped before a socket's latest one predates it. */
  #connections = 0;
  readonly #loading = new Map<string, Load>();
  readonly #sockets = new WeakMap<PooledSocket, SocketSync>();
  /**
   * Entities (entityKey) whose state may have missed events: kept while no socket was open, or
   * across a reconnection that could not resume. A view that joins them loads a snapshot.
   */
  readonly #unconfirmed = new Set<string>();

  constructor(host: SyncHost) {
    this.#host = host;
  }

  /** Whether loads are under way (events are then held for them). */
  get loading(): boolean {
    return this.#loading.size > 0;
  }

  /**
   * A new socket; without a kept position, what is held for its projects cannot catch up by resume
   * (the client has forgotten their sequence numbers already).
   */
  opened(socket: PooledSocket): void {
    this.#sockets.set(socket, { waiting: new Map(), connectedStamp: 0 });
    if (!socket.resumes) this.#markUnconfirmed(socket.projectId);
  }

  /**
   * Whether a view showing this state should load a snapshot before trusting it: none is held, it
   * is unconfirmed, or it was built from events after the run began (a page-wide subscription saw
   * the run midway), so what came before (the plan, the start) is missing.
   */
  needsLoad(state: EntityState | undefined): boolean {
    return !state || (state.kind !== 'container' && state.earlierUnknown === true) || this.#unconfirmed.has(entityKey(state.kind, state));
  }

  /**
   * A view joins an entity whose state is unknown or unconfirmed. A snapshot taken before the
   * socket is open could miss what is published until then, so it is asked for once the socket
   * is open (the events from then on go on top of it); while the socket cannot connect, one is
   * loaded at once too, so the view has something to show meanwhile.
   */
  join(view: View): void {
    const query = view.query;
    if (!query) return;
    const state = view.socket.connection.state;
    if (state === 'connected') {
      this.#load(query);
      return;
    }
    const waiting = this.#of(view.socket).waiting;
    const key = filterKey(query);
    let load = waiting.get(key);
    if (!load) waiting.set(key, (load = { query, shown: false, views: 0 }));
    load.views++;
    view.waiting = load;
    if (!load.shown && cannotConnect(state)) {
      load.shown = true;
      this.#load(query, false, true);
    }
  }

  /** A view went: a load nobody waits for any more is not asked for. */
  leave(view: View): void {
    const load = view.waiting;
    view.waiting = undefined;
    if (!load || --load.views > 0) return;
    const waiting = this.#sockets.get(view.socket)?.waiting;
    const key = filterKey(load.query);
    if (waiting?.get(key) === load) waiting.delete(key);
  }

  stateChanged(socket: PooledSocket, state: ConnectionState): void {
    const sync = this.#of(socket);
    if (state === 'connected') sync.connectedStamp = ++this.#connections;
    if (sync.waiting.size === 0) return;
    if (state === 'connected') {
      const loads = [...sync.waiting.values()];
      sync.waiting.clear();
      for (const { query } of loads) this.#load(query, true);
    } else if (cannotConnect(state)) {
      for (const load of sync.waiting.values()) {
        if (load.shown) continue;
        load.shown = true;
        this.#load(load.query, false, true);
      }
    }
  }

  /**
   * After a reconnection that could not resume (`gap`, `epoch`, `reconnect`; the client tells the
   * views of one that did that what they show is current): reload the states on view.
   */
  resync(socket: PooledSocket, reason: ResyncReason): void {
    if (reason === 'resumed') return;
    this.#markUnconfirmed(socket.projectId);
    const queries = new Map<string, EntityQuery>();
    for (const view of this.#host.views()) if (view.active && view.socket === socket && view.query) queries.set(filterKey(view.query), view.query);
    for (const [key, query] of queries) {
      // A load under way from before this connection may have been answered before the events
      // that were missed; one begun on it has them.
      const running = this.#loading.get(key);
      this.#load(query, running !== undefined && running.stamp < this.#of(socket).connectedStamp);
    }
  }

  /** A live event: kept for the loads of its entity under way, to go on top of their snapshots. */
  hold(event: ProgressEvent, kind: EntityKind = kindOf(event)): void {
    for (const load of this.#loading.values()) {
      if (load.overflow || !matches(load.query, kind, event)) continue;
      if (load.events.length >= MAX_HELD_EVENTS) {
        load.overflow = true;
        load.events = [];
      } else {
        load.events.push(event);
      }
    }
  }

  close(): void {
    for (const load of this.#loading.values()) load.controller.abort();
    this.#loading.clear();
    this.#unconfirmed.clear();
  }

  #of(socket: PooledSocket): SocketSync {
    let sync = this.#sockets.get(socket);
    if (!sync) this.#sockets.set(socket, (sync = { waiting: new Map(), connectedStamp: 0 }));
    return sync;
  }

  /** The states of a project (or of all) may have missed events. */
  #markUnconfirmed(projectId: string | undefined): void {
    const store = this.#host.store;
    if (this.#unconfirmed.size > store.size) {
      // Some are of states the store has forgotten since.
      const held = new Set(Array.from(store.states(), (state) => entityKey(state.kind, state)));
      for (const key of this.#unconfirmed) if (!held.has(key)) this.#unconfirmed.delete(key);
    }
    for (const state of store.states()) {
      if (projectId === undefined || state.projectId === projectId) this.#unconfirmed.add(entityKey(state.kind, state));
    }
  }

  /** `restart`: ask again even when a load is under way; `preview`: asked for while the socket is not open, so it does not confirm the state. */
  #load(query: EntityQuery, restart = false, preview = false): void {
    const host = this.#host;
    const loader = host.loader;
    const key = filterKey(query);
    const running = this.#loading.get(key);
    if (running && !restart) return;
    running?.controller.abort();
    const load: Load = { query, controller: new AbortController(), events: [], overflow: false, seqBefore: host.store.find(query)?.seq, stamp: this.#connections, preview };
    this.#loading.set(key, load);
    let request: Promise<EntityState | undefined>;
    try {
      request = loader(query, load.controller.signal);
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      (snapshot) => {
        if (load.controller.signal.aborted) return;
        this.#loading.delete(key);
        if (snapshot) host.show(this.#take(snapshot, load));
      },
      (error: unknown) => {
        if (load.controller.signal.aborted) return;
        this.#loading.delete(key);
        host.report(new Error('snapshot loader failed', { cause: error }));
      },
    );
  }

  /**
   * The snapshot is the state as the server had it when asked, and the events that arrived while
   * it was on its way go on top of it (those it already holds are skipped by sequence number or
   * time). A snapshot older than what was held when it was asked for is not taken.
   */
  #take(snapshot: EntityState, load: Load): EntityState {
    const store = this.#host.store;
    if (load.overflow) return store.merge(snapshot);
    if (load.seqBefore !== undefined && snapshot.seq !== undefined && load.seqBefore > snapshot.seq) return store.get(snapshot) ?? snapshot;
    store.set(snapshot);
    const kind = snapshot.kind;
    const key = entityKey(kind, snapshot);
    for (const event of load.events) {
      if (kindOf(event) !== kind || entityKey(kind, event) !== key) continue;
      try {
        store.apply(event);
      } catch (error) {
        this.#host.report(new Error(`state update failed for ${event.type}`, { cause: error }));
      }
    }
    // A snapshot from before the socket opened may be overtaken by events the socket will not bring.
    if (load.preview) this.#unconfirmed.add(key);
    else this.#unconfirmed.delete(key);
    return store.get(snapshot) ?? snapshot;
  }
}
