/**
 * One simulated run being played: its plan's beats published one after another on the
 * simulator's clock, each wait owned by the run (one timer at most), and the actions a user may
 * take on it. A cancelled task publishes `task_cancelled` (its running step skipped first) and
 * ends; a paused execution keeps what is left of its wait and publishes
 * `workflow_execution_paused`; resumed, it publishes `workflow_execution_resumed` and goes on
 * where it was; cancelled, it ends with `workflow_execution_failed` marked `status: "cancelled"`
 * (docs/protocol.md, "Actions on runs").
 */
import type { ProgressEvent } from '../../protocol/events.js';
import type { RunActionResult } from '../run-actions.js';
import type { SimulatorClock } from './clock.js';
import type { PlannedEvent, RunPlan } from './simulated-runs.js';

/** Where a run is: `planned` before its first event, `ended` after its last (or an action that ended it). */
export type PlayedStatus = 'planned' | 'queued' | 'created' | 'running' | 'paused' | 'ended';

export interface PlayedRunHost {
  readonly clock: SimulatorClock;
  publish(event: ProgressEvent): void;
  /** The run published its last event (or was cancelled): it is no longer under way. */
  ended(run: PlayedRun): void;
}

const STATUS_AFTER: Partial<Record<ProgressEvent['type'], PlayedStatus>> = {
  task_queued: 'queued',
  task_started: 'running',
  workflow_execution_created: 'created',
  workflow_execution_started: 'running',
  workflow_execution_paused: 'paused',
  workflow_execution_resumed: 'running',
};

export class PlayedRun {
  readonly plan: RunPlan;
  readonly #host: PlayedRunHost;
  /** Index of the next beat. */
  #next = 0;
  #timer: unknown;
  /** The clock's time the next beat is due at, while its timer is set. */
  #due = 0;
  /** What was left of the wait for the next beat when an action paused the run; undefined otherwise. */
  #left: number | undefined;
  #status: PlayedStatus = 'planned';
  /** When the run started (a container: its last start), once it has. */
  #startedAt: string | undefined;
  /** The task's step that is running, if one is. */
  #step: { stepId: string; step: string } | undefined;

  constructor(plan: RunPlan, host: PlayedRunHost) {
    this.plan = plan;
    this.#host = host;
  }

  get status(): PlayedStatus {
    return this.#status;
  }

  /** Plays the run from its first beat. */
  start(): void {
    this.#schedule(this.plan.beats[0]!.delay);
  }

  /** Stops playing, clearing the timer; nothing more is published. */
  stop(): void {
    this.#clear();
  }

  /** Cancels a task that has not ended, or a workflow execution that has not ended. */
  cancel(): RunActionResult {
    const { plan } = this;
    if (this.#status === 'ended' || plan.kind === 'container') return 'conflict';
    this.#clear();
    if (plan.kind === 'task') {
      if (this.#step) this.#emit({ type: 'step_progress', ...plan.base, ...this.#step, status: 'skipped', message: 'Cancelled' });
      this.#emit({ type: 'task_cancelled', ...plan.base });
    } else {
      // `error` for clients that do not read `status` (they end it as failed).
      this.#emit({ type: 'workflow_execution_failed', ...plan.base, status: 'cancelled', error: 'Cancelled' });
    }
    this.#end();
    return 'accepted';
  }

  /** Pauses a running workflow execution: no beat comes until it is resumed. */
  pause(): RunActionResult {
    const { plan } = this;
    if (plan.kind !== 'workflow' || this.#status !== 'running') return 'conflict';
    this.#left = Math.max(0, this.#due - this.#host.clock.now());
    this.#clear();
    this.#emit({ type: 'workflow_execution_paused', ...plan.base });
    return 'accepted';
  }

  /** Resumes a paused workflow execution, where it was (one its own plan paused: its planned resume is skipped). */
  resume(): RunActionResult {
    const { plan } = this;
    if (plan.kind !== 'workflow' || this.#status !== 'paused') return 'conflict';
    let wait = this.#left;
    this.#left = undefined;
    if (wait === undefined) {
      // Paused by its plan: the beat waited for is the planned resume, said now.
      this.#clear();
      if (plan.beats[this.#next]?.event.type === 'workflow_execution_resumed') this.#next++;
      wait = plan.beats[this.#next]?.delay;
    }
    this.#emit({ type: 'workflow_execution_resumed', ...plan.base });
    if (wait === undefined) this.#end();
    else this.#schedule(wait);
    return 'accepted';
  }

  #schedule(delay: number): void {
    const { clock } = this.#host;
    this.#due = clock.now() + delay;
    this.#timer = clock.setTimeout(() => this.#beat(), delay);
  }

  #clear(): void {
    if (this.#timer === undefined) return;
    this.#host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    this.#timer = undefined;
    const beat = this.plan.beats[this.#next++]!;
    const last = this.#next === this.plan.beats.length;
    if (!last) this.#schedule(this.plan.beats[this.#next]!.delay);
    this.#emit(beat.fill ? ({ ...beat.event, output: beat.fill() } as PlannedEvent) : beat.event, beat.starts === true);
    if (last) this.#end();
  }

  #end(): void {
    this.#clear();
    this.#status = 'ended';
    this.#host.ended(this);
  }

  /** Publishes an event of the run, stamped now (and with the run's start once it has one). */
  #emit(event: PlannedEvent, starts = false): void {
    const timestamp = new Date(this.#host.clock.now()).toISOString();
    if (starts) this.#startedAt = timestamp;
    this.#status = STATUS_AFTER[event.type] ?? this.#status;
    if (event.type === 'step_progress') {
      if (event.status === 'running') this.#step = { stepId: event.stepId!, step: event.step! };
      else if (event.stepId === this.#step?.stepId) this.#step = undefined;
    }
    const startedAt = this.#startedAt;
    this.#host.publish((startedAt === undefined ? { ...event, timestamp } : { ...event, timestamp, startedAt }) as ProgressEvent);
  }
}
