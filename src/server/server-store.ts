/**
 * The entity states a server answers reads from (in memory for a journal, and beside the stream
 * for a Redis log), with the latest execution of each workflow kept per project: a run of
 * `deploy` in one project never changes which execution a read of `deploy` in another project
 * finds. A read of a workflow that names no project looks only within the projects it may see.
 */
import { ProgressStore, type EntityState } from '../protocol/state/progress-store.js';
import { isWorkflowEvent, type ProgressEvent } from '../protocol/events.js';
import type { WorkflowState } from '../protocol/state/workflow-state.js';
import type { SnapshotQuery } from './entity-states.js';

/** The latest execution of a workflow in one project, and when it became the latest (for reads across projects). */
interface Latest {
  executionId: string;
  /** The number of the event that made it the latest (0 when unknown), then the order it was noted in. */
  seq: number;
  noted: number;
}

export class ServerStore {
  readonly #store: ProgressStore;
  readonly #maxEntities: number;
  /** workflowId -> projectId -> its latest execution there. */
  readonly #latest = new Map<string, Map<string, Latest>>();
  #size = 0;
  #noted = 0;

  constructor(maxEntities: number) {
    this.#maxEntities = maxEntities;
    this.#store = new ProgressStore({ maxEntities });
  }

  /** Applies an event (see ProgressStore.apply); an execution first seen, or whose workflow is first known, becomes its workflow's latest in its project. */
  apply(event: ProgressEvent): EntityState | undefined {
    const before = isWorkflowEvent(event) ? this.#store.getWorkflow(event.executionId) : undefined;
    const state = this.#store.apply(event);
    if (state?.kind === 'workflow' && state.workflowId !== '' && (before === undefined || before.workflowId === '')) this.#note(state, event.seq ?? 0);
    return state;
  }

  /**
   * Replaces an entity's state wholesale (loaded from Redis, in no order): an execution becomes
   * its workflow's latest in its project unless the one there has a newer event (by number).
   */
  set(state: EntityState): void {
    this.#store.set(state);
    if (state.kind !== 'workflow' || state.workflowId === '') return;
    const current = this.#latest.get(state.workflowId)?.get(state.projectId);
    const seq = state.seq ?? 0;
    if (current && current.executionId !== state.executionId && current.seq > seq && this.#execution(current, state.projectId, state.workflowId)) return;
    this.#note(state, seq);
  }

  /**
   * The state a query names. A workflow by `workflowId` alone is its latest execution in the
   * query's project or, without one, the latest among the projects `visible` accepts (every
   * project when not given).
   */
  find(query: SnapshotQuery, visible?: (projectId: string) => boolean): EntityState | undefined {
    if (query.kind !== 'workflow' || query.executionId !== undefined || query.workflowId === undefined) return this.#store.find(query);
    const byProject = this.#latest.get(query.workflowId);
    if (!byProject) return undefined;
    if (query.projectId !== undefined) {
      const latest = byProject.get(query.projectId);
      return latest && this.#execution(latest, query.projectId, query.workflowId);
    }
    let found: { state: WorkflowState; latest: Latest } | undefined;
    for (const [projectId, latest] of byProject) {
      if (visible && !visible(projectId)) continue;
      if (found && (latest.seq < found.latest.seq || (latest.seq === found.latest.seq && latest.noted < found.latest.noted))) continue;
      const state = this.#execution(latest, projectId, query.workflowId);
      if (state) found = { state, latest };
    }
    return found?.state;
  }

  /** Every state held, oldest first. */
  states(): IterableIterator<EntityState> {
    return this.#store.states();
  }

  /** Drops every state's sequence number (a new epoch): the runs noted before it come before those of the new one. */
  forgetSequence(): void {
    this.#store.forgetSequence();
    for (const byProject of this.#latest.values()) for (const latest of byProject.values()) latest.seq = 0;
  }

  clear(): void {
    this.#store.clear();
    this.#latest.clear();
    this.#size = 0;
  }

  /** The execution a latest entry names, when the store still holds it as that project's run of that workflow. */
  #execution(latest: Latest, projectId: string, workflowId: string): WorkflowState | undefined {
    const state = this.#store.getWorkflow(latest.executionId);
    return state && state.projectId === projectId && state.workflowId === workflowId ? state : undefined;
  }

  #note(state: WorkflowState, seq: number): void {
    let byProject = this.#latest.get(state.workflowId);
    if (!byProject) this.#latest.set(state.workflowId, (byProject = new Map()));
    if (!byProject.has(state.projectId)) this.#size++;
    byProject.set(state.projectId, { executionId: state.executionId, seq, noted: ++this.#noted });
    if (this.#size > this.#maxEntities * 2) this.#prune();
  }

  /** Forgets the entries whose execution the store no longer holds: at most `maxEntities` stay. */
  #prune(): void {
    for (const [workflowId, byProject] of this.#latest) {
      for (const [projectId, latest] of byProject) {
        if (this.#execution(latest, projectId, workflowId)) continue;
        byProject.delete(projectId);
        this.#size--;
      }
      if (byProject.size === 0) this.#latest.delete(workflowId);
    }
  }
}
