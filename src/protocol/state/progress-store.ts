/**
 * The current state of every task, workflow execution and container seen, reduced from events.
 * Bounded: past `maxEntities`, the oldest finished entities are forgotten first.
 */
import { definedOnly } from '../objects.js';
import { isContainerEvent, isTaskEvent, isWorkflowEvent, type ProgressEvent } from '../events.js';
import { entityKey, type EntityKind, type EntityQuery, type Ids } from '../entity.js';
import { containerFailed, initialContainerState, reduceContainer, type ContainerState } from './container-state.js';
import { DEFAULT_LIMITS, isStale, type StateLimits } from './limits.js';
import { initialTaskState, reduceTask, TERMINAL_TASK_STATUSES, type TaskState } from './task-state.js';
import { initialWorkflowState, reduceWorkflow, TERMINAL_WORKFLOW_STATUSES, type WorkflowState } from './workflow-state.js';

export type EntityState = TaskState | WorkflowState | ContainerState;

/** True when no event is expected to change the entity any more (a stopped container may still start again). */
export function isFinished(state: EntityState): boolean {
  switch (state.kind) {
    case 'task':
      return TERMINAL_TASK_STATUSES.has(state.status);
    case 'workflow':
      return TERMINAL_WORKFLOW_STATUSES.has(state.status);
    case 'container':
      return state.status === 'stopped' || containerFailed(state);
  }
}

export interface ProgressStoreOptions extends Partial<StateLimits> {
  /** Entities kept in all; default 2000. */
  maxEntities?: number;
}

const ids = (kind: EntityKind, projectId: string, id: string): Ids =>
  kind === 'task' ? { projectId, taskId: id } : kind === 'workflow' ? { projectId, executionId: id } : { projectId, containerId: id };

export class ProgressStore {
  /** Every state by its entity's key, oldest first. */
  readonly #states = new Map<string, EntityState>();
  /** workflowId -> the executionId seen last. */
  readonly #latestExecution = new Map<string, string>();
  readonly #limits: StateLimits;
  readonly #maxEntities: number;

  constructor(options: ProgressStoreOptions = {}) {
    const { maxEntities, ...limits } = options;
    this.#limits = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
    this.#maxEntities = maxEntities ?? 2000;
  }

  get size(): number {
    return this.#states.size;
  }

  getTask(projectId: string, taskId: string): TaskState | undefined {
    return this.#states.get(entityKey('task', ids('task', projectId, taskId))) as TaskState | undefined;
  }

  getWorkflow(executionId: string): WorkflowState | undefined {
    return this.#states.get(entityKey('workflow', ids('workflow', '', executionId))) as WorkflowState | undefined;
  }

  /** The execution of a workflow seen last. */
  getLatestWorkflow(workflowId: string): WorkflowState | undefined {
    const executionId = this.#latestExecution.get(workflowId);
    return executionId === undefined ? undefined : this.getWorkflow(executionId);
  }

  getContainer(projectId: string, containerId: string): ContainerState | undefined {
    return this.#states.get(entityKey('container', ids('container', projectId, containerId))) as ContainerState | undefined;
  }

  /**
   * The state a query names: a task, a container, an execution, or the latest execution of a
   * workflow; one of another project (or workflow) than the query says is not it.
   */
  find(query: EntityQuery): EntityState | undefined {
    switch (query.kind) {
      case 'task':
        return this.getTask(query.projectId, query.taskId);
      case 'container':
        return this.getContainer(query.projectId, query.containerId);
      case 'workflow': {
        const state = query.executionId !== undefined ? this.getWorkflow(query.executionId) : query.workflowId !== undefined ? this.getLatestWorkflow(query.workflowId) : undefined;
        if (!state || (query.projectId !== undefined && state.projectId !== query.projectId)) return undefined;
        return query.workflowId !== undefined && state.workflowId !== query.workflowId ? undefined : state;
      }
    }
  }

