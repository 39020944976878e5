/**
 * The current state of every task, workflow execution and container seen, reduced from events.
 * Bounded: past `maxEntities`, the oldest finished entities are forgotten first.
 */
import { definedOnly } from '../objects.js';
import { isContainerEvent, isTaskEvent, isWorkflowEvent, type ProgressEvent } from '../events.js';
import { containerFailed, initialContainerState, reduceContainer, type ContainerState } from './container-state.js';
import { DEFAULT_LIMITS, isStale, type StateLimits } from './limits.js';
import { initialTaskState, reduceTask, TERMINAL_TASK_STATUSES, type TaskState } from './task-state.js';
import { initialWorkflowState, reduceWorkflow, TERMINAL_WORKFLOW_STATUSES, type WorkflowState } from './workflow-state.js';

export type EntityState = TaskState | WorkflowState | ContainerState;

const SEP = '\u0000';
/** The key of a task or a container in its map: ids are unique within a project. */
const keyOf = (projectId: string, id: string): string => projectId + SEP + id;

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

export class ProgressStore {
  readonly #tasks = new Map<string, TaskState>();
  readonly #workflows = new Map<string, WorkflowState>();
  readonly #containers = new Map<string, ContainerState>();
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
    return this.#tasks.size + this.#workflows.size + this.#containers.size;
  }

  getTask(projectId: string, taskId: string): TaskState | undefined {
    return this.#tasks.get(keyOf(projectId, taskId));
  }

  getWorkflow(executionId: string): WorkflowState | undefined {
    return this.#workflows.get(executionId);
  }

  /** The execution of a workflow seen last. */
  getLatestWorkflow(workflowId: string): WorkflowState | undefined {
    const executionId = this.#latestExecution.get(workflowId);
    return executionId === undefined ? undefined : this.#workflows.get(executionId);
  }

  getContainer(projectId: string, containerId: string): ContainerState | undefined {
    return this.#containers.get(keyOf(projectId, containerId));
  }

  /**
   * Applies an event and returns the entity's new state, or undefined when the event is older
   * than the state (its sequence number, or a snapshot's time, says so) and was not applied.
   */
  apply(event: ProgressEvent): EntityState | undefined {
    if (isTaskEvent(event)) {
      const key = keyOf(event.projectId, event.taskId);
      const prev = this.#tasks.get(key);
      if (isStale(prev, event)) return undefined;
      const next = reduceTask(prev ?? initialTaskState(event.projectId, event.taskId), event, this.#limits);
      return this.#put(this.#tasks, key, next, prev === undefined);
    }
    if (isWorkflowEvent(event)) {
      const prev = this.#workflows.get(event.executionId);
      if (isStale(prev, event)) return undefined;
      const next = reduceWorkflow(prev ?? initialWorkflowState(event.projectId, event.workflowId, event.executionId), event, this.#limits);
      // First seen, or its workflow first known (a REST execution does not name it).
      if ((prev === undefined || prev.workflowId === '') && next.workflowId !== '') this.#latestExecution.set(next.workflowId, event.executionId);
      return this.#put(this.#workflows, event.executionId, next, prev === undefined);
    }
    const e = event as Extract<ProgressEvent, { containerId: string }>;
    if (!isContainerEvent(e)) throw new TypeError('not a progress event');
    const key = keyOf(e.projectId, e.containerId);
    const prev = this.#containers.get(key);
    if (isStale(prev, e)) return undefined;
    const next = reduceContainer(prev ?? initialContainerState(e.projectId, e.containerId), e);
    return this.#put(this.#containers, key, next, prev === undefined);
  }

  /** Replaces an entity's state wholesale (a snapshot, or the app's own data). */
  set(state: EntityState): void {
    switch (state.kind) {
      case 'task':
        this.#put(this.#tasks, keyOf(state.projectId, state.taskId), state, true);
        break;
      case 'workflow':
        // '' is a workflow not known yet (AInTandem's REST execution does not name it), not a workflow.
        if (state.workflowId !== '') this.#latestExecution.set(state.workflowId, state.executionId);
        this.#put(this.#workflows, state.executionId, state, true);
        break;
      case 'container':
        this.#put(this.#containers, keyOf(state.projectId, state.containerId), state, true);
        break;
    }
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
    switch (like.kind) {
      case 'task':
        return this.getTask(like.projectId, like.taskId);
      case 'workflow':
        return this.getWorkflow(like.executionId);
      case 'container':
        return this.getContainer(like.projectId, like.containerId);
    }
  }

  /** Every state held. */
  *states(): IterableIterator<EntityState> {
    yield* this.#tasks.values();
    yield* this.#workflows.values();
    yield* this.#containers.values();
  }

  /**
   * Drops the sequence numbers of the states of a project (or of all): after a server starts a
   * new sequence, old numbers say nothing about new events.
   */
  forgetSequence(projectId?: string): void {
    for (const map of [this.#tasks, this.#workflows, this.#containers] as Map<string, EntityState>[]) {
      for (const [key, state] of map) {
        if (state.seq !== undefined && (projectId === undefined || state.projectId === projectId)) {
          const { seq: _seq, ...rest } = state;
          map.set(key, rest as EntityState);
        }
      }
    }
  }

  clear(): void {
    this.#tasks.clear();
    this.#workflows.clear();
    this.#containers.clear();
    this.#latestExecution.clear();
  }

  #put<S extends EntityState>(map: Map<string, S>, key: string, state: S, added: boolean): S {
    map.set(key, state);
    if (added && this.size > this.#maxEntities) this.#evict();
    return state;
  }

  /** Forgets the oldest finished entity, or else the oldest one. */
  #evict(): void {
    for (const map of [this.#tasks, this.#workflows, this.#containers] as Map<string, EntityState>[]) {
      for (const [key, state] of map) {
        if (isFinished(state)) {
          this.#forget(map, key, state);
          return;
        }
      }
    }
    for (const map of [this.#tasks, this.#workflows, this.#containers] as Map<string, EntityState>[]) {
      const first = map.entries().next();
      if (!first.done) {
        this.#forget(map, first.value[0], first.value[1]);
        return;
      }
    }
  }

  #forget(map: Map<string, EntityState>, key: string, state: EntityState): void {
    map.delete(key);
    if (state.kind === 'workflow' && this.#latestExecution.get(state.workflowId) === state.executionId) {
      this.#latestExecution.delete(state.workflowId);
    }
  }
}
