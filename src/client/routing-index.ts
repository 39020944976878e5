/**
 * Subscriptions indexed by their filters, so that routing an event costs a fixed number of map
 * lookups (at most 10), however many subscriptions follow other entities.
 */
import type { ProgressEvent } from './events.js';
import type { EntityState } from './state/progress-store.js';

export type Kind = 'task' | 'workflow' | 'container' | 'progress';

/** The entity an event or a state is about. */
export type Target =
  | { kind: 'task'; projectId: string; taskId: string }
  | { kind: 'workflow'; projectId: string; workflowId: string; executionId: string }
  | { kind: 'container'; projectId: string; containerId: string };

export function targetOf(e: EntityState | ProgressEvent): Target {
  const o = e as { projectId: string; taskId?: string; executionId?: string; workflowId?: string; containerId?: string };
  if (o.taskId !== undefined) return { kind: 'task', projectId: o.projectId, taskId: o.taskId };
  if (o.executionId !== undefined) return { kind: 'workflow', projectId: o.projectId, workflowId: o.workflowId!, executionId: o.executionId };
  return { kind: 'container', projectId: o.projectId, containerId: o.containerId! };
}

const SEP = '\u0000';
const ANY = '\u0001*';

/**
 * The routing key of a kind of subscription (`t`ask, `w`orkflow, `c`ontainer, `p`rogress) and its
 * filters, undefined meaning any. Built on every event: plain concatenation.
 */
export const routeKey = (kind: 't' | 'w' | 'c' | 'p', a?: string, b?: string, c?: string): string =>
  kind + SEP + (a ?? ANY) + (kind === 'p' ? '' : SEP + (b ?? ANY) + (kind === 'w' ? SEP + (c ?? ANY) : ''));

/** One key per entity. */
export function entityKey(t: Target): string {
  return t.kind === 'task'
    ? routeKey('t', t.projectId, t.taskId)
    : t.kind === 'workflow'
      ? routeKey('w', undefined, undefined, t.executionId)
      : routeKey('c', t.projectId, t.containerId);
}

export interface Routed {
  kind: Kind;
  /** From routeKey(), with the subscription's filters. */
  key: string;
  active: boolean;
}

export class RoutingIndex<S extends Routed> {
  readonly #index = new Map<string, Set<S>>();
  /** Subscriptions of each kind: an event skips the lookups of kinds nobody subscribed to. */
  readonly #perKind: Record<Kind, number> = { task: 0, workflow: 0, container: 0, progress: 0 };

  add(sub: S): void {
    let set = this.#index.get(sub.key);
    if (!set) this.#index.set(sub.key, (set = new Set()));
    set.add(sub);
    this.#perKind[sub.kind]++;
  }

  delete(sub: S): void {
    const set = this.#index.get(sub.key);
    if (!set?.delete(sub)) return;
    if (set.size === 0) this.#index.delete(sub.key);
    this.#perKind[sub.kind]--;
  }

  /** Every subscription, in no particular order. */
  *all(): IterableIterator<S> {
    for (const set of this.#index.values()) yield* set;
  }

  /**
   * Calls `fn` for every active subscription whose filters match the entity, most specific first,
   * and, with `withProgress`, every progress subscription of its project or of all.
   */
  visit(target: Target, withProgress: boolean, fn: (sub: S) => void): void {
    const p = target.projectId;
    if (withProgress && this.#perKind.progress > 0) {
      this.#each(routeKey('p', p), fn);
      this.#each(routeKey('p'), fn);
    }
    if (this.#perKind[target.kind] === 0) return;
    if (target.kind === 'workflow') {
      const { workflowId: w, executionId: x } = target;
      this.#each(routeKey('w', p, w, x), fn);
      this.#each(routeKey('w', p, w), fn);
      this.#each(routeKey('w', p, undefined, x), fn);
      this.#each(routeKey('w', p), fn);
      this.#each(routeKey('w', undefined, w, x), fn);
      this.#each(routeKey('w', undefined, w), fn);
      this.#each(routeKey('w', undefined, undefined, x), fn);
      this.#each(routeKey('w'), fn);
    } else {
      const prefix = target.kind === 'task' ? 't' : 'c';
      const id = target.kind === 'task' ? target.taskId : target.containerId;
      this.#each(routeKey(prefix, p, id), fn);
      this.#each(routeKey(prefix, p), fn);
      this.#each(routeKey(prefix, undefined, id), fn);
      this.#each(routeKey(prefix), fn);
    }
  }

  #each(key: string, fn: (sub: S) => void): void {
    const set = this.#index.get(key);
    if (set) for (const sub of set) if (sub.active) fn(sub);
  }
}
