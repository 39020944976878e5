/**
 * Publishes simulated runs of tasks, workflow executions and containers through a progress
 * server (or a publisher): on demand, or as a continuous background mix with a bounded number of
 * runs at once. It obeys the actions on runs (cancel a task; pause, resume or cancel a workflow
 * execution): pass it as a progress server's `actions`.
 * Seeded: the same seed, with runs started in the same order, gives the same runs (ids, events,
 * outcomes, waits); only the timestamps differ.
 */
import type { ProgressEvent } from '../../protocol/events.js';
import type { RunActionResult } from '../run-actions.js';
import { WALL_CLOCK, type SimulatorClock } from './clock.js';
import { planLongTask } from './long-log.js';
import { PlayedRun } from './played-run.js';
import { createRandom, randomSeed } from './random.js';
import {
  planContainer,
  planTask,
  planWorkflow,
  type ContainerOutcome,
  type RunPlan,
  type TaskOutcome,
  type WorkflowOutcome,
} from './simulated-runs.js';

export type { ContainerOutcome, TaskOutcome, WorkflowOutcome } from './simulated-runs.js';
export type { SimulatorClock } from './clock.js';

export interface SimulatorOptions {
  /** Seed of every random choice; default a random one (see `simulator.seed`). */
  seed?: number;
  /** The project every run belongs to; default `demo`. */
  projectId?: string;
  /** Run this many times faster than real time; default 1. */
  speed?: number;
  /** The background mix starts no run while this many are under way; default 8. */
  maxConcurrent?: number;
  /** Range of ms (at speed 1) between two background starts; default [1500, 4000]. */
  interval?: readonly [number, number];
  /**
   * Called with the error of a publish that failed (the log unavailable); the run goes on with its
   * next event. Default: the error is dropped (the log reports its outages itself).
   */
  onPublishError?: (error: unknown) => void;
  /** The time runs are played on; default the wall clock. A clock of your own makes every wait exact (tests). */
  clock?: SimulatorClock;
  /**
   * Whether the background mix now and then starts the long task (200,000 lines of output over
   * about a minute at speed 1): rarely, one at a time, never in the first minute of the
   * simulator's clock (whatever the speed). Default true.
   */
  longLogs?: boolean;
}

/** Where the simulator publishes: a progress server or a publisher. */
export interface SimulatorTarget {
  publish(event: ProgressEvent): unknown;
}

export interface Simulator {
  readonly seed: number;
  readonly projectId: string;
  /** Runs started and not yet ended. */
  readonly activeRuns: number;
  /** Whether the background mix is on. */
  readonly running: boolean;
  /** Starts a task run (of the kind named `task`, if given); returns its taskId. */
  startTask(options?: { outcome?: TaskOutcome; task?: string }): string;
  /** Starts the long task (200,000 lines of output); returns its taskId. */
  startLongTask(): string;
  /** Starts a workflow execution; returns its ids. */
  startWorkflow(options?: { outcome?: WorkflowOutcome }): { workflowId: string; executionId: string };
  /** Starts a container run; returns its containerId. */
  startContainer(options?: { outcome?: ContainerOutcome }): string;
  /** Starts the background mix (one run of each kind at once, then a new run every few seconds). */
  start(): void;
  /** Stops the background mix and every run under way; clears every timer. Runs can be started again. */
  stop(): void;
  /**
   * Cancels a queued or running task of its project: publishes `task_cancelled` (its running step
   * skipped first) and nothing more for it. `'conflict'` for a task that has ended, `'unknown'`
   * for one it does not know. With the other three, what a progress server's `actions` takes.
   */
  cancelTask(projectId: string, taskId: string): RunActionResult;
  /** Pauses a running execution: publishes `workflow_execution_paused`, and its next event waits until it is resumed. */
  pauseExecution(executionId: string): RunActionResult;
  /** Resumes a paused execution: publishes `workflow_execution_resumed`, and it goes on where it was. */
  resumeExecution(executionId: string): RunActionResult;
  /** Cancels an execution that has not ended: publishes `workflow_execution_failed` with `status: "cancelled"`, and nothing more for it. */
  cancelExecution(executionId: string): RunActionResult;
}

/** Ended runs remembered, so that an action on one answers `'conflict'` rather than `'unknown'`. */
const ENDED_KEPT = 1000;

const runKey = (plan: RunPlan): string =>
  plan.kind === 'task' ? `task:${plan.taskId}` : plan.kind === 'workflow' ? `workflow:${plan.executionId}` : `container:${plan.containerId}`;

/** The background mix: twice as many tasks as workflows or containers. */
const BACKGROUND_MIX = { task: 2, workflow: 1, container: 1 } as const;
/** The chance that a background start is the long task, once it may be. */
const LONG_TASK_CHANCE = 0.04;
/** ms of the clock from the simulator's creation (whatever its speed) before the background mix may start the long task. */
const LONG_TASK_AFTER = 60_000;

