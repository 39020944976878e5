/**
 * The current state of each entity, as the server answers snapshot and REST reads: the seam
 * between the reads and whatever keeps the states (the in-memory journal, or Redis beside the
 * stream).
 */
import type { EntityState } from '../client/state/progress-store.js';
import type { EntityQuery } from '../client/entity.js';

/** Which entity a snapshot read names: the client's one model of an entity (src/client/entity.ts). */
export type SnapshotQuery = EntityQuery;

export interface EntityStates {
  /**
   * The current state of an entity, with the sequence number of the newest event reflected in it
   * (`seq`); undefined when the entity is unknown.
   */
  snapshot(query: SnapshotQuery): EntityState | undefined | Promise<EntityState | undefined>;
}
