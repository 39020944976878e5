/**
 * The ordered list of a run's stages (a task's steps, an execution's phases): pending entries from
 * the run's plan, then each entry moving through its statuses as its events arrive.
 */

/** What the list needs of a stage. */
export interface Stage {
  id: string;
  status: string;
}

/** A stage as a plan names it. */
export interface PlannedStage {
  id: string;
  name: string;
}

/**
 * The list with a plan applied: the plan's stages in its order (those already known keep their
 * state, the others come in as `pending(stage)`), and each known stage the plan does not name
 * after the stage it followed before.
 */
export function withPlan<S extends Stage>(list: readonly S[], plan: readonly PlannedStage[], pending: (stage: PlannedStage) => S): S[] {
  const known = new Map(list.map((stage) => [stage.id, stage]));
  const seen = new Set<string>();
  const result: S[] = [];
  for (const stage of plan) {
    if (seen.has(stage.id)) continue;
    seen.add(stage.id);
    result.push(known.get(stage.id) ?? pending(stage));
  }
  // Known stages outside the plan, each after the one before it (or first).
  let previous: string | undefined;
  for (const stage of list) {
    if (!seen.has(stage.id)) {
      const at = previous === undefined ? 0 : result.findIndex((s) => s.id === previous) + 1;
      result.splice(at, 0, stage);
      seen.add(stage.id);
    }
    previous = stage.id;
  }
  return result;
}

/**
 * The list with a stage it did not hold: after the last stage that has begun (so before the
 * plan's pending ones), or first when none has.
 */
export function withNewStage<S extends Stage>(list: readonly S[], stage: S): S[] {
  let at = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.status !== 'pending') {
      at = i + 1;
      break;
    }
  }
  return [...list.slice(0, at), stage, ...list.slice(at)];
}

/** The index of the stage with this id, or -1. */
export function indexOf(list: readonly Stage[], id: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return i;
  return -1;
}

/** The list replaced at one index. */
export function withStageAt<S extends Stage>(list: readonly S[], index: number, stage: S): S[] {
  const next = list.slice();
  next[index] = stage;
  return next;
}

/** Drops from the front past `cap`; returns the list and how many were dropped. */
export function capStages<S>(list: S[], cap: number): { list: S[]; dropped: number } {
  return list.length <= cap ? { list, dropped: 0 } : { list: list.slice(list.length - cap), dropped: list.length - cap };
}

/** A time the wire gives, when it parses. */
export function validTime(value: string | undefined): string | undefined {
  return value !== undefined && Number.isFinite(Date.parse(value)) ? value : undefined;
}