  /**
   * Applies an event and returns the entity's new state, or undefined when the event is older
   * than the state (its sequence number, or a snapshot's time, says so) and was not applied.
   */
  apply(event: ProgressEvent): EntityState | undefined {
    if (isTaskEvent(event)) {
      const key = entityKey('task', event);
      const prev = this.#states.get(key) as TaskState | undefined;
      if (isStale(prev, event)) return undefined;
      return this.#put(key, reduceTask(prev ?? initialTaskState(event.projectId, event.taskId), event, this.#limits), prev === undefined);
    }
    if (isWorkflowEvent(event)) {
      const key = entityKey('workflow', event);
      const prev = this.#states.get(key) as WorkflowState | undefined;
      if (isStale(prev, event)) return undefined;
      const next = reduceWorkflow(prev ?? initialWorkflowState(event.projectId, event.workflowId, event.executionId), event, this.#limits);
      // First seen, or its workflow first known (a REST execution does not name it).
      if ((prev === undefined || prev.workflowId === '') && next.workflowId !== '') this.#latestExecution.set(next.workflowId, event.executionId);
      return this.#put(key, next, prev === undefined);
    }
    const e = event as Extract<ProgressEvent, { containerId: string }>;
    if (!isContainerEvent(e)) throw new TypeError('not a progress event');
    const key = entityKey('container', e);
    const prev = this.#states.get(key) as ContainerState | undefined;
    if (isStale(prev, e)) return undefined;
    return this.#put(key, reduceContainer(prev ?? initialContainerState(e.projectId, e.containerId), e), prev === undefined);
  }

  /** Replaces an entity's state wholesale (a snapshot, or the app's own data). */
  set(state: EntityState): void {
    // '' is a workflow not known yet (AInTandem's REST execution does not name it), not a workflow.
    if (state.kind === 'workflow' && state.workflowId !== '') this.#latestExecution.set(state.workflowId, state.executionId);
    this.#put(entityKey(state.kind, state), state, true);
  }

  /**
   * Takes a snapshot unless the store already holds something newer (by sequence number, else by
   * `updatedAt`). Returns the state kept.
   */
  merge(snapshot: EntityState): EntityState {
    const current = this.get(snapshot);
    if (current) {
      if (current.seq !== undefined && snapshot.seq !== undefined && current.seq >= snapshot.seq) return current;
      if (snapshot.seq === undefined && current.updatedAt && snapshot.updatedAt && current.updatedAt > snapshot.updatedAt) return current;
    }
    this.set(snapshot);
    return snapshot;
  }

  /** The stored state of the entity a state is about. */
  get(like: EntityState): EntityState | undefined {
    return this.#states.get(entityKey(like.kind, like));
  }

  /** Every state held, oldest first. */
  states(): IterableIterator<EntityState> {
    return this.#states.values();
  }

  /**
   * Drops the sequence numbers of the states of a project (or of all): after a server starts a
   * new sequence, old numbers say nothing about new events.
   */
  forgetSequence(projectId?: string): void {
    for (const [key, state] of this.#states) {
      if (state.seq !== undefined && (projectId === undefined || state.projectId === projectId)) {
        const { seq: _seq, ...rest } = state;
        this.#states.set(key, rest as EntityState);
      }
    }
  }

  clear(): void {
    this.#states.clear();
    this.#latestExecution.clear();
  }

  #put<S extends EntityState>(key: string, state: S, added: boolean): S {
    this.#states.set(key, state);
    if (added && this.#states.size > this.#maxEntities) this.#evict();
    return state;
  }

  /** Forgets the oldest finished entity, or else the oldest one. */
  #evict(): void {
    let victim: [string, EntityState] | undefined;
    for (const entry of this.#states) {
      victim ??= entry;
      if (isFinished(entry[1])) {
        victim = entry;
        break;
      }
    }
    if (!victim) return;
    const [key, state] = victim;
    this.#states.delete(key);
    if (state.kind === 'workflow' && this.#latestExecution.get(state.workflowId) === state.executionId) this.#latestExecution.delete(state.workflowId);
  }
}
