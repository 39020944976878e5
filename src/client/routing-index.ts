/**
 * Subscriptions indexed by their filters, so that routing an event costs a fixed number of map
 * lookups (at most 8 for a workflow, 4 for a task or container, 2 for the progress subscriptions),
 * however many subscriptions follow other entities; and no key is built per event.
 */
import { ANY_ID as ANY, filterPath, type EntityFilter, type EntityKind, type Ids } from '../protocol/entity.js';

/** What a subscription follows: entities (a filter), or every event of a project or of all (`progress`). */
export type RouteFilter = EntityFilter | { kind: 'progress'; projectId?: string | undefined };

export interface Routed {
  filter: RouteFilter;
  active: boolean;
}

type Level = Map<string, Level | Set<unknown>>;

/** The levels of the index a filter is kept under: the entity model's path, or the project of a progress subscription. */
function path(f: RouteFilter): string[] {
  return f.kind === 'progress' ? [f.projectId ?? ANY] : filterPath(f);
}

export class RoutingIndex<S extends Routed> {
  readonly #roots: Record<RouteFilter['kind'], Level> = { task: new Map(), workflow: new Map(), container: new Map(), progress: new Map() };
  /** Subscriptions of each kind: an event skips the lookups of kinds nobody subscribed to. */
  readonly #perKind: Record<RouteFilter['kind'], number> = { task: 0, workflow: 0, container: 0, progress: 0 };

  add(sub: S): void {
    const ids = path(sub.filter);
    let level = this.#roots[sub.filter.kind];
    for (let i = 0; i < ids.length - 1; i++) {
      const id = ids[i]!;
      let next = level.get(id) as Level | undefined;
      if (!next) level.set(id, (next = new Map()));
      level = next;
    }
    const last = ids[ids.length - 1]!;
    let set = level.get(last) as Set<S> | undefined;
    if (!set) level.set(last, (set = new Set()));
    set.add(sub);
    this.#perKind[sub.filter.kind]++;
  }

  delete(sub: S): void {
    const ids = path(sub.filter);
    const levels: Level[] = [this.#roots[sub.filter.kind]];
    for (let i = 0; i < ids.length - 1; i++) {
      const next = levels[i]!.get(ids[i]!) as Level | undefined;
      if (!next) return;
      levels.push(next);
    }
    const last = ids[ids.length - 1]!;
    const set = levels[levels.length - 1]!.get(last) as Set<S> | undefined;
    if (!set?.delete(sub)) return;
    this.#perKind[sub.filter.kind]--;
    // Empty levels go, so that entities followed once cost nothing afterwards.
    if (set.size === 0) levels[levels.length - 1]!.delete(last);
    for (let i = levels.length - 1; i > 0; i--) {
      if (levels[i]!.size > 0) break;
      levels[i - 1]!.delete(ids[i - 1]!);
    }
  }

  /** Every subscription, in no particular order. */
  *all(): IterableIterator<S> {
    for (const root of Object.values(this.#roots)) yield* walk(root) as IterableIterator<S>;
  }

  /**
   * Adds to `into` every active subscription whose filter matches the entity of `kind` with
   * `ids`, and, with `withProgress`, every progress subscription of its project or of all: most
   * specific first. Nothing is called meanwhile, so callers deliver after the walk.
   */
  collect(kind: EntityKind, ids: Ids, withProgress: boolean, into: Matches<S>): Matches<S> {
    const p = ids.projectId;
    if (withProgress && this.#perKind.progress > 0) {
      const root = this.#roots.progress;
      add(root.get(p), into);
      add(root.get(ANY), into);
    }
    if (this.#perKind[kind] === 0) return into;
    const root = this.#roots[kind];
    if (kind === 'workflow') {
      twoLevels(root.get(p) as Level | undefined, ids.workflowId!, ids.executionId!, into);
      twoLevels(root.get(ANY) as Level | undefined, ids.workflowId!, ids.executionId!, into);
    } else {
      const id = kind === 'task' ? ids.taskId! : ids.containerId!;
      oneLevel(root.get(p) as Level | undefined, id, into);
      oneLevel(root.get(ANY) as Level | undefined, id, into);
    }
    return into;
  }
}

/**
 * The subscriptions an event matched: `list[0..count)`. Reused from event to event (emptied with
 * `clear()`, which keeps its storage): no array per event.
 */
export class Matches<S> {
  list: S[] = [];
  count = 0;
  clear(): void {
    // Emptied by hand: fill() costs more than the two or three slots an event uses.
    const list = this.list;
    for (let i = 0; i < this.count; i++) list[i] = undefined as S;
    this.count = 0;
  }
}

function oneLevel(level: Level | undefined, id: string, into: Matches<unknown>): void {
  if (!level) return;
  add(level.get(id), into);
  add(level.get(ANY), into);
}

function twoLevels(level: Level | undefined, first: string, second: string, into: Matches<unknown>): void {
  if (!level) return;
  oneLevel(level.get(first) as Level | undefined, second, into);
  oneLevel(level.get(ANY) as Level | undefined, second, into);
}

/** forEach with a plain function and the matches as `this`: no iterator or closure per call. */
function add(set: Level | Set<unknown> | undefined, into: Matches<unknown>): void {
  if (set) (set as Set<Routed>).forEach(addActive, into);
}

function addActive(this: Matches<unknown>, sub: Routed): void {
  if (sub.active) this.list[this.count++] = sub;
}

function* walk(level: Level): IterableIterator<unknown> {
  for (const child of level.values()) {
    if (child instanceof Set) yield* child;
    else yield* walk(child);
  }
}
