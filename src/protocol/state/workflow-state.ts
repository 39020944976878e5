/** The current state of one workflow execution, reduced from its events. */
import type { PlannedPhase, WorkflowEvent } from '../events.js';
import { DEFAULT_LIMITS, elapsed, copyRunFields, type Assert, type CopiesAll, type StateLimits, type Versioned } from './limits.js';
import { capStages, indexOf, validTime, withNewStage, withPlan, withStageAt } from './stages.js';

/**
 * `waiting`: nothing known yet. A resumed execution is `running` again. `cancelled` comes from a
 * REST snapshot (or a state the page sets): no live event says an execution was cancelled.
 */
export type WorkflowStatus = 'waiting' | 'created' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type PhaseStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface PhaseState {
  id: string;
  name: string;
  /** `pending`: planned, not begun. */
  status: PhaseStatus;
  /** When it began; unknown for a phase already running when the state began. */
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
  /** The workflow's own name, when the wire gives one. */
  name?: string;
  status: WorkflowStatus;
  /** The phases in order: the plan's (pending until they begin), and every phase an event named. */
  phases: PhaseState[];
  droppedPhases: number;
  /**
   * True when the state began after the execution did, with no plan or snapshot since: phases
   * before the first one listed may be missing, so a phase's index is not its position and the
   * phases done are not counted.
   */
  earlierUnknown?: boolean;
  currentPhaseId?: string;
  /** The number of phases, when the server or a snapshot says it. */
  totalPhases?: number;
  output?: unknown;
  error?: string;
  createdAt?: string;
  /** When the execution started (its own start, never when the state began); undefined while unknown. */
  startedAt?: string;
  endedAt?: string;
  /** ms, from the server when it says, else from startedAt to endedAt; undefined while unknown. */
  duration?: number;
  updatedAt?: string;
}

export const TERMINAL_WORKFLOW_STATUSES: ReadonlySet<WorkflowStatus> = new Set(['completed', 'failed', 'cancelled']);

export function initialWorkflowState(projectId: string, workflowId: string, executionId: string): WorkflowState {
  return { kind: 'workflow', projectId, workflowId, executionId, status: 'waiting', phases: [], droppedPhases: 0 };
}

/**
 * A copy of a state to change: the fields it holds. Object spread, which V8 clones about ten
 * times slower for objects made by earlier copies, would run for every event.
 */
function copyWorkflow(s: WorkflowState): WorkflowState {
  const n: WorkflowState = { kind: 'workflow', projectId: s.projectId, workflowId: s.workflowId, executionId: s.executionId, status: s.status, phases: s.phases, droppedPhases: s.droppedPhases };
  if (s.currentPhaseId !== undefined) n.currentPhaseId = s.currentPhaseId;
  if (s.totalPhases !== undefined) n.totalPhases = s.totalPhases;
  if (s.output !== undefined) n.output = s.output;
  if (s.createdAt !== undefined) n.createdAt = s.createdAt;
  copyRunFields(s, n);
  return n;
}
/** Fails the type check when a field of WorkflowState is added and not copied above. */
export type WorkflowStateCopiesAll = Assert<CopiesAll<WorkflowState, 'name' | 'earlierUnknown' | 'currentPhaseId' | 'totalPhases' | 'output' | 'error' | 'createdAt' | 'startedAt' | 'endedAt' | 'duration' | 'updatedAt' | 'seq' | 'snapshotAt'>>;

/**
 * Overall percent: finished phases over all phases; undefined while either is unknown (the total
 * not given, or phases before the first one listed not seen).
 */
export function workflowPercent(state: WorkflowState): number | undefined {
  if (state.status === 'completed') return 100;
  const total = Math.max(state.totalPhases ?? 0, state.phases.length + state.droppedPhases);
  if (!state.totalPhases || total === 0 || state.earlierUnknown) return undefined;
  const done = state.phases.filter((p) => p.status === 'completed' || p.status === 'skipped').length + state.droppedPhases;
  return Math.round((Math.min(done, total) / total) * 100);
}

function withPhase(state: WorkflowState, id: string, update: (p: PhaseState | undefined) => PhaseState, limits: StateLimits): WorkflowState {
  const index = indexOf(state.phases, id);
  const next = copyWorkflow(state);
  if (index >= 0) {
    next.phases = withStageAt(state.phases, index, update(state.phases[index]));
    return next;
  }
  const { list, dropped } = capStages(withNewStage(state.phases, update(undefined)), limits.maxSteps);
  next.phases = list;
  next.droppedPhases = state.droppedPhases + dropped;
  return next;
}

function applyPlan(state: WorkflowState, plan: readonly PlannedPhase[], limits: StateLimits): WorkflowState {
  const phases = withPlan(state.phases, plan.map((p) => ({ id: p.phaseId, name: p.phase ?? p.phaseId })), ({ id, name }): PhaseState => ({ id, name, status: 'pending' }));
  const { list, dropped } = capStages(phases, limits.maxSteps);
  const next = copyWorkflow(state);
  next.phases = list;
  next.droppedPhases = state.droppedPhases + dropped;
  next.totalPhases = Math.max(state.totalPhases ?? 0, list.length + next.droppedPhases);
  delete next.earlierUnknown;
  return next;
}

