/** The current state of one workflow execution, reduced from its events. */
import type { WorkflowEvent } from '../events.js';
import { appendCapped, DEFAULT_LIMITS, elapsed, type StateLimits, type Versioned } from './limits.js';

/**
 * `waiting`: nothing known yet. A resumed execution is `running` again. `cancelled` comes from a
 * REST snapshot (or a state the page sets): no live event says an execution was cancelled.
 */
export type WorkflowStatus = 'waiting' | 'created' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type PhaseStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface PhaseState {
  id: string;
  name: string;
  status: PhaseStatus;
  startedAt?: string;
  endedAt?: string;
  /** ms */
  duration?: number;
  output?: unknown;
}

export interface WorkflowState extends Versioned {
  kind: 'workflow';
  projectId: string;
  /** '' while unknown: AInTandem's REST execution does not say it; the first live event does. */
  workflowId: string;
  executionId: string;
  status: WorkflowStatus;
  /** Phases in the order they were announced. */
  phases: PhaseState[];
  droppedPhases: number;
  currentPhaseId?: string;
  /** The number of phases, when the server or a snapshot says it. */
  totalPhases?: number;
  output?: unknown;
  error?: string;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
  /** ms */
  duration?: number;
  updatedAt?: string;
}

export const TERMINAL_WORKFLOW_STATUSES: ReadonlySet<WorkflowStatus> = new Set(['completed', 'failed', 'cancelled']);

export function initialWorkflowState(projectId: string, workflowId: string, executionId: string): WorkflowState {
  return { kind: 'workflow', projectId, workflowId, executionId, status: 'waiting', phases: [], droppedPhases: 0 };
}

/** Overall percent: finished phases over all phases; undefined while the total is unknown. */
export function workflowPercent(state: WorkflowState): number | undefined {
  if (state.status === 'completed') return 100;
  const total = Math.max(state.totalPhases ?? 0, state.phases.length);
  if (!state.totalPhases || total === 0) return undefined;
  const done = state.phases.filter((p) => p.status === 'completed' || p.status === 'skipped').length;
  return Math.round((done / total) * 100);
}

function withPhase(state: WorkflowState, id: string, update: (p: PhaseState | undefined) => PhaseState, limits: StateLimits): WorkflowState {
  const index = state.phases.findIndex((p) => p.id === id);
  if (index >= 0) {
    const phases = state.phases.slice();
    phases[index] = update(state.phases[index]);
    return { ...state, phases };
  }
  const { list, dropped } = appendCapped(state.phases, [update(undefined)], limits.maxSteps);
  return { ...state, phases: list, droppedPhases: state.droppedPhases + dropped };
}

/** A state from a REST execution may not know its workflow (or project): an event of it does. */
function withIds(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  const workflowId = state.workflowId === '' && event.workflowId ? event.workflowId : state.workflowId;
  const projectId = state.projectId === '' && event.projectId ? event.projectId : state.projectId;
  return workflowId === state.workflowId && projectId === state.projectId ? state : { ...state, workflowId, projectId };
}

export function reduceWorkflow(given: WorkflowState, event: WorkflowEvent, limits: StateLimits = DEFAULT_LIMITS): WorkflowState {
  const state = withIds(given, event);
  const terminal = TERMINAL_WORKFLOW_STATUSES.has(state.status);
  let next: WorkflowState;
  switch (event.type) {
    case 'workflow_execution_created':
      next = { ...state, createdAt: state.createdAt ?? event.timestamp };
      if (state.status === 'waiting') next.status = 'created';
      break;
    case 'workflow_execution_started':
    case 'workflow_execution_resumed':
      next = { ...state };
      if (!terminal) next.status = 'running';
      next.startedAt ??= event.timestamp;
      break;
    case 'workflow_execution_paused':
      next = terminal ? state : { ...state, status: 'paused' };
      break;
    case 'workflow_phase_started':
      next = withPhase(state, event.phaseId, (p) => {
        const phase: PhaseState = { ...p, id: event.phaseId, name: event.phase ?? p?.name ?? event.phaseId, status: 'running' };
        phase.startedAt ??= event.timestamp;
        return phase;
      }, limits);
      next.currentPhaseId = event.phaseId;
      if (!terminal && state.status !== 'paused') next.status = 'running';
      next.startedAt ??= event.timestamp;
      break;
    case 'workflow_phase_completed':
      next = withPhase(state, event.phaseId, (p) => {
        const phase: PhaseState = { ...p, id: event.phaseId, name: event.phase ?? p?.name ?? event.phaseId, status: 'completed', endedAt: event.timestamp };
        const d = elapsed(p?.startedAt, event.timestamp);
        if (d !== undefined) phase.duration = d;
        if (event.output !== undefined) phase.output = event.output;
        return phase;
      }, limits);
      if (next.currentPhaseId === event.phaseId) delete next.currentPhaseId;
      break;
    case 'workflow_execution_completed':
    case 'workflow_execution_failed': {
      if (terminal) return state;
      const failed = event.type === 'workflow_execution_failed';
      next = { ...state, status: failed ? 'failed' : 'completed', endedAt: event.timestamp };
      if (failed) {
        if (event.error !== undefined) next.error = event.error;
        // The phase that was running when the execution failed failed with it.
        if (state.currentPhaseId) {
          next = withPhase(next, state.currentPhaseId, (p) => {
            const phase: PhaseState = { ...p!, status: 'failed', endedAt: event.timestamp };
            const d = elapsed(p?.startedAt, event.timestamp);
            if (d !== undefined) phase.duration = d;
            return phase;
          }, limits);
        }
      } else if (event.output !== undefined) {
        next.output = event.output;
      }
      const duration = event.type === 'workflow_execution_completed' && event.duration !== undefined
        ? event.duration
        : elapsed(state.startedAt ?? state.createdAt, event.timestamp);
      if (duration !== undefined) next.duration = duration;
      break;
    }
    default:
      return state;
  }
  if (event.totalPhases !== undefined && event.totalPhases >= 0) next = { ...next, totalPhases: Math.floor(event.totalPhases) };
  if (next !== state && (!state.updatedAt || event.timestamp > state.updatedAt)) next.updatedAt = event.timestamp;
  if (next !== state && event.seq !== undefined) next.seq = event.seq;
  return next;
}
