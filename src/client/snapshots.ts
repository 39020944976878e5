/**
 * Snapshots: the current state of one entity, loaded when a view joins late or after the client
 * may have missed events. A loader is any async function; two are ready: one for the reference
 * server's snapshot endpoint and one for AInTandem's REST API.
 */
import { isObject } from '../protocol/objects.js';
import { matches, type EntityQuery } from '../protocol/entity.js';
import type { TokenSource } from './connection/reconnecting-socket.js';
import type { EntityState } from '../protocol/state/progress-store.js';

export { httpOriginOf } from './connection/socket-url.js';

/** The entity a snapshot is asked for: a task or a container of a project, an execution, or the latest execution of a workflow. */
export type SnapshotRequest = EntityQuery;

/**
 * Returns the entity's state, or undefined when the server does not know it. A state with `seq`
 * is ordered against live events by sequence number; without, by its `snapshotAt` time (events
 * stamped earlier are not applied over it); with neither, every live event is applied over it.
 * Errors are reported and otherwise ignored: live events go on.
 */
export type SnapshotLoader = (request: SnapshotRequest, signal: AbortSignal) => Promise<EntityState | undefined>;

export interface HttpLoaderOptions {
  token?: string;
  getToken?: TokenSource;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

async function authHeaders(options: HttpLoaderOptions): Promise<Record<string, string>> {
  const token = options.getToken ? await options.getToken() : options.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function getJson(url: string, options: HttpLoaderOptions, signal: AbortSignal): Promise<unknown> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const response = await fetchImpl(url, { headers: { accept: 'application/json', ...(await authHeaders(options)) }, signal });
  // Not known (404), or known to have nothing (204, what the reference server answers for an entity it has not seen).
  if (response.status === 404 || response.status === 204) return undefined;
  if (!response.ok) throw new Error(`snapshot request failed: HTTP ${response.status}`);
  return response.json();
}

/** A list whose every member passes `check`. */
const listOf = (v: unknown, check: (item: unknown) => boolean): boolean => Array.isArray(v) && v.every(check);
/** A step or a phase: the reducers and the elements rely on its id, name and status. */
const isStage = (v: unknown): boolean => isObject(v) && typeof v.id === 'string' && typeof v.name === 'string' && typeof v.status === 'string';
const isArtifact = (v: unknown): boolean => isObject(v) && typeof v.path === 'string';

/**
 * Checks that a value has the shape of an entity state (of any kind), down to the members of its
 * lists, so that bad data (a snapshot, a kept state) cannot corrupt state or break the reducers.
 */
export function isEntityState(v: unknown): v is EntityState {
  if (!isObject(v) || typeof v.status !== 'string' || typeof v.projectId !== 'string') return false;
  // What orders events against the state (limits.ts isStale).
  if ((v.seq !== undefined && !Number.isSafeInteger(v.seq)) || (v.snapshotAt !== undefined && typeof v.snapshotAt !== 'string')) return false;
  if (v.progress !== undefined && !Number.isFinite(v.progress)) return false;
  if ((v.name !== undefined && typeof v.name !== 'string') || (v.earlierUnknown !== undefined && typeof v.earlierUnknown !== 'boolean')) return false;
  switch (v.kind) {
    case 'task':
      return (
        typeof v.taskId === 'string' &&
        listOf(v.steps, isStage) &&
        listOf(v.output, (line) => typeof line === 'string') &&
        listOf(v.artifacts, isArtifact)
      );
    case 'workflow':
      return typeof v.executionId === 'string' && typeof v.workflowId === 'string' && listOf(v.phases, isStage);
    case 'container':
      return typeof v.containerId === 'string';
    default:
      return false;
  }
}

/** Checks that a value has the shape of the entity state asked for, so a bad answer cannot corrupt state. */
export function asEntityState(value: unknown, request: SnapshotRequest): EntityState | undefined {
  // A snapshot of another project's entity (ids are not unique across projects) is not the one asked for.
  return isEntityState(value) && matches(request, value.kind, value) ? value : undefined;
}

/**
 * Loads snapshots from the reference server (`GET {httpBase}/progress/snapshot?kind=…`).
 * `httpBase` is the server's HTTP origin, e.g. `http://localhost:9900`.
 */
export function referenceSnapshotLoader(httpBase: string, options: HttpLoaderOptions = {}): SnapshotLoader {
  const base = httpBase.replace(/\/+$/, '');
  return async (request, signal) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request)) if (value !== undefined) params.set(key, String(value));
    return asEntityState(await getJson(`${base}/progress/snapshot?${params}`, options, signal), request);
  };
}
