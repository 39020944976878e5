/**
 * The one model of "which entity": the filter that names tasks, workflow executions or
 * containers, its key, and its matcher. Routing, the store, snapshots, persistence, the server's
 * snapshot reads and the elements all use these.
 */
import { CONTAINER_EVENT_TYPES, TASK_EVENT_TYPES, type ProgressEvent } from './events.js';

export type EntityKind = 'task' | 'workflow' | 'container';

/** Names entities: each id it gives must match; an id left out matches any. */
export type EntityFilter =
  | { kind: 'task'; projectId?: string | undefined; taskId?: string | undefined }
  | { kind: 'workflow'; projectId?: string | undefined; workflowId?: string | undefined; executionId?: string | undefined }
  | { kind: 'container'; projectId?: string | undefined; containerId?: string | undefined };

/**
 * A filter that names one entity: a task or a container of a project, an execution, or the latest
 * execution of a workflow. What a view follows and a snapshot is asked for.
 */
export type EntityQuery =
  | { kind: 'task'; projectId: string; taskId: string }
  | { kind: 'workflow'; projectId?: string | undefined; workflowId?: string | undefined; executionId?: string | undefined }
  | { kind: 'container'; projectId: string; containerId: string };

/**
 * Exactly one entity: a task or a container of a project, or a workflow execution by its id
 * (unique across projects). What `identityOf` gives and an entity key stands for.
 */
export type EntityIdentity =
  | { kind: 'task'; projectId: string; taskId: string }
  | { kind: 'workflow'; executionId: string }
  | { kind: 'container'; projectId: string; containerId: string };

/** A run, which actions (cancel, pause, resume) are for: a task of a project, or a workflow execution. */
export type RunRef = Exclude<EntityIdentity, { kind: 'container' }>;

/** What a page can ask of a run: cancel a task or an execution, pause or resume an execution. */
export type RunAction = 'cancel' | 'pause' | 'resume';

/** The ids an event or a state carries (every event and every state is one). */
export interface Ids {
  projectId: string;
  taskId?: string;
  workflowId?: string;
  executionId?: string;
  containerId?: string;
}

const taskTypes: ReadonlySet<string> = new Set(TASK_EVENT_TYPES);
const containerTypes: ReadonlySet<string> = new Set(CONTAINER_EVENT_TYPES);

/** The kind of entity an event is about. */
export function kindOf(event: ProgressEvent): EntityKind {
  return taskTypes.has(event.type) ? 'task' : containerTypes.has(event.type) ? 'container' : 'workflow';
}

const SEP = '\u0000';
/**
 * The place of an id a filter leaves out, in keys and in routing's index: it matches any. No id
 * is meant to hold it (a control character).
 */
export const ANY_ID = '\u0001';
const ANY = ANY_ID;

/**
 * The ids a filter names, project first, in a fixed order per kind (workflow before execution),
 * `ANY_ID` where it leaves one out: the levels of routing's index.
 */
export function filterPath(f: EntityFilter): string[] {
  const p = f.projectId ?? ANY;
  switch (f.kind) {
    case 'task':
      return [p, f.taskId ?? ANY];
    case 'workflow':
      return [p, f.workflowId ?? ANY, f.executionId ?? ANY];
    case 'container':
      return [p, f.containerId ?? ANY];
  }
}

/** One key per filter: equal filters have equal keys. */
export function filterKey(f: EntityFilter): string {
  return f.kind[0] + SEP + filterPath(f).join(SEP);
}

/**
 * The filter that names exactly the entity of an event or a state: a task or a container by its
 * project and id, an execution by its id (unique across projects).
 */
export function identityOf(kind: EntityKind, ids: Ids): EntityIdentity {
  switch (kind) {
    case 'task':
      return { kind, projectId: ids.projectId, taskId: ids.taskId! };
    case 'workflow':
      return { kind, executionId: ids.executionId! };
    case 'container':
      return { kind, projectId: ids.projectId, containerId: ids.containerId! };
  }
}

/** The entity's key: the key of its identity (`filterKey(identityOf(kind, ids))`), without building the filter. */
export function entityKey(kind: EntityKind, ids: Ids): string {
  switch (kind) {
    case 'task':
      return 't' + SEP + ids.projectId + SEP + ids.taskId;
    case 'workflow':
      return 'w' + SEP + ANY + SEP + ANY + SEP + ids.executionId;
    case 'container':
      return 'c' + SEP + ids.projectId + SEP + ids.containerId;
  }
}

/** The identity an entity key stands for (the inverse of `entityKey`), or undefined for a string that is not one. */
export function parseEntityKey(key: string): EntityIdentity | undefined {
  const [kind, p, a, b, ...rest] = key.split(SEP);
  if (rest.length > 0) return undefined;
  if (kind === 't' && p && p !== ANY && a !== undefined && a !== ANY && b === undefined) return { kind: 'task', projectId: p, taskId: a };
  if (kind === 'c' && p && p !== ANY && a !== undefined && a !== ANY && b === undefined) return { kind: 'container', projectId: p, containerId: a };
  if (kind === 'w' && p === ANY && a === ANY && b !== undefined && b !== ANY) return { kind: 'workflow', executionId: b };
  return undefined;
}

/** Whether the entity of `kind` with `ids` is one the filter names. */
export function matches(f: EntityFilter, kind: EntityKind, ids: Ids): boolean {
  if (f.kind !== kind || (f.projectId !== undefined && f.projectId !== ids.projectId)) return false;
  switch (f.kind) {
    case 'task':
      return f.taskId === undefined || f.taskId === ids.taskId;
    case 'workflow':
      return (f.executionId === undefined || f.executionId === ids.executionId) && (f.workflowId === undefined || f.workflowId === ids.workflowId);
    case 'container':
      return f.containerId === undefined || f.containerId === ids.containerId;
  }
}

/** The filter as a query when it names one entity (a snapshot can be asked for), else undefined. */
export function asQuery(f: EntityFilter): EntityQuery | undefined {
  switch (f.kind) {
    case 'task':
      return f.projectId !== undefined && f.taskId !== undefined ? { kind: 'task', projectId: f.projectId, taskId: f.taskId } : undefined;
    case 'workflow':
      return f.executionId !== undefined || f.workflowId !== undefined ? compact(f) : undefined;
    case 'container':
      return f.projectId !== undefined && f.containerId !== undefined ? { kind: 'container', projectId: f.projectId, containerId: f.containerId } : undefined;
  }
}

/** A workflow query without the ids it leaves out (so that it serialises as it reads). */
function compact(f: Extract<EntityFilter, { kind: 'workflow' }>): EntityQuery {
  const q: Extract<EntityQuery, { kind: 'workflow' }> = { kind: 'workflow' };
  if (f.projectId !== undefined) q.projectId = f.projectId;
  if (f.workflowId !== undefined) q.workflowId = f.workflowId;
  if (f.executionId !== undefined) q.executionId = f.executionId;
  return q;
}
