/**
 * The progress part of the AInTandem SDK's client: a lazily created ProgressClient on
 * `{baseURL}/progress/subscribe/{projectId}` (ws/wss), convenience methods that connect by themselves,
 * and the run actions of the SDK's task and workflow services (cancelTask, pauseExecution, …).
 */
import type { ContainerEvent, TaskCompletedEvent, TaskEvent, TaskFailedEvent, WorkflowEvent, WorkflowExecutionCompletedEvent, WorkflowExecutionFailedEvent } from '../protocol/events.js';
import { aintandemSnapshotLoader } from './aintandem-snapshots.js';
import { ProgressClient, type ProgressClientConfig, type ProgressSubscription } from './progress-client.js';
import type { TokenSource, WebSocketConstructor } from './websocket-manager.js';

export interface AInTandemClientConfig {
  /** The REST base URL, `/api` included, e.g. `https://host/api`. */
  baseURL: string;
  token?: string;
  getToken?: TokenSource;
  /**
   * The project of the subscriptions that name none (subscribeToWorkflow, and the ProgressClient's
   * subscriptions and `connect()`).
   */
  projectId?: string;
  /**
   * The progress socket URL, when it is not `{baseURL}/progress/subscribe/{projectId}` (e.g. a
   * single `wss://host/ws` for every project).
   */
  socketUrl?: string;
  /** In Node 20, `ws`'s WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** Load snapshots from the REST API for late-joining views and after reconnects. Default true. */
  snapshots?: boolean;
  /** Any other ProgressClient setting (reconnect, heartbeat, limits...). */
  progress?: Partial<Omit<ProgressClientConfig, 'url'>>;
}

/** `http(s)://host/api` -> `ws(s)://host/api/progress/subscribe/{projectId}` */
export function progressUrlFromBase(baseURL: string): string {
  const url = new URL(baseURL);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`baseURL must be http(s) or ws(s), not ${url.protocol}`);
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '') + '/progress/subscribe/{projectId}';
}

export class AInTandemClient {
  #progress: ProgressClient | undefined;
  readonly #config: AInTandemClientConfig;

  constructor(config: AInTandemClientConfig) {
    this.#config = config;
    progressUrlFromBase(config.baseURL);
  }

  /** The ProgressClient, created on first use. */
  getProgress(): ProgressClient {
    this.#progress ??= new ProgressClient({
      ...this.#config.progress,
      url: this.#config.socketUrl ?? progressUrlFromBase(this.#config.baseURL),
      projectId: this.#config.progress?.projectId ?? this.#config.projectId,
      token: this.#config.token,
      getToken: this.#config.getToken,
      WebSocket: this.#config.WebSocket ?? this.#config.progress?.WebSocket,
      // Where the run actions go: the REST API (a ws(s) base has none).
      baseURL: this.#config.progress?.baseURL ?? (/^https?:/i.test(this.#config.baseURL) ? this.#config.baseURL.replace(/[?#].*$/, '') : undefined),
      snapshotLoader:
        this.#config.progress?.snapshotLoader ??
        (this.#config.snapshots === false
          ? undefined
          : aintandemSnapshotLoader(this.#config.baseURL.replace(/[?#].*$/, ''), { token: this.#config.token, getToken: this.#config.getToken })),
    });
    return this.#progress;
  }

  /** Follows one task; resolves once the project's socket is connected. */
  async subscribeToTask(
    projectId: string,
    taskId: string,
    onEvent: (event: TaskEvent) => void,
    onComplete?: (event: TaskCompletedEvent) => void,
    onFailed?: (event: TaskFailedEvent) => void,
  ): Promise<ProgressSubscription> {
    return this.#ready(this.getProgress().subscribeToTask({ projectId, taskId, onEvent, onComplete, onFailed }));
  }

  /**
   * Follows a workflow (every execution) or one execution of it. The socket is per project:
   * the project is `projectId`, else the client's `projectId` setting.
   */
  async subscribeToWorkflow(
    workflowId: string,
    onEvent: (event: WorkflowEvent) => void,
    executionId?: string,
    onComplete?: (event: WorkflowExecutionCompletedEvent) => void,
    onFailed?: (event: WorkflowExecutionFailedEvent) => void,
    projectId: string | undefined = this.#config.projectId,
  ): Promise<ProgressSubscription> {
    return this.#ready(this.getProgress().subscribeToWorkflow({ projectId, workflowId, executionId, onEvent, onComplete, onFailed }));
  }

  /** Follows the containers of a project, or one of them. */
  async subscribeToContainer(
    projectId: string,
    onEvent: (event: ContainerEvent) => void,
    containerId?: string,
  ): Promise<ProgressSubscription> {
    return this.#ready(this.getProgress().subscribeToContainer({ projectId, containerId, onEvent }));
  }

  /**
   * Cancels a task (`POST {baseURL}/projects/{projectId}/tasks/{taskId}/cancel`, the token in the
   * `Authorization` header). Resolves with the server's answer; rejects with a RunActionError
   * (`code`, `status`, `reason`) when the server refuses or cannot be reached.
   */
  cancelTask(projectId: string, taskId: string): Promise<unknown> {
    return this.getProgress().cancelTask(projectId, taskId);
  }
  /** Pauses a workflow execution (`POST {baseURL}/workflows/executions/{executionId}/pause`); as cancelTask. */
  pauseExecution(executionId: string): Promise<unknown> {
    return this.getProgress().pauseExecution(executionId);
  }
  /** Resumes a paused execution (`POST {baseURL}/workflows/executions/{executionId}/resume`); as cancelTask. */
  resumeExecution(executionId: string): Promise<unknown> {
    return this.getProgress().resumeExecution(executionId);
  }
  /** Cancels a workflow execution (`POST {baseURL}/workflows/executions/{executionId}/cancel`); as cancelTask. */
  cancelExecution(executionId: string): Promise<unknown> {
    return this.getProgress().cancelExecution(executionId);
  }

  /** Closes the progress sockets and forgets every subscription. */
  close(): void {
    this.#progress?.close();
    this.#progress = undefined;
  }

  async #ready(subscription: ProgressSubscription): Promise<ProgressSubscription> {
    try {
      await subscription.ready;
    } catch (error) {
      subscription.unsubscribe();
      throw error;
    }
    return subscription;
  }
}
