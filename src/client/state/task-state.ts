/** The current state of one task, reduced from its events. */
import type { ArtifactInfo, StepStatus, TaskEvent } from '../events.js';
import { appendCapped, clampPercent, DEFAULT_LIMITS, elapsed, type StateLimits, type Versioned } from './limits.js';

/** `waiting`: nothing known yet (no event, no snapshot). */
export type TaskStatus = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepState {
  /** The stepId, or the step's name when the server sends no id. */
  id: string;
  name: string;
  status: StepStatus;
  message?: string;
  progress?: number;
  startedAt?: string;
  endedAt?: string;
}

export interface TaskState extends Versioned {
  kind: 'task';
  projectId: string;
  taskId: string;
  status: TaskStatus;
  /** Overall percent 0-100; undefined while unknown (indeterminate). */
  progress?: number;
  /** The latest step message. */
  message?: string;
  steps: StepState[];
  /** Steps dropped from the front when more than the cap arrived. */
  droppedSteps: number;
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
  startedAt?: string;
  endedAt?: string;
  /** ms, from the server when it says, else derived from the times. */
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

function appendOutput(state: TaskState, chunk: string, limits: StateLimits): TaskState {
  if (!chunk) return state;
  const clip = (line: string) => (line.length > limits.maxLineLength ? line.slice(0, limits.maxLineLength) + '…' : line);
  const pieces = chunk.split(/\r?\n/);
  const endsOpen = pieces[pieces.length - 1] !== '';
  if (!endsOpen) pieces.pop();
  let lines = state.output;
  if (state.outputLineOpen && lines.length > 0 && pieces.length > 0) {
    lines = [...lines.slice(0, -1), clip(lines[lines.length - 1] + pieces.shift()!)];
  }
  const { list, dropped } = appendCapped(lines, pieces.map(clip), limits.maxOutputLines);
  return {
    ...state,
    output: list,
    droppedOutputLines: state.droppedOutputLines + dropped,
    outputLineOpen: endsOpen,
  };
}

function applyStep(state: TaskState, e: Extract<TaskEvent, { type: 'step_progress' }>, limits: StateLimits): TaskState {
  const id = e.stepId ?? e.step ?? '';
  const index = state.steps.findIndex((s) => s.id === id);
  const previous = index >= 0 ? state.steps[index] : undefined;
  const step: StepState = {
    id,
    name: e.step ?? previous?.name ?? id,
    status: e.status,
  };
  const message = e.message ?? previous?.message;
  if (message !== undefined) step.message = message;
  const progress = e.progress !== undefined ? clampPercent(e.progress) : previous?.progress;
  if (progress !== undefined) step.progress = progress;
  const startedAt = previous?.startedAt ?? (e.status === 'running' ? e.timestamp : undefined);
  if (startedAt) step.startedAt = startedAt;
  const done = e.status === 'completed' || e.status === 'failed' || e.status === 'skipped';
  const endedAt = done ? (previous?.endedAt ?? e.timestamp) : undefined;
  if (endedAt) step.endedAt = endedAt;

  let steps: StepState[];
  let droppedSteps = state.droppedSteps;
  if (index >= 0) {
    steps = state.steps.slice();
    steps[index] = step;
  } else {
    const capped = appendCapped(state.steps, [step], limits.maxSteps);
    steps = capped.list;
    droppedSteps += capped.dropped;
  }
  const next: TaskState = { ...state, steps, droppedSteps };
  if (e.status === 'running') next.currentStepId = id;
  else if (state.currentStepId === id) delete next.currentStepId;
  if (e.message !== undefined) next.message = e.message;
  if (e.progress !== undefined) next.progress = clampPercent(e.progress);
  if (!TERMINAL_TASK_STATUSES.has(state.status)) {
    next.status = 'running';
    if (!next.startedAt) next.startedAt = e.timestamp;
  }
  return typeof e.output === 'string' ? appendOutput(next, e.output, limits) : next;
}

/**
 * Applies one event. Returns the same object when the event changes nothing.
 * A task that reached completed, failed or cancelled keeps that status.
 */
export function reduceTask(state: TaskState, event: TaskEvent, limits: StateLimits = DEFAULT_LIMITS): TaskState {
  const terminal = TERMINAL_TASK_STATUSES.has(state.status);
  let next: TaskState;
  switch (event.type) {
    case 'task_queued':
      next = terminal || state.status === 'running' ? { ...state } : { ...state, status: 'queued' };
      next.queuedAt ??= event.timestamp;
      break;
    case 'task_started':
      next = terminal ? { ...state } : { ...state, status: 'running' };
      next.startedAt ??= event.timestamp;
      break;
    case 'step_progress':
      next = applyStep(state, event, limits);
      break;
    case 'output':
      next = appendOutput(state, event.output, limits);
      break;
    case 'artifact': {
      const artifact = { path: event.artifact.path, type: event.artifact.type } as typeof event.artifact;
      if (event.artifact.size !== undefined) artifact.size = event.artifact.size;
      const { list, dropped } = appendCapped(state.artifacts, [artifact], limits.maxArtifacts);
      next = { ...state, artifacts: list, droppedArtifacts: state.droppedArtifacts + dropped };
      break;
    }
    case 'task_completed':
    case 'task_failed':
    case 'task_cancelled': {
      if (terminal) return state;
      const status = event.type === 'task_completed' ? 'completed' : event.type === 'task_failed' ? 'failed' : 'cancelled';
      next = { ...state, status, endedAt: event.timestamp };
      delete next.currentStepId;
      if (status === 'completed') {
        next.progress = 100;
        if (event.type === 'task_completed' && event.output !== undefined) next.result = event.output;
      }
      if (event.type === 'task_failed' && event.error !== undefined) next.error = event.error;
      const duration = event.type === 'task_completed' && event.duration !== undefined
        ? event.duration
        : elapsed(state.startedAt ?? state.queuedAt, event.timestamp);
      if (duration !== undefined) next.duration = duration;
      break;
    }
    default:
      return state;
  }
  if (!state.updatedAt || event.timestamp > state.updatedAt) next.updatedAt = event.timestamp;
  if (event.seq !== undefined) next.seq = event.seq;
  return next;
}
