/**
 * Snapshots from AInTandem's REST API: `GET {base}/projects/{projectId}/tasks/{taskId}` and
 * `GET {base}/workflows/executions/{executionId}`, mapped onto the client's states. The API has
 * no container endpoint: container views start from live events. Fields that are missing or of
 * an unexpected type are left out rather than guessed.
 */
import { isObject } from '../protocol/objects.js';
import { asEntityState, getJson, type HttpLoaderOptions, type SnapshotLoader } from './snapshots.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import { initialTaskState, taskName, type StepState, type TaskState, type TaskStatus } from '../protocol/state/task-state.js';
import { initialWorkflowState, type PhaseState, type PhaseStatus, type WorkflowState, type WorkflowStatus } from '../protocol/state/workflow-state.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function pick<T extends string>(value: unknown, map: Record<string, T>): T | undefined {
  return typeof value === 'string' && Object.hasOwn(map, value) ? map[value] : undefined;
}

const TASK_STATUS: Record<string, TaskStatus> = {
  pending: 'queued', queued: 'queued', running: 'running', completed: 'completed', failed: 'failed', cancelled: 'cancelled',
};
const WORKFLOW_STATUS: Record<string, WorkflowStatus> = {
  pending: 'created', initializing: 'created', running: 'running', paused: 'paused', completed: 'completed', failed: 'failed', cancelled: 'cancelled',
};
const PHASE_STATUS: Record<string, PhaseStatus> = {
  pending: 'pending', initializing: 'pending', running: 'running', completed: 'completed', failed: 'failed', skipped: 'skipped',
};
const STEP_STATUS: Record<string, StepState['status']> = {
  pending: 'pending', running: 'running', completed: 'completed', failed: 'failed', skipped: 'skipped',
};

/** The newest time a REST object states, used to order live events against it. */
function asOf(o: Record<string, unknown>): string | undefined {
  return str(o.updatedAt) ?? str(o.endTime) ?? str(o.completedAt) ?? str(o.startTime) ?? str(o.startedAt) ?? str(o.createdAt);
}

export function taskFromRest(projectId: string, taskId: string, body: unknown): TaskState | undefined {
  const o = isObject(body) && isObject(body.task) ? body.task : body;
  if (!isObject(o)) return undefined;
  const status = pick(o.status, TASK_STATUS);
  if (!status) return undefined;
  const state: TaskState = { ...initialTaskState(projectId, taskId), status };
  const name = str(o.name) ?? str(o.title) ?? taskName(o.task);
  if (name) state.name = name;
  const progress = num(o.progress) ?? (isObject(o.progress) ? num(o.progress.percentage) : undefined);
  if (progress !== undefined) state.progress = Math.min(100, Math.max(0, progress));
  if (Array.isArray(o.steps)) {
    state.steps = o.steps.flatMap((s): StepState[] => {
      if (!isObject(s)) return [];
      const id = str(s.stepId) ?? str(s.id) ?? str(s.name);
      const stepStatus = pick(s.status, STEP_STATUS);
      if (!id || !stepStatus) return [];
      const step: StepState = { id, name: str(s.name) ?? str(s.step) ?? id, status: stepStatus };
      const message = str(s.message);
      if (message !== undefined) step.message = message;
      return [step];
    });
    const running = state.steps.find((s) => s.status === 'running');
    if (running) state.currentStepId = running.id;
  }
  const error = str(o.error) ?? (isObject(o.error) ? str(o.error.message) : undefined);
  if (error !== undefined) state.error = error;
  const startedAt = str(o.startedAt) ?? str(o.startTime);
  if (startedAt) state.startedAt = startedAt;
  const endedAt = str(o.completedAt) ?? str(o.endTime);
  if (endedAt) state.endedAt = endedAt;
  const duration = num(o.duration);
  if (duration !== undefined) state.duration = duration;
  const at = asOf(o);
  if (at) state.updatedAt = state.snapshotAt = at;
  return state;
}

