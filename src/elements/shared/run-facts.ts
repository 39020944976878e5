/**
 * What the three cards say the same way about a run, whatever its kind: the tone of its status,
 * and its time (elapsed or uptime while it runs; how long it took, or when it finished when its
 * start is unknown, once it is over; nothing when it cannot know).
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
