/**
 * The current state of each entity, as the server answers snapshot and REST reads: the seam
 * between the reads and whatever keeps the states (the in-memory journal, or Redis beside the
 * stream).
 */
import type { EntityState } from '../client/state/progress-store.js';
import type { ProgressStore } from '../client/state/progress-store.js';

/** Which entity a snapshot read names. */
export type SnapshotQuery =
  | { kind: 'task'; projectId: string; taskId: string }
  | { kind: 'workflow'; executionId?: string; workflowId?: string }
  | { kind: 'container'; projectId: string; containerId: string };

export interface EntityStates {
  /**
   * The current state of an entity, with the sequence number of the newest event reflected in it
   * (`seq`); undefined when the entity is unknown.
   */
  snapshot(query: SnapshotQuery): EntityState | undefined | Promise<EntityState | undefined>;
}

/** A query answered from a store of states. */
export function lookUp(store: ProgressStore, query: SnapshotQuery): EntityState | undefined {
  switch (query.kind) {
    case 'task':
      return store.getTask(query.projectId, query.taskId);
    case 'workflow':
      return query.executionId !== undefined
        ? store.getWorkflow(query.executionId)
        : query.workflowId !== undefined
          ? store.getLatestWorkflow(query.workflowId)
          : undefined;
    case 'container':
      return store.getContainer(query.projectId, query.containerId);
  }
}