export function workflowFromRest(body: unknown, fallback: { projectId?: string; workflowId?: string; executionId?: string }): WorkflowState | undefined {
  const o = isObject(body) && isObject(body.execution) ? body.execution : body;
  if (!isObject(o)) return undefined;
  const executionId = str(o.executionId) ?? str(o.id) ?? fallback.executionId;
  // The documented execution does not name its workflow: '' until a live event of it does.
  const workflowId = str(o.workflowId) ?? fallback.workflowId ?? '';
  const status = pick(o.status, WORKFLOW_STATUS);
  if (!executionId || !status) return undefined;
  const state: WorkflowState = { ...initialWorkflowState(str(o.projectId) ?? fallback.projectId ?? '', workflowId, executionId), status };
  const name = str(o.workflowName) ?? (isObject(o.workflow) ? str(o.workflow.name) : str(o.workflow)) ?? str(o.name);
  if (name) state.name = name;
  if (Array.isArray(o.phases)) {
    state.phases = o.phases.flatMap((p): PhaseState[] => {
      if (!isObject(p)) return [];
      const id = str(p.phaseId) ?? str(p.id);
      const phaseStatus = pick(p.status, PHASE_STATUS);
      if (!id || !phaseStatus) return [];
      const phase: PhaseState = { id, name: str(p.name) ?? id, status: phaseStatus };
      const startedAt = str(p.startTime);
      if (startedAt) phase.startedAt = startedAt;
      const endedAt = str(p.endTime);
      if (endedAt) phase.endedAt = endedAt;
      const duration = num(p.duration) ?? (startedAt && endedAt ? Date.parse(endedAt) - Date.parse(startedAt) : undefined);
      if (duration !== undefined && Number.isFinite(duration)) phase.duration = duration;
      return [phase];
    });
  }
  const current = str(o.currentPhase) ?? (isObject(o.currentPhase) ? str(o.currentPhase.phaseId) : undefined);
  if (current && state.phases.some((p) => p.id === current)) state.currentPhaseId = current;
  else {
    const running = state.phases.find((p) => p.status === 'running');
    if (running) state.currentPhaseId = running.id;
  }
  const total = num(o.totalPhases) ?? (Array.isArray(o.phases) ? o.phases.length : undefined);
  if (total !== undefined && total > 0) state.totalPhases = total;
  const error = str(o.error) ?? (isObject(o.error) ? str(o.error.message) : undefined);
  if (error !== undefined) state.error = error;
  const startedAt = str(o.startTime);
  if (startedAt) state.startedAt = startedAt;
  const endedAt = str(o.endTime);
  if (endedAt) state.endedAt = endedAt;
  const duration = num(o.duration);
  if (duration !== undefined) state.duration = duration;
  const at = asOf(o);
  if (at) state.updatedAt = state.snapshotAt = at;
  return state;
}

/** Loads snapshots from AInTandem's REST API; `baseURL` includes `/api`. */
export function aintandemSnapshotLoader(baseURL: string, options: HttpLoaderOptions = {}): SnapshotLoader {
  const base = baseURL.replace(/\/+$/, '');
  const get = (path: string, signal: AbortSignal) => getJson(base + path, options, signal);
  return async (request, signal): Promise<EntityState | undefined> => {
    switch (request.kind) {
      case 'task': {
        const body = await get(`/projects/${encodeURIComponent(request.projectId)}/tasks/${encodeURIComponent(request.taskId)}`, signal);
        const state = body === undefined ? undefined : taskFromRest(request.projectId, request.taskId, body);
        return state && asEntityState(state, request);
      }
      case 'workflow': {
        if (request.executionId === undefined) return undefined; // the API has no "latest execution of a workflow"
        const body = await get(`/workflows/executions/${encodeURIComponent(request.executionId)}`, signal);
        const state = body === undefined ? undefined : workflowFromRest(body, request);
        return state && asEntityState(state, request);
      }
      case 'container':
        return undefined;
    }
  };
}
