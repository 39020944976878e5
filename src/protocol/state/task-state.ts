/** The current state of one task, reduced from its events. */
import type { ArtifactInfo, PlannedStep, StepStatus, TaskEvent } from '../events.js';
import { appendCapped, clampPercent, DEFAULT_LIMITS, elapsed, copyRunFields, type Assert, type CopiesAll, type StateLimits, type Versioned } from './limits.js';
import { capStages, indexOf, validTime, withNewStage, withPlan, withStageAt } from './stages.js';

/** `waiting`: nothing known yet (no event, no snapshot). */
export type TaskStatus = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepState {
  /** The stepId, or the step's name when the server sends no id. */
  id: string;
  name: string;
  /** `pending`: planned, not begun. */
  status: StepStatus;
  /** What the step is doing, or the message it ended with. */
  message?: string;
  progress?: number;
  /** When it began; unknown for a step already running when the state began. */
  startedAt?: string;
  endedAt?: string;
}

export interface TaskState extends Versioned {
  kind: 'task';
  projectId: string;
  taskId: string;
  /** The task's own name, when the wire gives one (`task` on its events). */
  name?: string;
  status: TaskStatus;
  /** Overall percent 0-100; undefined while unknown (indeterminate). */
  progress?: number;
  /** The latest step message. */
  message?: string;
  /** The steps in order: the plan's (pending until they begin), and every step an event named. */
  steps: StepState[];
  /** Steps dropped from the front when more than the cap arrived. */
  droppedSteps: number;
  /**
   * True when the state began after the task did, with no plan or snapshot since: steps before
   * the first one listed may be missing, so a step's index is not its position.
   */
  earlierUnknown?: boolean;
  currentStepId?: string;
  /** The tail of the terminal output, one entry per line. */
  output: string[];
  /** Lines dropped from the front of the tail. */
  droppedOutputLines: number;
  /** True when the last line has no newline yet (the next chunk continues it). */
  outputLineOpen: boolean;
  artifacts: ArtifactInfo[];
  droppedArtifacts: number;
  error?: string;
  /** The `output` of task_completed. */
  result?: unknown;
  queuedAt?: string;
  /** When the task started (its own start, never when the state began); undefined while unknown. */
  startedAt?: string;
  endedAt?: string;
  /** ms, from the server when it says, else from startedAt to endedAt; undefined while unknown. */
  duration?: number;
  /** Timestamp of the newest event applied. */
  updatedAt?: string;
}

export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

export function initialTaskState(projectId: string, taskId: string): TaskState {
  return {
    kind: 'task',
    projectId,
    taskId,
    status: 'waiting',
    steps: [],
    droppedSteps: 0,
    output: [],
    droppedOutputLines: 0,
    outputLineOpen: false,
    artifacts: [],
    droppedArtifacts: 0,
  };
}

/**
 * A copy of a state to change: the fields it holds. Object spread, which V8 clones about ten
 * times slower for objects made by earlier copies, would run for every event.
 */
function copyTask(s: TaskState): TaskState {
  const n: TaskState = { kind: 'task', projectId: s.projectId, taskId: s.taskId, status: s.status, steps: s.steps, droppedSteps: s.droppedSteps, output: s.output, droppedOutputLines: s.droppedOutputLines, outputLineOpen: s.outputLineOpen, artifacts: s.artifacts, droppedArtifacts: s.droppedArtifacts };
  if (s.progress !== undefined) n.progress = s.progress;
  if (s.message !== undefined) n.message = s.message;
  if (s.currentStepId !== undefined) n.currentStepId = s.currentStepId;
  if (s.result !== undefined) n.result = s.result;
  if (s.queuedAt !== undefined) n.queuedAt = s.queuedAt;
  copyRunFields(s, n);
  return n;
}
/** Fails the type check when a field of TaskState is added and not copied above. */
export type TaskStateCopiesAll = Assert<CopiesAll<TaskState, 'name' | 'progress' | 'message' | 'earlierUnknown' | 'currentStepId' | 'error' | 'result' | 'queuedAt' | 'startedAt' | 'endedAt' | 'duration' | 'updatedAt' | 'seq' | 'snapshotAt'>>;

/**
 * A line as a terminal leaves it: a carriage return starts the line over, so only the text after
 * the last one stays (progress lines of npm, pip, docker pull). A carriage return at the very end
 * is kept until text follows it, which then replaces the line.
 */
