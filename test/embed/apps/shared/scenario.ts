/** The data and set-up every embedding app shares. */
import {
  configureProgress,
  initialContainerState,
  initialTaskState,
  reduceContainer,
  reduceTask,
  type ContainerState,
  type ProgressClient,
  type TaskState,
} from '@aintandem/progress-elements';

declare global {
  interface Window {
    /** The page's client, for the test to read its subscription count. */
    progressClient?: ProgressClient;
  }
}

/** Configures the client every element uses from `?ws=` (a socket URL template). */
export function configureFromQuery(): void {
  const url = new URLSearchParams(location.search).get('ws');
  if (url) window.progressClient = configureProgress({ url });
}

const at = new Date().toISOString();

/** Task t1 of project p1 at 25 %, given to <task-progress> as its `state` property. */
export function initialTask(): TaskState {
  return reduceTask(initialTaskState('p1', 't1'), {
    type: 'step_progress',
    projectId: 'p1',
    taskId: 't1',
    stepId: 's1',
    step: 'Compile',
    status: 'running',
    progress: 25,
    timestamp: at,
  });
}

/** A running container, given to <container-status> as its `state` property (no ids: nothing to follow). */
export function runningContainer(): ContainerState {
  const created = reduceContainer(initialContainerState('p1', 'c1'), { type: 'container_created', projectId: 'p1', containerId: 'c1', image: 'node:20', timestamp: at });
  return reduceContainer(created, { type: 'container_started', projectId: 'p1', containerId: 'c1', timestamp: at });
}

/** What an app writes into #log for a completed event. */
export function logEntry(event: CustomEvent<{ state: { status: string } }>): string {
  return `${event.type}:${event.detail.state.status}`;
}