/** A state from a REST execution may not know its workflow (or project): an event of it does. */
function withIds(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  const workflowId = state.workflowId === '' && event.workflowId ? event.workflowId : state.workflowId;
  const projectId = state.projectId === '' && event.projectId ? event.projectId : state.projectId;
  if (workflowId === state.workflowId && projectId === state.projectId) return state;
  const next = copyWorkflow(state);
  next.workflowId = workflowId;
  next.projectId = projectId;
  return next;
}

export function reduceWorkflow(given: WorkflowState, event: WorkflowEvent, limits: StateLimits = DEFAULT_LIMITS): WorkflowState {
  // A state that begins with an event after the execution's start has not seen the phases before it.
  const late =
    given.status === 'waiting' &&
    given.phases.length === 0 &&
    given.earlierUnknown === undefined &&
    event.type !== 'workflow_execution_created' &&
    event.type !== 'workflow_execution_started';
  let state = given;
  if (late) {
    state = copyWorkflow(given);
    state.earlierUnknown = true;
  }
  state = withIds(state, event);
  const terminal = TERMINAL_WORKFLOW_STATUSES.has(state.status);
  /** A live event of the execution says it has begun: it moves the status off waiting and created. */
  const begun = (s: WorkflowState): WorkflowState => {
    if (s.status === 'waiting' || s.status === 'created') s.status = 'running';
    return s;
  };
  let next: WorkflowState;
  switch (event.type) {
    case 'workflow_execution_created':
      next = copyWorkflow(state);
      next.createdAt ??= event.timestamp;
      if (state.status === 'waiting') next.status = 'created';
      if (event.phases) next = applyPlan(next, event.phases, limits);
      break;
    case 'workflow_execution_started':
    case 'workflow_execution_resumed':
      next = copyWorkflow(state);
      if (!terminal) next.status = 'running';
      if (event.type === 'workflow_execution_started') {
        next.startedAt ??= validTime(event.startedAt) ?? event.timestamp;
        if (event.phases) next = applyPlan(next, event.phases, limits);
      }
      break;
    case 'workflow_execution_paused':
      if (terminal) return state;
      next = copyWorkflow(state);
      next.status = 'paused';
      break;
    case 'workflow_phase_started':
      next = withPhase(state, event.phaseId, (p) => {
        const phase: PhaseState = { ...p, id: event.phaseId, name: event.phase ?? p?.name ?? event.phaseId, status: 'running' };
        phase.startedAt ??= event.timestamp;
        return phase;
      }, limits);
      next.currentPhaseId = event.phaseId;
      next = begun(next);
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
      next = begun(next);
      break;
    case 'workflow_execution_completed':
    case 'workflow_execution_failed': {
      if (terminal) return state;
      const failed = event.type === 'workflow_execution_failed';
      const cancelled = failed && event.status === 'cancelled';
      next = copyWorkflow(state);
      next.status = cancelled ? 'cancelled' : failed ? 'failed' : 'completed';
      next.endedAt = event.timestamp;
      // A completed execution has no current phase; a failed one stays at the phase it failed in.
      if (!failed) delete next.currentPhaseId;
      if (failed) {
        // A cancelled execution has no error of its own (older servers may send "Cancelled" for old clients).
        if (event.error !== undefined && !cancelled) next.error = event.error;
        // The phase that was running when the execution ended ended with it.
        if (state.currentPhaseId) {
          next = withPhase(next, state.currentPhaseId, (p) => {
            const phase: PhaseState = { ...p!, status: cancelled ? 'skipped' : 'failed', endedAt: event.timestamp };
            const d = elapsed(p?.startedAt, event.timestamp);
            if (d !== undefined) phase.duration = d;
            return phase;
          }, limits);
        }
      } else if (event.output !== undefined) {
        next.output = event.output;
      }
      if (event.type === 'workflow_execution_completed' && event.duration !== undefined) next.duration = event.duration;
      break;
    }
    default:
      return state;
  }
  if (event.totalPhases !== undefined && event.totalPhases >= 0) next.totalPhases = Math.floor(event.totalPhases);
  // A phase beyond the total (one the plan or the server's count did not include) adds to it.
  if (next.totalPhases !== undefined && next.phases.length + next.droppedPhases > next.totalPhases) next.totalPhases = next.phases.length + next.droppedPhases;
  if (event.workflow !== undefined && event.workflow !== '') next.name = event.workflow;
  if (next.startedAt === undefined) {
    const startedAt = validTime(event.startedAt);
    if (startedAt !== undefined) next.startedAt = startedAt;
  }
  if (next.endedAt !== undefined && next.duration === undefined) {
    // Counted from the execution's own start: unknown when the state began after it and no event says when.
    const duration = elapsed(next.startedAt, next.endedAt);
    if (duration !== undefined) next.duration = duration;
  }
  if (!state.updatedAt || event.timestamp > state.updatedAt) next.updatedAt = event.timestamp;
  if (event.seq !== undefined) next.seq = event.seq;
  return next;
}
