/**
 * Publishes simulated runs of tasks, workflow executions and containers through a progress
 * server (or a publisher): on demand, or as a continuous background mix with a bounded number of
 * runs at once.
 * Seeded: the same seed, with runs started in the same order, gives the same runs (ids, events,
 * outcomes, waits); only the timestamps differ.
 */
import type { ProgressEvent } from '../../client/events.js';
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
  /** Starts a task run; returns its taskId. */
  startTask(options?: { outcome?: TaskOutcome }): string;
  /** Starts a workflow execution; returns its ids. */
  startWorkflow(options?: { outcome?: WorkflowOutcome }): { workflowId: string; executionId: string };
  /** Starts a container run; returns its containerId. */
  startContainer(options?: { outcome?: ContainerOutcome }): string;
  /** Starts the background mix (one run of each kind at once, then a new run every few seconds). */
  start(): void;
  /** Stops the background mix and every run under way; clears every timer. Runs can be started again. */
  stop(): void;
}

interface ActiveRun {
  plan: RunPlan;
  /** Index of the next beat. */
  next: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** The background mix: twice as many tasks as workflows or containers. */
const BACKGROUND_MIX = { task: 2, workflow: 1, container: 1 } as const;

export function createSimulator(target: SimulatorTarget, options: SimulatorOptions = {}): Simulator {
  const seed = (options.seed ?? randomSeed()) >>> 0;
  const projectId = options.projectId ?? 'demo';
  const speed = options.speed ?? 1;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const [minGap, maxGap] = options.interval ?? [1500, 4000];
  const onPublishError = options.onPublishError ?? (() => {});
  if (!(speed > 0)) throw new RangeError('speed must be above 0');

  const random = createRandom(seed);
  /** Every run under way, each owning the timer of its next beat. */
  const runs = new Set<ActiveRun>();
  /** The timer of the next background start, owned by the mix. */
  let background: ReturnType<typeof setTimeout> | undefined;
  let running = false;

  function publish(event: ProgressEvent): void {
    try {
      const result = target.publish(event);
      if (result instanceof Promise) result.catch(onPublishError);
    } catch (error) {
      onPublishError(error);
    }
  }

  function play(plan: RunPlan): void {
    const run: ActiveRun = { plan, next: 0 };
    /** When the run started (the container: its last start), once it has. */
    let startedAt: string | undefined;
    const schedule = () => {
      const beat = plan.beats[run.next]!;
      run.timer = setTimeout(() => {
        run.next++;
        const last = run.next === plan.beats.length;
        if (last) runs.delete(run);
        else schedule();
        const timestamp = new Date().toISOString();
        if (beat.starts) startedAt = timestamp;
        publish((startedAt === undefined ? { ...beat.event, timestamp } : { ...beat.event, timestamp, startedAt }) as ProgressEvent);
      }, beat.delay);
    };
    runs.add(run);
    schedule();
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
    startTask({ outcome } = {}) {
      const run = planTask(random.fork(), { projectId, speed, outcome });
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
      clearTimeout(background);
      background = undefined;
      for (const run of runs) clearTimeout(run.timer);
      runs.clear();
    },
  };

  function scheduleBackground(): void {
    background = setTimeout(() => {
      background = undefined;
      if (runs.size < maxConcurrent) startOne();
      scheduleBackground();
    }, random.between(minGap, maxGap) / speed);
  }

  function startOne(): void {
    const kind = random.weighted(BACKGROUND_MIX);
    if (kind === 'task') simulator.startTask();
    else if (kind === 'workflow') simulator.startWorkflow();
    else simulator.startContainer();
  }

  return simulator;
}
