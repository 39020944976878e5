/** The elements' classes, their event details, the shared client configuration and the strings hook. Defines nothing. */
export { TaskProgressElement } from './task-progress/task-progress.js';
export type { TaskProgressEventDetail, TaskFailEventDetail } from './task-progress/task-progress.js';
export { WorkflowTrackerElement } from './workflow-tracker/workflow-tracker.js';
export type { WorkflowTrackerEventDetail, WorkflowFailEventDetail } from './workflow-tracker/workflow-tracker.js';
export { ContainerStatusElement } from './container-status/container-status.js';
export type { ContainerStatusEventDetail, ContainerFailEventDetail } from './container-status/container-status.js';
export { TaskLogElement } from './task-log/task-log.js';
export type { TaskLogSelectEventDetail } from './task-log/task-log.js';
export type { TaskLogStrings } from './task-log/log-strings.js';
export { configureProgress, getProgressClient, resetProgress, onProgressClientChange, PROGRESS_URL_META } from './shared/configure.js';
export type { ProgressConfig, ClientListener } from './shared/configure.js';
export { setProgressStrings, resetProgressStrings, getProgressStrings, DEFAULT_STRINGS } from './shared/strings.js';
export { setFrameBudget } from './shared/frame-scheduler.js';
export type { ProgressStrings } from './shared/strings.js';
export type { TaskStateInput, WorkflowStateInput, ContainerStateInput, StepStateInput, PhaseStateInput } from './shared/state-input.js';
export type { ViewConnection } from './shared/live-subscription.js';
export type { ActionStrings } from './shared/action-strings.js';
export type { ProgressActionEventDetail } from './shared/progress-action.js';
