/**
 * Plans of simulated runs: given a seeded generator, the whole life of one task, workflow
 * execution or container as a list of events and the waits between them, decided up front.
 * Pure: the same generator state gives the same plan. The events carry what docs/protocol.md's
 * "plans, starts and names" describes: a task's steps and an execution's phases up front, the
 * run's name (the image of a container) on every event, and its start once it started.
 */
import type { ProgressEvent } from '../../protocol/events.js';
import type { Random } from './random.js';
import { CONTAINERS, CONTAINER_START_ERRORS, FAILING_EXIT_CODES, TASKS, WORKFLOWS, type Line } from './run-catalogue.js';
import { cutIntoChunks, stackTrace } from './task-logs.js';

type WithoutTimestamp<E> = E extends unknown ? Omit<E, 'timestamp'> : never;
/** An event as planned: its timestamp is set when it is published. */
export type PlannedEvent = WithoutTimestamp<ProgressEvent>;

export interface Beat {
  /** ms of wall time after the previous beat (or after the run starts). */
  delay: number;
  event: PlannedEvent;
  /**
   * The run's start (`task_started`, `workflow_execution_started`, `container_started`): the time
   * it is published at is the `startedAt` of this event and of every later one of the run.
   */
  starts?: true;
  /** Makes the event's `output` when it is published (a long log is not held in its plan). */
  fill?: () => string;
}

export type TaskOutcome = 'completed' | 'failed' | 'cancelled';
export type WorkflowOutcome = 'completed' | 'failed';
/** `exited`: stopped with exit code 0; `crashed`: stopped with a non-zero code; `error`: a container error. */
export type ContainerOutcome = 'exited' | 'crashed' | 'error';

/** What every event of a task carries. */
export interface TaskBase {
  projectId: string;
  taskId: string;
  /** The task's name: a string, as AInTandem's events carry it (its SDK types it `task?: string`). */
  task: string;
}
/** What every event of a workflow execution carries. */
export interface WorkflowBase {
  projectId: string;
  workflowId: string;
  executionId: string;
  workflow: string;
  totalPhases: number;
}

export interface TaskPlan {
  kind: 'task';
  taskId: string;
  base: TaskBase;
  outcome: TaskOutcome;
  beats: Beat[];
}
export interface WorkflowPlan {
  kind: 'workflow';
  workflowId: string;
  executionId: string;
  base: WorkflowBase;
  outcome: WorkflowOutcome;
  /** Whether the execution pauses (and resumes) on the way. */
  pauses: boolean;
  beats: Beat[];
}
export interface ContainerPlan {
  kind: 'container';
  containerId: string;
  outcome: ContainerOutcome;
  beats: Beat[];
}
export type RunPlan = TaskPlan | WorkflowPlan | ContainerPlan;

export interface PlanOptions<O> {
  projectId: string;
  /** Time runs this many times faster than the catalogue's durations. */
  speed: number;
  /** Force the outcome instead of drawing it. */
  outcome?: O;
  /** A task: the name of the kind of task to run instead of drawing one. */
  name?: string;
}

/** Builds the beats of a plan; waits are in catalogue ms and come out divided by the speed. */
export class Timeline {
  readonly beats: Beat[] = [];
  #elapsed = 0;
  #waiting = 0;

  constructor(private readonly speed: number) {}

  wait(ms: number): void {
    this.#waiting += ms / this.speed;
  }

  /** Wall ms from the run's start to the next beat. */
  get now(): number {
    return this.#elapsed + Math.round(this.#waiting);
  }

