/** `@aintandem/progress-elements/client`: the DOM-free progress client (browsers and Node). */
export * from '../protocol/events.js';
export { parseFrame, parseMessage, decodeFrame, DEFAULT_MAX_FRAME_SIZE } from '../protocol/parse-frame.js';
export type { DecodedFrame, FrameRejection, ParseResult, ParsedMessage, RejectionReason } from '../protocol/parse-frame.js';
export { backoffCeiling, backoffDelay } from './backoff.js';
export { WebSocketManager, AUTH_CLOSE_CODES, redactUrl } from './websocket-manager.js';
export type {
  WebSocketManagerConfig,
  WebSocketManagerStats,
  WebSocketConstructor,
  WebSocketLike,
  TokenSource,
  Transport,
  ResumePosition,
  ResyncReason,
} from './websocket-manager.js';
export { entityKey, filterKey, identityOf, kindOf, matches, asQuery } from '../protocol/entity.js';
export type { EntityFilter, EntityKind, EntityQuery, Ids } from '../protocol/entity.js';
export { Connection } from './connection/connection.js';
export type { ConnectionConfig, ConnectionStats } from './connection/connection.js';
export { referenceSnapshotLoader, httpOriginOf, asEntityState } from './snapshots.js';
export type { SnapshotLoader, SnapshotRequest, HttpLoaderOptions } from './snapshots.js';
export { aintandemSnapshotLoader, taskFromRest, workflowFromRest } from './aintandem-snapshots.js';
export type { StorageLike, PersistedProgress } from './persistence.js';
export { ProgressClient, ProgressClientError } from './progress-client.js';
export type {
  ProgressClientConfig,
  ProgressSubscription,
  ConnectionDetail,
  TaskProgressOptions,
  WorkflowProgressOptions,
  ContainerProgressOptions,
  ProgressOptions,
} from './progress-client.js';
export type { RunAction, RunRef } from './run-actions.js';
export { RunActionError } from './run-action-error.js';
export type { RunActionErrorCode } from './run-action-error.js';
export { AInTandemClient, progressUrlFromBase } from './aintandem-client.js';
export type { AInTandemClientConfig } from './aintandem-client.js';
export { ProgressStore, isFinished } from '../protocol/state/progress-store.js';
export type { EntityState, ProgressStoreOptions } from '../protocol/state/progress-store.js';
export { reduceTask, initialTaskState, TERMINAL_TASK_STATUSES } from '../protocol/state/task-state.js';
export type { TaskState, TaskStatus, StepState } from '../protocol/state/task-state.js';
export { reduceWorkflow, initialWorkflowState, workflowPercent, TERMINAL_WORKFLOW_STATUSES } from '../protocol/state/workflow-state.js';
export type { WorkflowState, WorkflowStatus, PhaseState, PhaseStatus } from '../protocol/state/workflow-state.js';
export { reduceContainer, initialContainerState, containerFailed } from '../protocol/state/container-state.js';
export type { ContainerState, ContainerStatus } from '../protocol/state/container-state.js';
export { DEFAULT_LIMITS } from '../protocol/state/limits.js';
export type { StateLimits } from '../protocol/state/limits.js';
