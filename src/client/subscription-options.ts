/**
 * What a subscription asks for: the options of each kind of subscription, the handle it gets
 * back, and the checks that refuse bad options with a typed error before anything opens.
 */
import type {
  ConnectionState,
  ContainerEvent,
  ProgressEvent,
  ProgressEventType,
  TaskCancelledEvent,
  TaskCompletedEvent,
  TaskEvent,
  TaskFailedEvent,
  WorkflowEvent,
  WorkflowExecutionCompletedEvent,
  WorkflowExecutionFailedEvent,
} from '../protocol/events.js';
import { ProgressClientError } from './progress-client-error.js';
import type { ContainerState } from '../protocol/state/container-state.js';
import type { TaskState } from '../protocol/state/task-state.js';
import type { WorkflowState } from '../protocol/state/workflow-state.js';

export interface CommonOptions<E extends ProgressEvent, S> {
  /** Every matching event. */
  onEvent?: (event: E) => void;
  /** The entity's state after every matching event, and at once when it is already known. */
  onState?: (state: S) => void;
  /**
   * The state of the socket serving this subscription, at once and on every change, and, while
   * it reconnects, when the next attempt is due (`detail.retryAt`, as Date.now()).
   */
  onConnectionChange?: (state: ConnectionState, detail: ConnectionDetail) => void;
  /** Deliver only these event types. */
  types?: readonly E['type'][];
}

export interface TaskProgressOptions extends CommonOptions<TaskEvent, TaskState> {
  projectId?: string;
  /** Omit to follow every task (of the project). */
  taskId?: string;
  onComplete?: (event: TaskCompletedEvent) => void;
  onFailed?: (event: TaskFailedEvent) => void;
  onCancelled?: (event: TaskCancelledEvent) => void;
}

export interface WorkflowProgressOptions extends CommonOptions<WorkflowEvent, WorkflowState> {
  projectId?: string;
  workflowId?: string;
  executionId?: string;
  onComplete?: (event: WorkflowExecutionCompletedEvent) => void;
  onFailed?: (event: WorkflowExecutionFailedEvent) => void;
}

export interface ContainerProgressOptions extends CommonOptions<ContainerEvent, ContainerState> {
  projectId?: string;
  containerId?: string;
}

export interface ProgressOptions {
  projectId?: string;
  types?: readonly ProgressEventType[];
  onEvent: (event: ProgressEvent) => void;
  onConnectionChange?: (state: ConnectionState, detail: ConnectionDetail) => void;
}

/** What a subscription is told beside its socket's state. */
export interface ConnectionDetail {
  /** While reconnecting: Date.now() when the next attempt is due (undefined once it is under way). */
  retryAt?: number;
}

/** Also a function: calling it unsubscribes, as `unsubscribe()` does. */
export interface ProgressSubscription {
  (): void;
  unsubscribe(): void;
  /**
   * Resolves when the subscription's socket is connected; rejects when it gives up. A server that
   * refuses a token sent in the URL closes the socket after it opened (4401): that comes as the
   * state `failed`. With `tokenTransport: 'message'`, connected means accepted.
   */
  readonly ready: Promise<void>;
  /** The state of the subscription's socket. */
  getConnectionState(): ConnectionState;
  /**
   * Reconnects the subscription's socket now, with a fresh attempt counter (a "retry now"
   * button): from reconnecting or failed, without waiting for the backoff.
   */
  reconnect(): Promise<void>;
}

export type AnyOptions = TaskProgressOptions | WorkflowProgressOptions | ContainerProgressOptions | ProgressOptions;

const CALLBACKS = ['onEvent', 'onState', 'onConnectionChange', 'onComplete', 'onFailed', 'onCancelled'] as const;

/** Checks a subscription's options before anything is opened for it. */
export function checkOptions<O extends { projectId?: string; types?: readonly string[] }>(options: O, ...ids: (keyof O & string)[]): O {
  const fail = (message: string): never => {
    throw new ProgressClientError('invalid_options', message);
  };
  if (typeof options !== 'object' || options === null) fail('subscription options must be an object');
  for (const id of ['projectId', ...ids] as const) {
    const value = (options as Record<string, unknown>)[id];
    if (value !== undefined && typeof value !== 'string') fail(`\`${id}\` must be a string`);
  }
  if (options.types !== undefined && !Array.isArray(options.types)) fail('`types` must be an array of event types');
  for (const name of CALLBACKS) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && typeof value !== 'function') fail(`\`${name}\` must be a function`);
  }
  return options;
}

