/**
 * The progress event types spoken on the wire (AInTandem's format), their unions,
 * exact type guards and listener types.
 */

/** Fields every progress event carries. */
export interface WebSocketEvent {
  type: string;
  /** ISO 8601 time the server emitted the event. */
  timestamp: string;
  projectId: string;
  /**
   * Extension (docs/protocol.md): the server's sequence number, increasing with every event it
   * publishes within one epoch. Servers without it still work.
   */
  seq?: number;
}

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

/**
 * Extension (docs/protocol.md): one entry of a run's plan, announced before it runs. A task's
 * plan lists its steps, a workflow execution's plan its phases, in order, with the same field
 * names as the step and phase events.
 */
export interface PlannedStep {
  stepId?: string;
  /** The step's name. */
  step?: string;
}
export interface PlannedPhase {
  phaseId: string;
  /** The phase's name. */
  phase?: string;
}

export interface ArtifactInfo {
  path: string;
  type: string;
  size?: number;
}

// ---- task events --------------------------------------------------------------------------

interface TaskEventBase extends WebSocketEvent {
  taskId: string;
  /** The task as the orchestrator describes it: its name as a string, or an object with a `name`. */
  task?: unknown;
  /** Extension: when the task started (ISO 8601), so that a view that joins late counts from it. */
  startedAt?: string;
}

export interface TaskQueuedEvent extends TaskEventBase {
  type: 'task_queued';
  input?: unknown;
  /** Extension: the task's steps in order, before they run. */
  steps?: PlannedStep[];
}
export interface TaskStartedEvent extends TaskEventBase {
  type: 'task_started';
  /** Extension: the task's steps in order, before they run. */
  steps?: PlannedStep[];
}
export interface TaskStepProgressEvent extends TaskEventBase {
  type: 'step_progress';
  stepId?: string;
  step?: string;
  status: StepStatus;
  message?: string;
  /** 0-100 */
  progress?: number;
  /** Terminal output when a string (added to the task's output tail); a step result otherwise. */
  output?: unknown;
}
export interface TaskOutputEvent extends TaskEventBase {
  type: 'output';
  stepId?: string;
  /** A chunk of terminal output; may hold several lines. */
  output: string;
}
export interface TaskArtifactEvent extends TaskEventBase {
  type: 'artifact';
  artifact: ArtifactInfo;
}
export interface TaskCompletedEvent extends TaskEventBase {
  type: 'task_completed';
  output?: unknown;
  /** ms */
  duration?: number;
}
export interface TaskFailedEvent extends TaskEventBase {
  type: 'task_failed';
  error?: string;
  output?: unknown;
}
export interface TaskCancelledEvent extends TaskEventBase {
  type: 'task_cancelled';
}

// ---- workflow events ----------------------------------------------------------------------

interface WorkflowEventBase extends WebSocketEvent {
  executionId: string;
  workflowId: string;
  /** Extension: the number of phases of the execution, when the server knows it. */
  totalPhases?: number;
  /** Extension: the workflow's name. */
  workflow?: string;
  /** Extension: when the execution started (ISO 8601), so that a view that joins late counts from it. */
  startedAt?: string;
}
export interface WorkflowExecutionCreatedEvent extends WorkflowEventBase {
  type: 'workflow_execution_created';
  input?: unknown;
  /** Extension: the execution's phases in order, before they run. */
  phases?: PlannedPhase[];
}
export interface WorkflowExecutionStartedEvent extends WorkflowEventBase {
  type: 'workflow_execution_started';
  /** Extension: the execution's phases in order, before they run. */
  phases?: PlannedPhase[];
}
export interface WorkflowPhaseStartedEvent extends WorkflowEventBase {
  type: 'workflow_phase_started';
  phaseId: string;
  /** The phase's name. */
  phase?: string;
}
export interface WorkflowPhaseCompletedEvent extends WorkflowEventBase {
  type: 'workflow_phase_completed';
  phaseId: string;
  phase?: string;
  output?: unknown;
}
export interface WorkflowExecutionCompletedEvent extends WorkflowEventBase {
  type: 'workflow_execution_completed';
  output?: unknown;
  /** ms */
  duration?: number;
}
export interface WorkflowExecutionFailedEvent extends WorkflowEventBase {
  type: 'workflow_execution_failed';
  error?: string;
  /**
   * Extension: `cancelled` when the execution ended because it was cancelled (there is no event
   * type of its own: clients that do not know the field end it as failed).
   */
  status?: 'cancelled';
}
export interface WorkflowExecutionPausedEvent extends WorkflowEventBase {
  type: 'workflow_execution_paused';
}
export interface WorkflowExecutionResumedEvent extends WorkflowEventBase {
  type: 'workflow_execution_resumed';
}

