/**
 * The snapshots of a client that has a snapshot loader (snapshot-sync.ts), its code loaded on
 * demand: the client asks for it when it is made, and its sockets wait for it (`ready`) before they
 * open, so that a late join is asked for once a socket is open, as ever. What happens before it
 * is there (sockets made, views joining) is told to it once it is, in order.
 */
import type { ConnectionState, ProgressEvent } from '../protocol/events.js';
import type { EntityKind } from '../protocol/entity.js';
import type { ResyncReason } from './connection/sequence-tracker.js';
import type { PooledSocket } from './socket-pool.js';
import type { SnapshotSync, SyncHost, View } from './snapshot-sync.js';
import type { EntityState } from '../protocol/state/progress-store.js';

export class SnapshotSyncOnDemand {
  #sync: SnapshotSync | undefined;
  /** What happened before the code was there, to tell it in order. */
  #queue: ((sync: SnapshotSync) => void)[] | undefined = [];
  /** Settles once the code is there (or could not be loaded). */
  readonly ready: Promise<void>;

  constructor(host: SyncHost) {
    this.ready = import('./snapshot-sync.js').then(
      ({ SnapshotSync }) => {
        const queue = this.#queue;
        if (!queue) return;
        this.#queue = undefined;
        const sync = (this.#sync = new SnapshotSync(host));
        for (const told of queue) told(sync);
      },
      (error: unknown) => {
        // Views then keep what the live events give them.
        this.#queue = undefined;
        host.report(new Error('the snapshot code could not be loaded', { cause: error }));
      },
    );
  }

  /** Whether loads are under way (events are then held for them). */
  get loading(): boolean {
    return this.#sync?.loading ?? false;
  }

  opened(socket: PooledSocket): void {
    this.#tell((sync) => sync.opened(socket));
  }

  /**
   * A view joins an entity: a snapshot is loaded when `known` (its state when it joined) is not
   * enough. Before the code is there, what is known by then decides.
   */
  join(view: View, known: EntityState | undefined, find: () => EntityState | undefined): void {
    if (this.#sync) {
      if (this.#sync.needsLoad(known)) this.#sync.join(view);
      return;
    }
    this.#queue?.push((sync) => {
      if (view.active && sync.needsLoad(find())) sync.join(view);
    });
  }

  leave(view: View): void {
    // A view that leaves before the code is there never joined it (its join checks `active`).
    this.#sync?.leave(view);
  }

  stateChanged(socket: PooledSocket, state: ConnectionState): void {
    this.#tell((sync) => sync.stateChanged(socket, state));
  }

  resync(socket: PooledSocket, reason: ResyncReason): void {
    this.#tell((sync) => sync.resync(socket, reason));
  }

  hold(event: ProgressEvent, kind: EntityKind): void {
    this.#sync?.hold(event, kind);
  }

  close(): void {
    this.#queue = undefined;
    this.#sync?.close();
  }

  #tell(told: (sync: SnapshotSync) => void): void {
    if (this.#sync) told(this.#sync);
    else this.#queue?.push(told);
  }
}