function overwritten(line: string): string {
  let end = line.length - 1;
  let cr = line.lastIndexOf('\r', end - 1);
  if (cr === -1) return line;
  // The last part that shows anything: one of only escape sequences (docker's cursor moves) keeps the part before it.
  while (cr !== -1 && !visible(line.slice(cr + 1, end + 1))) {
    end = cr - 1;
    cr = end > 0 ? line.lastIndexOf('\r', end - 1) : -1;
  }
  if (end === line.length - 1) return line.slice(cr + 1);
  // The invisible tail goes; a carriage return at the very end still waits for text.
  return line.slice(cr + 1, end + 1) + (line.endsWith('\r') ? '\r' : '');
}

/** Escape sequences (CSI, OSC, and two-character ones), which show nothing by themselves. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
const visible = (part: string): boolean => part.replace(ESCAPES, '').replace(/[\r\n]/g, '') !== '';

function appendOutput(state: TaskState, chunk: string, limits: StateLimits): TaskState {
  if (!chunk) return state;
  const finish = (line: string) => {
    const text = overwritten(line);
    return text.length > limits.maxLineLength ? text.slice(0, limits.maxLineLength) + '…' : text;
  };
  const pieces = chunk.split(/\r?\n/);
  const endsOpen = pieces[pieces.length - 1] !== '';
  if (!endsOpen) pieces.pop();
  const previous = state.output;
  // The lines kept from before; an open last line is continued by the first piece.
  let kept = previous.length;
  const added: string[] = [];
  if (state.outputLineOpen && kept > 0 && pieces.length > 0) {
    kept--;
    added.push(finish(previous[kept]! + pieces[0]!));
    for (let i = 1; i < pieces.length; i++) added.push(finish(pieces[i]!));
  } else {
    for (const piece of pieces) added.push(finish(piece));
  }
  // One copy of the tail, however long it is.
  const dropped = Math.max(0, kept + added.length - limits.maxOutputLines);
  const output = dropped >= kept ? added.slice(dropped - kept) : previous.slice(dropped, kept);
  if (dropped < kept) for (const line of added) output.push(line);
  const next = copyTask(state);
  next.output = output;
  next.droppedOutputLines = state.droppedOutputLines + dropped;
  next.outputLineOpen = endsOpen;
  return next;
}

/** The name of a task as the wire gives it: `task` as a string, or its `name`. */
export function taskName(task: unknown): string | undefined {
  if (typeof task === 'string') return task || undefined;
  const name = (task as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

const planned = (step: PlannedStep): { id: string; name: string } => {
  const id = step.stepId ?? step.step ?? '';
  return { id, name: step.step ?? id };
};

function applyPlan(state: TaskState, plan: readonly PlannedStep[], limits: StateLimits): TaskState {
  const steps = withPlan(state.steps, plan.map(planned), ({ id, name }): StepState => ({ id, name, status: 'pending' }));
  const capped = capStages(steps, limits.maxSteps);
  const next = copyTask(state);
  next.steps = capped.list;
  next.droppedSteps = state.droppedSteps + capped.dropped;
  delete next.earlierUnknown;
  return next;
}

const DONE_STEP: ReadonlySet<StepStatus> = new Set(['completed', 'failed', 'skipped']);

/** `late`: the state begins with this event, after the task began. */
function applyStep(state: TaskState, e: Extract<TaskEvent, { type: 'step_progress' }>, limits: StateLimits, late: boolean): TaskState {
  const id = e.stepId ?? e.step ?? '';
  const index = indexOf(state.steps, id);
  const previous = index >= 0 ? state.steps[index] : undefined;
  const step: StepState = {
    id,
    name: e.step ?? previous?.name ?? id,
    status: e.status,
  };
  const done = DONE_STEP.has(e.status);
  // A step that ends says what it ended with, not what it was doing.
  const message = done ? e.message : (e.message ?? previous?.message);
  if (message !== undefined) step.message = message;
  const progress = e.progress !== undefined ? clampPercent(e.progress) : previous?.progress;
  if (progress !== undefined) step.progress = progress;
  // A step's first event is its start unless the state began with it (it may have run for a while).
  const seenBefore = previous ? previous.status === 'pending' : !late;
  const startedAt = previous?.startedAt ?? (e.status === 'running' && seenBefore ? e.timestamp : undefined);
  if (startedAt) step.startedAt = startedAt;
  const endedAt = done ? (previous?.endedAt ?? e.timestamp) : undefined;
  if (endedAt) step.endedAt = endedAt;

  let steps: StepState[];
  let droppedSteps = state.droppedSteps;
  if (index >= 0) {
    steps = withStageAt(state.steps, index, step);
  } else {
    const capped = capStages(withNewStage(state.steps, step), limits.maxSteps);
    steps = capped.list;
    droppedSteps += capped.dropped;
  }
  const next = copyTask(state);
  next.steps = steps;
  next.droppedSteps = droppedSteps;
  if (e.status === 'running') next.currentStepId = id;
  else if (state.currentStepId === id) delete next.currentStepId;
  if (e.message !== undefined) next.message = e.message;
  if (e.progress !== undefined) next.progress = clampPercent(e.progress);
  if (!TERMINAL_TASK_STATUSES.has(state.status)) next.status = 'running';
  return typeof e.output === 'string' ? appendOutput(next, e.output, limits) : next;
}

/**
 * Applies one event. Returns the same object when the event changes nothing.
 * A task that reached completed, failed or cancelled keeps that status.
 */
export function reduceTask(given: TaskState, event: TaskEvent, limits: StateLimits = DEFAULT_LIMITS): TaskState {
  // A state that begins with an event after the task's start has not seen the steps before it.
  const late = given.status === 'waiting' && given.steps.length === 0 && given.earlierUnknown === undefined && event.type !== 'task_queued' && event.type !== 'task_started';
  let state = given;
  if (late) {
    state = copyTask(given);
    state.earlierUnknown = true;
  }
  const terminal = TERMINAL_TASK_STATUSES.has(state.status);
  let next: TaskState;
  switch (event.type) {
    case 'task_queued':
      next = copyTask(state);
      if (!terminal && state.status !== 'running') next.status = 'queued';
      next.queuedAt ??= event.timestamp;
      if (event.steps) next = applyPlan(next, event.steps, limits);
      break;
    case 'task_started':
      next = copyTask(state);
      if (!terminal) next.status = 'running';
      next.startedAt ??= validTime(event.startedAt) ?? event.timestamp;
      if (event.steps) next = applyPlan(next, event.steps, limits);
      break;
    case 'step_progress':
      next = applyStep(state, event, limits, late);
      break;
    case 'output':
      next = appendOutput(state, event.output, limits);
      if (next === state) next = copyTask(state);
      if (!terminal) next.status = 'running';
      break;
    case 'artifact': {
      const artifact = { path: event.artifact.path, type: event.artifact.type } as typeof event.artifact;
      if (event.artifact.size !== undefined) artifact.size = event.artifact.size;
      const { list, dropped } = appendCapped(state.artifacts, [artifact], limits.maxArtifacts);
      next = copyTask(state);
      next.artifacts = list;
      next.droppedArtifacts = state.droppedArtifacts + dropped;
      if (!terminal) next.status = 'running';
      break;
    }
    case 'task_completed':
    case 'task_failed':
    case 'task_cancelled': {
      if (terminal) return state;
      const status = event.type === 'task_completed' ? 'completed' : event.type === 'task_failed' ? 'failed' : 'cancelled';
      next = copyTask(state);
      next.status = status;
      next.endedAt = event.timestamp;
      delete next.currentStepId;
      if (status === 'completed') {
        next.progress = 100;
        if (event.type === 'task_completed' && event.output !== undefined) next.result = event.output;
      }
      if (event.type === 'task_failed' && event.error !== undefined) next.error = event.error;
      break;
    }
    default:
      return state;
  }
  const name = taskName(event.task);
  if (name !== undefined) next.name = name;
  if (next.startedAt === undefined) {
    const startedAt = validTime(event.startedAt);
    if (startedAt !== undefined) next.startedAt = startedAt;
  }
  if (next.endedAt !== undefined && next.duration === undefined) {
    // Counted from the task's own start: unknown when the state began after it and no event says when.
    const duration = event.type === 'task_completed' && event.duration !== undefined ? event.duration : elapsed(next.startedAt, next.endedAt);
    if (duration !== undefined) next.duration = duration;
  }
  if (!state.updatedAt || event.timestamp > state.updatedAt) next.updatedAt = event.timestamp;
  if (event.seq !== undefined) next.seq = event.seq;
  return next;
}
