/**
 * What the cards say the same way about a run, whatever its kind: the tone of its status, its
 * time (elapsed or uptime while it runs; how long it took, or when it finished when its start is
 * unknown, once it is over; nothing when it cannot know), and the status a step or phase shows.
 */
import { formatClock, formatDuration, msBetween } from './format.js';
import type { ProgressStrings } from './strings.js';
import type { Tone } from './templates.js';

/** Every status of a task, a workflow execution and a container, by its tone. */
const TONES: Readonly<Record<string, Tone>> = {
  waiting: 'neutral',
  queued: 'neutral',
  created: 'neutral',
  stopped: 'neutral',
  running: 'active',
  completed: 'success',
  failed: 'danger',
  error: 'danger',
  paused: 'warning',
  cancelled: 'warning',
};

/**
 * What a step or phase shows once its run is over, when its own status speaks of a time to come:
 * one last said running runs no more (`cancelled` when the run was, else `ended`); one still
 * pending will not start (`not-run`).
 */
export type StageEnd = 'cancelled' | 'ended' | 'not-run';

/** The status a step or phase shows: its own, but never `running` or `pending` in a run that is over. */
export function stageStatus<S extends string>(status: S, runStatus: string, runOver: boolean): S | StageEnd {
  if (!runOver) return status;
  if (status === 'pending') return 'not-run';
  if (status !== 'running') return status;
  return runStatus === 'cancelled' ? 'cancelled' : 'ended';
}

/** The tone of a status; neutral for one the kit does not know (set by the page). */
export const toneOf = (status: string): Tone => (Object.hasOwn(TONES, status) ? TONES[status]! : 'neutral');

export interface RunTimes {
  /** Under way: its time counts from its start. */
  moving: boolean;
  /** Over: it says how long it took, or when it ended. */
  over: boolean;
  startedAt?: string | undefined;
  /** ms it took, when known. */
  duration?: number | undefined;
  endedAt?: string | undefined;
}

/** The time a card shows at its top right; `running` says it while the run moves (elapsed, uptime). */
export function runTime(run: RunTimes, strings: ProgressStrings, locale: string | undefined, running: (duration: string) => string = strings.elapsed): string | undefined {
  if (run.moving) {
    const elapsed = msBetween(run.startedAt, Date.now());
    return elapsed === undefined ? undefined : running(formatDuration(elapsed, locale));
  }
  if (!run.over) return undefined;
  if (run.duration !== undefined) return strings.took(formatDuration(run.duration, locale));
  const ended = formatClock(run.endedAt, locale);
  return ended === undefined ? undefined : strings.finishedAt(ended);
}
