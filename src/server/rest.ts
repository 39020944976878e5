/**
 * The read side of AInTandem's REST API, as far as progress views need it, served from the
 * log's entity states: `GET …/projects/{projectId}/tasks/{taskId}` and
 * `GET …/workflows/executions/{executionId}`. Lets `aintandemSnapshotLoader` work against the
 * reference server as it does against an orchestrator.
 */
import type { TaskState } from '../protocol/state/task-state.js';
import type { WorkflowState } from '../protocol/state/workflow-state.js';
import type { EntityStates } from './entity-states.js';

const TASK_PATH = /\/projects\/([^/]+)\/tasks\/([^/]+)$/;
const EXECUTION_PATH = /\/workflows\/executions\/([^/]+)$/;

const WORKFLOW_STATUS: Record<WorkflowState['status'], string> = {
  waiting: 'pending', created: 'pending', running: 'running', paused: 'paused', completed: 'completed', failed: 'failed', cancelled: 'cancelled',
};

function taskBody(state: TaskState): object {
  return {
    id: state.taskId,
    projectId: state.projectId,
    name: state.name,
    status: state.status === 'waiting' ? 'pending' : state.status,
    progress: state.progress,
    steps: state.steps.map((s) => ({ stepId: s.id, name: s.name, status: s.status, message: s.message })),
    error: state.error,
    startedAt: state.startedAt,
    completedAt: state.endedAt,
    duration: state.duration,
    updatedAt: state.updatedAt,
  };
}

function executionBody(state: WorkflowState): object {
  return {
    id: state.executionId,
    workflowId: state.workflowId,
    workflowName: state.name,
    projectId: state.projectId,
    status: WORKFLOW_STATUS[state.status],
    phases: state.phases.map((p) => ({ phaseId: p.id, name: p.name, status: p.status, startTime: p.startedAt, endTime: p.endedAt, duration: p.duration })),
    currentPhase: state.currentPhaseId,
    totalPhases: state.totalPhases,
    startTime: state.startedAt,
    endTime: state.endedAt,
    duration: state.duration,
    error: state.error,
    updatedAt: state.updatedAt,
  };
}

/** Whether a path is one of these endpoints (whatever the entity). */
export function isRestPath(path: string): boolean {
  return TASK_PATH.test(path) || EXECUTION_PATH.test(path);
}

/**
 * What a REST read answers: the entity's body, `unknown` when the log has no state of it, `bad`
 * when an id in the path is not valid percent-encoding; undefined when the path is not one of
 * these endpoints.
 */
export type RestAnswer = { body: object; projectId: string } | 'unknown' | 'bad';

/** The project a REST path names (a task's), or undefined (an execution's path names none, or it is not valid encoding). */
export function restProject(path: string): string | undefined {
  const m = TASK_PATH.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

export async function restAnswer(states: EntityStates, path: string): Promise<RestAnswer | undefined> {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  let m = TASK_PATH.exec(path);
  if (m) {
    const projectId = decode(m[1]!);
    const taskId = decode(m[2]!);
    if (projectId === undefined || taskId === undefined) return 'bad';
    const state = await states.snapshot({ kind: 'task', projectId, taskId });
    return state?.kind === 'task' ? { body: taskBody(state), projectId: state.projectId } : 'unknown';
  }
  m = EXECUTION_PATH.exec(path);
  if (m) {
    const executionId = decode(m[1]!);
    if (executionId === undefined) return 'bad';
    const state = await states.snapshot({ kind: 'workflow', executionId });
    return state?.kind === 'workflow' ? { body: executionBody(state), projectId: state.projectId } : 'unknown';
  }
  return undefined;
}