export function createSimulator(target: SimulatorTarget, options: SimulatorOptions = {}): Simulator {
  const seed = (options.seed ?? randomSeed()) >>> 0;
  const projectId = options.projectId ?? 'demo';
  const speed = options.speed ?? 1;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const [minGap, maxGap] = options.interval ?? [1500, 4000];
  const onPublishError = options.onPublishError ?? (() => {});
  if (!(speed > 0)) throw new RangeError('speed must be above 0');

  const clock = options.clock ?? WALL_CLOCK;
  const longLogs = options.longLogs ?? true;
  const createdAt = clock.now();
  /** The key of the long task under way, if one is. */
  let longRun: string | undefined;
  const random = createRandom(seed);
  /** Every run under way, by kind and id, each owning the timer of its next beat. */
  const runs = new Map<string, PlayedRun>();
  /** The keys of the runs that ended, oldest first (at most ENDED_KEPT). */
  const ended = new Set<string>();
  /** The timer of the next background start, owned by the mix. */
  let background: unknown;
  let running = false;

  function publish(event: ProgressEvent): void {
    try {
      const result = target.publish(event);
      if (result instanceof Promise) result.catch(onPublishError);
    } catch (error) {
      onPublishError(error);
    }
  }

  const host = {
    clock,
    publish,
    ended(run: PlayedRun): void {
      const key = runKey(run.plan);
      if (runs.get(key) !== run) return;
      runs.delete(key);
      if (key === longRun) longRun = undefined;
      ended.add(key);
      if (ended.size > ENDED_KEPT) ended.delete(ended.values().next().value!);
    },
  };

  function play(plan: RunPlan): void {
    const run = new PlayedRun(plan, host);
    runs.set(runKey(plan), run);
    run.start();
  }

  /** An action on a run: what the run answers, or whether it ended or was never known. */
  function act(key: string, action: (run: PlayedRun) => RunActionResult): RunActionResult {
    const run = runs.get(key);
    if (run) return action(run);
    return ended.has(key) ? 'conflict' : 'unknown';
  }

  const simulator: Simulator = {
    seed,
    projectId,
    get activeRuns() {
      return runs.size;
    },
    get running() {
      return running;
    },
    startTask({ outcome, task } = {}) {
      const run = planTask(random.fork(), { projectId, speed, outcome, ...(task === undefined ? {} : { name: task }) });
      play(run);
      return run.taskId;
    },
    startLongTask() {
      const run = planLongTask(random.fork(), { projectId, speed });
      longRun = runKey(run);
      play(run);
      return run.taskId;
    },
    startWorkflow({ outcome } = {}) {
      const run = planWorkflow(random.fork(), { projectId, speed, outcome });
      play(run);
      return { workflowId: run.workflowId, executionId: run.executionId };
    },
    startContainer({ outcome } = {}) {
      const run = planContainer(random.fork(), { projectId, speed, outcome });
      play(run);
      return run.containerId;
    },
    start() {
      if (running) return;
      running = true;
      simulator.startTask();
      simulator.startWorkflow();
      simulator.startContainer();
      scheduleBackground();
    },
    stop() {
      running = false;
      if (background !== undefined) clock.clearTimeout(background);
      background = undefined;
      for (const run of runs.values()) run.stop();
      runs.clear();
      longRun = undefined;
    },
    cancelTask(taskProject, taskId) {
      return taskProject === projectId ? act(`task:${taskId}`, (run) => run.cancel()) : 'unknown';
    },
    pauseExecution: (executionId) => act(`workflow:${executionId}`, (run) => run.pause()),
    resumeExecution: (executionId) => act(`workflow:${executionId}`, (run) => run.resume()),
    cancelExecution: (executionId) => act(`workflow:${executionId}`, (run) => run.cancel()),
  };

  function scheduleBackground(): void {
    background = clock.setTimeout(() => {
      background = undefined;
      if (runs.size < maxConcurrent) startOne();
      scheduleBackground();
    }, random.between(minGap, maxGap) / speed);
  }

  function startOne(): void {
    // Drawn only once the long task may start: the mix of the first minute is as it was.
    const mayStartLong = longLogs && longRun === undefined && clock.now() - createdAt >= LONG_TASK_AFTER;
    if (mayStartLong && random.chance(LONG_TASK_CHANCE)) {
      simulator.startLongTask();
      return;
    }
    const kind = random.weighted(BACKGROUND_MIX);
    if (kind === 'task') simulator.startTask();
    else if (kind === 'workflow') simulator.startWorkflow();
    else simulator.startContainer();
  }

  return simulator;
}