// ---- container events ---------------------------------------------------------------------

interface ContainerEventBase extends WebSocketEvent {
  containerId: string;
  /** Extension: the image, on any container event (AInTandem sends it on `container_created`). */
  image?: string;
  /** Extension: when the container last started (ISO 8601), so that a view that joins late counts its uptime from it. */
  startedAt?: string;
}
export interface ContainerCreatedEvent extends ContainerEventBase {
  type: 'container_created';
}
export interface ContainerStartedEvent extends ContainerEventBase {
  type: 'container_started';
}
export interface ContainerStoppedEvent extends ContainerEventBase {
  type: 'container_stopped';
  exitCode?: number;
}
export interface ContainerErrorEvent extends ContainerEventBase {
  type: 'container_error';
  error?: string;
}

// ---- connection events (produced by the client, not sent by servers) ----------------------

/** The connection's life cycle. `failed`: reconnection gave up (attempt limit or rejected token). */
export type ConnectionState =
  | 'disconnected'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'disconnecting'
  | 'failed';

interface ConnectionEventBase {
  timestamp: string;
  /** The socket's URL without its query string (never the token). */
  url: string;
  /** The state after this event. */
  state: ConnectionState;
}
export interface ConnectedEvent extends ConnectionEventBase {
  type: 'connected';
}
export interface DisconnectedEvent extends ConnectionEventBase {
  type: 'disconnected';
  code: number;
  reason: string;
  /** True when a reconnect is scheduled; false after a manual disconnect or when the client gave up. */
  willReconnect: boolean;
  /** The reconnect attempt that is scheduled (1-based), when willReconnect. */
  attempt?: number;
  /** ms until that attempt, when willReconnect. */
  delay?: number;
}
export interface ConnectionErrorEvent extends ConnectionEventBase {
  type: 'error';
  error: Error;
}
export interface HeartbeatEvent extends ConnectionEventBase {
  type: 'heartbeat';
  direction: 'ping' | 'pong';
}

// ---- unions -------------------------------------------------------------------------------

export type TaskEvent =
  | TaskQueuedEvent
  | TaskStartedEvent
  | TaskStepProgressEvent
  | TaskOutputEvent
  | TaskArtifactEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TaskCancelledEvent;
export type WorkflowEvent =
  | WorkflowExecutionCreatedEvent
  | WorkflowExecutionStartedEvent
  | WorkflowPhaseStartedEvent
  | WorkflowPhaseCompletedEvent
  | WorkflowExecutionCompletedEvent
  | WorkflowExecutionFailedEvent
  | WorkflowExecutionPausedEvent
  | WorkflowExecutionResumedEvent;
export type ContainerEvent =
  | ContainerCreatedEvent
  | ContainerStartedEvent
  | ContainerStoppedEvent
  | ContainerErrorEvent;
export type ProgressEvent = TaskEvent | WorkflowEvent | ContainerEvent;
export type ConnectionEvent = ConnectedEvent | DisconnectedEvent | ConnectionErrorEvent | HeartbeatEvent;