  emit(event: PlannedEvent, starts = false, fill?: () => string): void {
    const delay = Math.round(this.#waiting);
    const beat: Beat = starts ? { delay, event, starts } : { delay, event };
    if (fill) beat.fill = fill;
    this.beats.push(beat);
    this.#elapsed += delay;
    this.#waiting = 0;
  }
}

const draw = (random: Random, line: Line): string => (typeof line === 'string' ? line : line(random));

export function planTask(random: Random, options: PlanOptions<TaskOutcome>): TaskPlan {
  const drawn = random.pick(TASKS);
  const template = options.name === undefined ? drawn : (TASKS.find((t) => t.name === options.name) ?? drawn);
  const taskId = `task-${random.hex(6)}`;
  const outcome = options.outcome ?? random.weighted<TaskOutcome>({ completed: 70, failed: 18, cancelled: 12 });
  const steps = template.steps;
  const stopStep = outcome === 'completed' ? -1 : random.int(0, steps.length - 1);
  // Every event of the task names it.
  const base: TaskBase = { projectId: options.projectId, taskId, task: template.name };
  // The plan: every step, in order, before any runs.
  const plan = steps.map((step) => ({ stepId: step.id, step: step.name }));
  const line = new Timeline(options.speed);

  line.wait(random.between(150, 500));
  line.emit({ type: 'task_queued', ...base, input: template.input, steps: plan });
  line.wait(random.between(600, 2500));
  line.emit({ type: 'task_started', ...base, steps: plan }, true);
  const startedAt = line.now;
  let artifacts = 0;
  /** Whether the last output ended in the middle of a line. */
  let open = false;
  const print = (stepId: string, output: string) => {
    line.emit({ type: 'output', ...base, stepId, output });
    open = !output.endsWith('\n');
  };

  for (const [index, step] of steps.entries()) {
    const at = { ...base, stepId: step.id, step: step.name };
    const percent = (fraction: number) => Math.round(((index + fraction) / steps.length) * 100);
    const chunks = step.log
      ? cutIntoChunks(random, step.log(random, { failing: index === stopStep, seconds: Math.floor(line.now / 1000) + 1_700_000_000 }), random.int(3, 6))
      : step.output.map((output) => draw(random, output) + '\n');
    const ticks = Math.max(1, chunks.length);
    const tick = random.between(...step.ms) / (ticks + 1);
    const stopTick = index === stopStep ? random.int(0, ticks - 1) : -1;

    line.emit({ type: 'step_progress', ...at, status: 'running', message: step.messages[0], progress: percent(0) });
    for (let k = 0; k < ticks; k++) {
      line.wait(tick * random.between(0.6, 1.4));
      const output = chunks[k];
      if (output !== undefined) print(step.id, output);
      // A message only when the step has a new one; the percent on every tick.
      line.emit({ type: 'step_progress', ...at, status: 'running', message: step.messages[k + 1], progress: percent((k + 1) / (ticks + 1)) });
      if (k !== stopTick) continue;
      line.wait(tick * random.between(0.2, 0.8));
      if (outcome === 'cancelled') {
        line.emit({ type: 'step_progress', ...at, status: 'skipped', message: 'Cancelled' });
        line.emit({ type: 'task_cancelled', ...base });
        return { kind: 'task', taskId, base, outcome, beats: line.beats };
      }
      // The trace starts on a line of its own.
      print(step.id, (open ? '\n' : '') + stackTrace(random, step.error));
      line.emit({ type: 'step_progress', ...at, status: 'failed', message: step.error });
      line.emit({ type: 'task_failed', ...base, error: step.error });
      return { kind: 'task', taskId, base, outcome, beats: line.beats };
    }
    for (const artifact of step.artifacts ?? []) {
      line.wait(random.between(100, 400));
      line.emit({ type: 'artifact', ...base, artifact: { path: artifact.path, type: artifact.type, size: random.int(...artifact.size) } });
      artifacts++;
    }
    line.wait(tick * random.between(0.6, 1.4));
    line.emit({ type: 'step_progress', ...at, status: 'completed', progress: percent(1) });
  }

  line.wait(random.between(100, 400));
  const duration = line.now - startedAt;
  line.emit({ type: 'task_completed', ...base, duration, output: { steps: steps.length, artifacts } });
  return { kind: 'task', taskId, base, outcome, beats: line.beats };
}

export function planWorkflow(random: Random, options: PlanOptions<WorkflowOutcome>): WorkflowPlan {
  const { workflowId, name, phases, summary } = random.pick(WORKFLOWS);
  const executionId = `exec-${random.hex(8)}`;
  const outcome = options.outcome ?? random.weighted<WorkflowOutcome>({ completed: 75, failed: 25 });
  const failPhase = outcome === 'failed' ? random.int(0, phases.length - 1) : -1;
  const pausePhase = random.chance(0.4) ? random.int(0, phases.length - 1) : -1;
  // Every event of the execution names its workflow.
  const base: WorkflowBase = { projectId: options.projectId, workflowId, executionId, workflow: name, totalPhases: phases.length };
  // The plan: every phase, in order, before any runs.
  const planned = phases.map((phase) => ({ phaseId: phase.id, phase: phase.name }));
  const line = new Timeline(options.speed);
  const plan = (beats: Beat[]): WorkflowPlan => ({ kind: 'workflow', workflowId, executionId, base, outcome, pauses: pausePhase >= 0, beats });

  line.wait(random.between(150, 500));
  line.emit({ type: 'workflow_execution_created', ...base, phases: planned, input: { trigger: random.pick(['push to main', 'schedule', 'manual']) } });
  line.wait(random.between(400, 1500));
  line.emit({ type: 'workflow_execution_started', ...base, phases: planned }, true);
  const startedAt = line.now;

  for (const [index, phase] of phases.entries()) {
    const at = { ...base, phaseId: phase.id, phase: phase.name };
    const length = random.between(...phase.ms);
    line.emit({ type: 'workflow_phase_started', ...at });
    let left = length;
    if (index === pausePhase) {
      const before = length * random.between(0.2, 0.6);
      line.wait(before);
      line.emit({ type: 'workflow_execution_paused', ...base });
      line.wait(random.between(1500, 4000));
      line.emit({ type: 'workflow_execution_resumed', ...base });
      left -= before;
    }
    if (index === failPhase) {
      line.wait(left * random.between(0.3, 0.9));
      line.emit({ type: 'workflow_execution_failed', ...base, error: phase.error });
      return plan(line.beats);
    }
    line.wait(left);
    line.emit({ type: 'workflow_phase_completed', ...at });
  }

  line.wait(random.between(100, 400));
  const duration = line.now - startedAt;
  line.emit({ type: 'workflow_execution_completed', ...base, duration, output: draw(random, summary) });
  return plan(line.beats);
}

export function planContainer(random: Random, options: PlanOptions<ContainerOutcome>): ContainerPlan {
  const template = random.pick(CONTAINERS);
  const containerId = `ctr-${random.hex(8)}`;
  const outcome = options.outcome ?? random.weighted<ContainerOutcome>({ exited: 55, crashed: 25, error: 20 });
  // Every event of the container names its image.
  const base = { projectId: options.projectId, containerId, image: template.image };
  const line = new Timeline(options.speed);
  const plan = (): ContainerPlan => ({ kind: 'container', containerId, outcome, beats: line.beats });

  line.wait(random.between(150, 500));
  line.emit({ type: 'container_created', ...base });
  if (outcome === 'error' && random.chance(0.5)) {
    // It never starts.
    line.wait(random.between(800, 2500));
    line.emit({ type: 'container_error', ...base, error: random.pick(CONTAINER_START_ERRORS) });
    return plan();
  }
  line.wait(random.between(600, 2000));
  line.emit({ type: 'container_started', ...base }, true);
  line.wait(random.between(...template.ms));
  if (outcome === 'error') line.emit({ type: 'container_error', ...base, error: random.pick(template.errors) });
  else line.emit({ type: 'container_stopped', ...base, exitCode: outcome === 'exited' ? 0 : random.pick(FAILING_EXIT_CODES) });
  return plan();
}
