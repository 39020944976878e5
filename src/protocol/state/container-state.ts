/** The current state of one container, reduced from its events. */
import type { ContainerEvent } from '../events.js';
import type { Versioned } from './limits.js';
import { validTime } from './stages.js';

/** `waiting`: nothing known yet. */
export type ContainerStatus = 'waiting' | 'created' | 'running' | 'stopped' | 'error';

export interface ContainerState extends Versioned {
  kind: 'container';
  projectId: string;
  containerId: string;
  status: ContainerStatus;
  /** The image: the container's name on the wire. */
  image?: string;
  exitCode?: number;
  error?: string;
  createdAt?: string;
  /** When it last started (its own start, never when the state began); undefined while unknown. */
  startedAt?: string;
  stoppedAt?: string;
  updatedAt?: string;
}

export function initialContainerState(projectId: string, containerId: string): ContainerState {
  return { kind: 'container', projectId, containerId, status: 'waiting' };
}

/** A stop with a non-zero exit code, or an error, is a failure. */
export function containerFailed(state: ContainerState): boolean {
  return state.status === 'error' || (state.status === 'stopped' && state.exitCode !== undefined && state.exitCode !== 0);
}

export function reduceContainer(state: ContainerState, event: ContainerEvent): ContainerState {
  let next: ContainerState;
  switch (event.type) {
    case 'container_created':
      next = { ...state, createdAt: state.createdAt ?? event.timestamp };
      if (state.status === 'waiting') next.status = 'created';
      break;
    case 'container_started':
      // A container can be started again after a stop.
      next = { ...state, status: 'running', startedAt: validTime(event.startedAt) ?? event.timestamp };
      delete next.stoppedAt;
      delete next.exitCode;
      delete next.error;
      break;
    case 'container_stopped':
      next = { ...state, status: 'stopped', stoppedAt: event.timestamp };
      if (event.exitCode !== undefined) next.exitCode = event.exitCode;
      break;
    case 'container_error':
      next = { ...state, status: 'error' };
      if (event.error !== undefined) next.error = event.error;
      break;
    default:
      return state;
  }
  if (event.image !== undefined) next.image = event.image;
  // The run's own start, also on a stop or error seen without the start: how long it ran is then known.
  if (next.startedAt === undefined) {
    const startedAt = validTime(event.startedAt);
    if (startedAt !== undefined) next.startedAt = startedAt;
  }
  if (!state.updatedAt || event.timestamp > state.updatedAt) next.updatedAt = event.timestamp;
  if (event.seq !== undefined) next.seq = event.seq;
  return next;
}
