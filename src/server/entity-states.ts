/**
 * The current state of each entity, as the server answers snapshot and REST reads: the seam
 * between the reads and whatever keeps the states (the in-memory journal, or Redis beside the
 * stream).
 */
import type { EntityState } from '../protocol/state/progress-store.js';
import type { EntityQuery } from '../protocol/entity.js';

/** Which entity a snapshot read names: the one model of an entity (src/protocol/entity.ts). */
export type SnapshotQuery = EntityQuery;

export interface EntityStates {
  /**
   * The current state of an entity, with the sequence number of the newest event reflected in it
   * (`seq`); undefined when the entity is unknown. The latest execution of a workflow is kept per
   * project: a query with `projectId` finds that project's, one without it the latest among the
   * projects `visible` accepts (a read's token: those it may see), every project's when not given.
   */
  snapshot(query: SnapshotQuery, visible?: (projectId: string) => boolean): EntityState | undefined | Promise<EntityState | undefined>;
}