/** The heartbeat frames of the wire format. */
export interface PingMessage {
  type: 'ping';
  timestamp?: string;
}
export interface PongMessage {
  type: 'pong';
  timestamp?: string;
}
/**
 * Extension (docs/protocol.md): the first frame of a server that supports resume, to a client
 * that asked for it. `resumed: false` means the events since the client's position cannot be
 * replayed: the client resyncs from snapshots.
 */
export interface SessionMessage {
  type: 'session';
  /** Identifies the server's sequence; a new epoch restarts the numbering. */
  epoch: string;
  /** The sequence number of the last event the server published. */
  seq: number;
  /** True when every event after the client's position follows (replayed), then live events. */
  resumed: boolean;
  timestamp?: string;
}
/** Every message a server may send (a frame may also hold an array of them). */
export type WSMessage = ProgressEvent | PingMessage | PongMessage | SessionMessage;

export type TaskEventType = TaskEvent['type'];
export type WorkflowEventType = WorkflowEvent['type'];
export type ContainerEventType = ContainerEvent['type'];
export type ProgressEventType = ProgressEvent['type'];
export type ConnectionEventType = ConnectionEvent['type'];

export const TASK_EVENT_TYPES: readonly TaskEventType[] = [
  'task_queued',
  'task_started',
  'step_progress',
  'output',
  'artifact',
  'task_completed',
  'task_failed',
  'task_cancelled',
];
export const WORKFLOW_EVENT_TYPES: readonly WorkflowEventType[] = [
  'workflow_execution_created',
  'workflow_execution_started',
  'workflow_phase_started',
  'workflow_phase_completed',
  'workflow_execution_completed',
  'workflow_execution_failed',
  'workflow_execution_paused',
  'workflow_execution_resumed',
];
export const CONTAINER_EVENT_TYPES: readonly ContainerEventType[] = [
  'container_created',
  'container_started',
  'container_stopped',
  'container_error',
];
export const CONNECTION_EVENT_TYPES: readonly ConnectionEventType[] = [
  'connected',
  'disconnected',
  'error',
  'heartbeat',
];
export const STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'completed', 'failed', 'skipped'];

const taskTypes: ReadonlySet<string> = new Set(TASK_EVENT_TYPES);
const workflowTypes: ReadonlySet<string> = new Set(WORKFLOW_EVENT_TYPES);
const containerTypes: ReadonlySet<string> = new Set(CONTAINER_EVENT_TYPES);

type Typed = { type?: unknown } | null | undefined;

/** True for exactly the eight task event types (step_progress, output and artifact included). */
export function isTaskEvent(event: Typed): event is TaskEvent {
  return typeof event?.type === 'string' && taskTypes.has(event.type);
}
export function isWorkflowEvent(event: Typed): event is WorkflowEvent {
  return typeof event?.type === 'string' && workflowTypes.has(event.type);
}
/** Container events; the `sandbox_*` spelling is normalised to `container_*` by the parser. */
export function isContainerEvent(event: Typed): event is ContainerEvent {
  return typeof event?.type === 'string' && containerTypes.has(event.type);
}
export function isProgressEvent(event: Typed): event is ProgressEvent {
  return isTaskEvent(event) || isWorkflowEvent(event) || isContainerEvent(event);
}

// ---- listeners ----------------------------------------------------------------------------

export type EventListener<T> = (event: T) => void;
export type TaskEventListener = EventListener<TaskEvent>;
export type WorkflowEventListener = EventListener<WorkflowEvent>;
export type ContainerEventListener = EventListener<ContainerEvent>;
export type ProgressEventListener = EventListener<ProgressEvent>;
export type ConnectionEventListener = EventListener<ConnectionEvent>;

/** Maps each event type to its interface: `on('step_progress', e => e.progress)` is typed. */
export type ProgressEventMap = { [E in ProgressEvent as E['type']]: E };
