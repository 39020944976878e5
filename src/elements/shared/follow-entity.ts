/**
 * What an element follows, in the one model of an entity (src/protocol/entity.ts): the filter its
 * ids make, its key, whether a state is about it, and the subscription on the page's client.
 */
import type { ConnectionDetail, ConnectionState, EntityState, ProgressClient, ProgressSubscription } from '../../client/index.js';
import { filterKey, matches, type EntityFilter, type Ids } from '../../protocol/entity.js';

/** What the element hears of what it follows. */
export interface LiveHandlers<S> {
  onState(state: S): void;
  onConnectionChange(state: ConnectionState, detail: ConnectionDetail): void;
}

/** A filter's key; undefined without a filter (the element's ids are not enough to follow anything). */
export const followKey = (filter: EntityFilter | undefined): string | undefined => (filter === undefined ? undefined : filterKey(filter));

/** Whether a state (ids the page may have left out) is about the entity the filter names; never without a filter. */
export const owns = (filter: EntityFilter | undefined, state: Partial<Ids>): boolean =>
  filter !== undefined && matches(filter, filter.kind, state as Ids);

/** Subscribes on the page's client to the entity the filter names. */
export function subscribeTo(client: ProgressClient, filter: EntityFilter, on: LiveHandlers<EntityState>): ProgressSubscription {
  switch (filter.kind) {
    case 'task':
      return client.subscribeToTask({ projectId: filter.projectId, taskId: filter.taskId!, ...on });
    case 'workflow':
      return client.subscribeToWorkflow({ projectId: filter.projectId, workflowId: filter.workflowId, executionId: filter.executionId, ...on });
    case 'container':
      return client.subscribeToContainer({ projectId: filter.projectId, containerId: filter.containerId!, ...on });
  }
}
