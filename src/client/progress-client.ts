/**
 * Subscriptions to tasks, workflows and containers, routed by id, over one socket per server URL,
 * with a store of each entity's current state. A composition: the sockets (socket-pool.ts), the
 * subscriptions and what reaches them (views.ts), snapshots for late joins and resyncs
 * (snapshot-sync.ts) and persistence across reloads (persistence.ts). What a page may not use loads on demand: the tab
 * share (sharing/) and the snapshots (snapshot-sync-on-demand.ts) when the config asks for them,
 * the sockets waiting for them; the run actions (run-actions.ts) with the first one.
 */
import type { ConnectionEventListener, ConnectionState, ProgressEventListener } from '../protocol/events.js';
import { asQuery, type EntityFilter } from '../protocol/entity.js';
import { ListenerSet } from './listener-set.js';
import { ConnectionStateListeners } from './connection-state-listeners.js';
import { Connection, logListenerError } from './connection/connection.js';
import type { ProgressClientConfig } from './progress-client-config.js';
import { DeferredConnection } from './connection/deferred-connection.js';
import { canShareTabs } from './sharing/can-share.js';
import { ShareOnDemand } from './sharing/share-on-demand.js';
import type { ResyncReason } from './connection/sequence-tracker.js';
import type { Transport } from './connection/socket-like.js';
import { checkSocketUrl, redactUrl, type ResumePosition } from './connection/socket-url.js';
import type { FrameRejection } from '../protocol/parse-frame.js';
import { persistPlace, readPersisted, writePersisted, type PersistPlace } from './persistence.js';
import type { RouteFilter } from './routing-index.js';
import { SnapshotSyncOnDemand } from './snapshot-sync-on-demand.js';
import type { RunAction, RunRef } from './run-actions.js';
import { ProgressClientError } from './progress-client-error.js';
import { SocketPool, type PooledSocket } from './socket-pool.js';
import { ProgressStore } from '../protocol/state/progress-store.js';
import type { ContainerState } from '../protocol/state/container-state.js';
import type { TaskState } from '../protocol/state/task-state.js';
import type { WorkflowState } from '../protocol/state/workflow-state.js';
import { watchConnection, type Subscription } from './subscription.js';
import { Views } from './views.js';
import {
  checkOptions,
  type AnyOptions,
  type ContainerProgressOptions,
  type ProgressOptions,
  type ProgressSubscription,
  type TaskProgressOptions,
  type WorkflowProgressOptions,
} from './subscription-options.js';

export { ProgressClientError } from './progress-client-error.js';
export type { ProgressClientConfig } from './progress-client-config.js';
export type {
  ConnectionDetail,
  ContainerProgressOptions,
  ProgressOptions,
  ProgressSubscription,
  TaskProgressOptions,
  WorkflowProgressOptions,
} from './subscription-options.js';

/** ms an action's request waits for its answer, by default. */
const DEFAULT_ACTION_TIMEOUT = 30_000;

/** States of views kept across a reload, at most. */
const MAX_PERSISTED_STATES = 200;

export class ProgressClient {
  readonly store: ProgressStore;
  readonly #config: ProgressClientConfig;
  readonly #pool: SocketPool;
  readonly #views: Views;
  /** Snapshots for late joins and resyncs, with a snapshot loader. */
  readonly #sync: SnapshotSyncOnDemand | undefined;
  readonly #onListenerError: (error: unknown) => void;
  readonly #connectionListeners: ConnectionStateListeners;
  readonly #rejectionListeners: ListenerSet<FrameRejection>;
  readonly #resyncListeners: ListenerSet<ResyncReason, string>;
  /** Where positions and states are kept across reloads, with `persist`. */
  readonly #persisted: PersistPlace | undefined;
  /** The tab share, with `shareTabs` (its code loads on demand). */
  readonly #share: ShareOnDemand | undefined;

  constructor(config: ProgressClientConfig) {
    if (typeof config?.url !== 'string') throw new ProgressClientError('invalid_options', 'ProgressClient: `url` is required');
    // The URL is checked now rather than at the first subscription.
    checkSocketUrl(config.url, 'ProgressClient');
    this.#config = { ...config };
    const onError = (this.#onListenerError = config.onListenerError ?? logListenerError);
    this.#connectionListeners = new ConnectionStateListeners(onError);
    this.#rejectionListeners = new ListenerSet(onError);
    this.#resyncListeners = new ListenerSet(onError);
    this.store = new ProgressStore(config);
    const views = (this.#views = new Views(this.store, onError, () => this.#sync));
    const share = (this.#share = config.shareTabs && canShareTabs() ? this.#startSharing(config) : undefined);
    // A tab that shares asks the tab holding the sockets first: it has what they brought.
    const loader = share ? share.askingPeersFirst(config.snapshotLoader) : config.snapshotLoader;
    this.#sync = loader
      ? new SnapshotSyncOnDemand({ store: this.store, loader, views: () => views.all(), show: (state) => views.show(state), report: onError })
      : undefined;
    this.#pool = new SocketPool(
      { ...config, onListenerError: onError },
      (socket) => this.#wire(socket),
      // Sockets wait for the code they need that loads on demand: the tab share, the snapshots.
      share || this.#sync
        ? (url, key, resumeFrom) =>
            new DeferredConnection(
              redactUrl(url),
              Promise.all([share?.loaded, this.#sync?.ready]),
              () => share?.current?.connection(key, resumeFrom) ?? this.#ownConnection(key, resumeFrom),
              resumeFrom,
              onError,
            )
        : undefined,
    );
    const persisted = (this.#persisted = persistPlace(config.persist, redactUrl(config.url)));
    if (persisted) {
      const kept = readPersisted(persisted.storage, persisted.key);
      if (kept) {
        for (const state of kept.states) this.store.set(state);
        this.#pool.keep(kept.positions);
      }
      (globalThis as Partial<EventTarget>).addEventListener?.('pagehide', this.save);
    }
  }

  /** The socket URL (with `{projectId}` when per project) without its query: safe to show. */
  get url(): string {
    return redactUrl(this.#config.url);
  }

  /**
   * Writes the positions and the states on view to storage now (done by itself on `pagehide`
   * when `persist` is set).
   */
  readonly save = (): void => {
    const place = this.#persisted;
    if (place) writePersisted(place.storage, place.key, { v: 1, positions: this.#pool.positions(), states: this.#views.statesOnView(MAX_PERSISTED_STATES) });
  };

  // ---- subscriptions ----------------------------------------------------------------------

  subscribeToTask(options: TaskProgressOptions): ProgressSubscription {
    const { taskId } = checkOptions(options, 'taskId');
    return this.#subscribe({ kind: 'task', projectId: this.#projectOf(options), taskId }, options);
  }

  subscribeToWorkflow(options: WorkflowProgressOptions): ProgressSubscription {
    const { workflowId, executionId } = checkOptions(options, 'workflowId', 'executionId');
    return this.#subscribe({ kind: 'workflow', projectId: this.#projectOf(options), workflowId, executionId }, options);
  }

  subscribeToContainer(options: ContainerProgressOptions): ProgressSubscription {
    const { containerId } = checkOptions(options, 'containerId');
    return this.#subscribe({ kind: 'container', projectId: this.#projectOf(options), containerId }, options);
  }

  /**
   * Every progress event (of a project, or of all the client sees). Also takes AInTandem's
   * positional forms: `(projectId, onEvent)` and `(onEvent)`.
   */
  subscribeToProgress(options: ProgressOptions): ProgressSubscription;
  subscribeToProgress(projectId: string, onEvent: ProgressEventListener): ProgressSubscription;
  subscribeToProgress(onEvent: ProgressEventListener): ProgressSubscription;
  subscribeToProgress(first: ProgressOptions | string | ProgressEventListener, onEvent?: ProgressEventListener): ProgressSubscription {
    const options: ProgressOptions =
      typeof first === 'function' ? { onEvent: first } : typeof first === 'string' ? { projectId: first, onEvent: onEvent! } : first;
    checkOptions(options);
    if (typeof options.onEvent !== 'function') throw new ProgressClientError('invalid_options', '`onEvent` must be a function');
    return this.#subscribe({ kind: 'progress', projectId: this.#projectOf(options) }, options);
  }

  getSubscriptionCount(): number {
    return this.#views.count;
  }

  // ---- state ------------------------------------------------------------------------------

  getTaskState(projectId: string, taskId: string): TaskState | undefined {
    return this.store.getTask(projectId, taskId);
  }
  getWorkflowState(executionId: string): WorkflowState | undefined {
    return this.store.getWorkflow(executionId);
  }
  getLatestWorkflowState(workflowId: string): WorkflowState | undefined {
    return this.store.getLatestWorkflow(workflowId);
  }
  getContainerState(projectId: string, containerId: string): ContainerState | undefined {
    return this.store.getContainer(projectId, containerId);
  }

  // ---- actions ----------------------------------------------------------------------------
  // Each sends one request to `baseURL` with the token in the `Authorization` header, and
  // resolves with the server's answer once it accepted it; what the run then does comes as its
  // live events. Rejects with a RunActionError (`code`, `status`, `reason`) when the server
  // refuses (401, 403, 404, 409, …), cannot be reached or does not answer within `actionTimeout`,
  // or no `baseURL` is set. The code that sends the request is loaded on the first call.

  /** Cancels a task: `POST {baseURL}/projects/{projectId}/tasks/{taskId}/cancel`. */
  cancelTask(projectId: string, taskId: string): Promise<unknown> {
    return this.#act({ kind: 'task', projectId, taskId }, 'cancel');
  }
  /** Pauses a workflow execution: `POST {baseURL}/workflows/executions/{executionId}/pause`. */
  pauseExecution(executionId: string): Promise<unknown> {
    return this.#act({ kind: 'workflow', executionId }, 'pause');
  }
  /** Resumes a paused workflow execution: `POST {baseURL}/workflows/executions/{executionId}/resume`. */
  resumeExecution(executionId: string): Promise<unknown> {
    return this.#act({ kind: 'workflow', executionId }, 'resume');
  }
  /** Cancels a workflow execution: `POST {baseURL}/workflows/executions/{executionId}/cancel`. */
  cancelExecution(executionId: string): Promise<unknown> {
    return this.#act({ kind: 'workflow', executionId }, 'cancel');
  }

  /**
   * Sends `GET {baseURL}{path}` (a path such as `/projects/p/tasks/t/logs?from=1`) with the token
   * in the `Authorization` header, never in the URL, and resolves with the response; undefined
   * when no `baseURL` is set. For views that read more than a state, such as a task's whole log.
   */
  async getFromBase(path: string, signal?: AbortSignal): Promise<Response | undefined> {
    const { baseURL, token, getToken } = this.#config;
    if (!baseURL) return undefined;
    const bearer = getToken ? await getToken() : token;
    const url = baseURL.replace(/[?#].*$/, '').replace(/\/+$/, '') + path;
    return fetch(url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, ...(signal ? { signal } : {}) });
  }

  async #act(run: RunRef, action: RunAction): Promise<unknown> {
    const { baseURL, token, getToken, actionTimeout = DEFAULT_ACTION_TIMEOUT } = this.#config;
    const { sendRunAction } = await import('./run-actions.js');
    return sendRunAction({ baseURL, token, getToken, timeout: actionTimeout }, run, action);
  }

  // ---- connection -------------------------------------------------------------------------

  /**
   * Connects. With one URL for all projects, opens that socket (it then stays open until
   * `disconnect()`); with a per-project URL, (re)connects the sockets that have subscriptions.
   */
  async connect(): Promise<void> {
    const sockets = new Set(this.#pool.sockets());
    if (!this.#pool.perProject || this.#config.projectId !== undefined) sockets.add(this.#pool.get());
    await Promise.all([...sockets].map((s) => s.connection.connect()));
  }

  /** Closes every socket. Subscriptions stay; a new subscription or `connect()` reopens. */
  disconnect(): void {
    this.#pool.disconnect();
  }

  /** Removes every subscription and socket and every listener: the client is done. */
  close(): void {
    (globalThis as Partial<EventTarget>).removeEventListener?.('pagehide', this.save);
    this.#sync?.close();
    for (const sub of [...this.#views.all()]) this.#remove(sub);
    this.#pool.close();
    this.#share?.close();
    this.#connectionListeners.clear();
    this.#rejectionListeners.clear();
    this.#resyncListeners.clear();
    this.store.clear();
  }

  isConnected(projectId?: string): boolean {
    return this.getConnectionState(projectId) === 'connected';
  }

  /**
   * With a projectId and per-project URL: that project's socket. Otherwise the worst state of all
   * sockets (failed, reconnecting, connecting, disconnecting, connected), or `disconnected` when none.
   */
  getConnectionState(projectId?: string): ConnectionState {
    return this.#pool.state(projectId);
  }

  /**
   * Connection events of every socket (`event.url` tells which), or, as AInTandem's client takes
   * it, `(projectId, listener)`: those of one project's socket.
   */
  onConnectionState(listener: ConnectionEventListener): () => void;
  onConnectionState(projectId: string, listener: ConnectionEventListener): () => void;
  onConnectionState(first: ConnectionEventListener | string, second?: ConnectionEventListener): () => void {
    if (typeof first === 'function') return this.#connectionListeners.add(first);
    return this.#connectionListeners.addFor(redactUrl(this.#pool.urlOf(first)), second!);
  }

  /** Removes a listener, whichever form it was added with. */
  offConnectionState(listener: ConnectionEventListener): void {
    this.#connectionListeners.delete(listener);
  }

  /**
   * What each reconnection meant (`resumed`: nothing missed; `gap`, `epoch`, `reconnect`: events
   * may have been missed, and states are reloaded when a snapshot loader is set).
   */
  onResync(listener: (reason: ResyncReason, url: string) => void): () => void {
    return this.#resyncListeners.add(listener);
  }

  /** Frames any socket dropped, and why. */
  onRejectedFrame(listener: (rejection: FrameRejection) => void): () => void {
    return this.#rejectionListeners.add(listener);
  }

  /**
   * Sockets open or opening, and their counters. `tabs`: whether this tab has sockets of its own
   * (`own`), holds the sockets it shares with other tabs (`holding`), or hears them through the
   * tab that does (`following`). `transport`: `sse` while a socket goes over Server-Sent Events.
   */
  getStats(): {
    sockets: number;
    subscriptions: number;
    framesReceived: number;
    framesRejected: number;
    duplicatesDropped: number;
    staleEvents: number;
    tabs: 'own' | 'holding' | 'following';
    transport: Transport;
  } {
    const { framesReceived, framesRejected, duplicatesDropped, transport } = this.#pool.totals();
    const tabs = this.#share?.tabs ?? 'own';
    return { sockets: this.#pool.size, subscriptions: this.#views.count, framesReceived, framesRejected, duplicatesDropped, staleEvents: this.#views.staleEvents, tabs, transport };
  }

  // ---- internals --------------------------------------------------------------------------

  /** Joins the tabs of this browser that share the sockets of this URL (and key), once the share's code is there. */
  #startSharing(config: ProgressClientConfig): ShareOnDemand {
    const key = typeof config.shareTabs === 'object' ? (config.shareTabs.key ?? '') : '';
    return new ShareOnDemand(`${redactUrl(config.url)}#${key}`, {
      // The socket is opened by this tab, with its own token: the token never goes to the others.
      open: (socketKey, from) => this.#ownConnection(socketKey, from),
      find: (query) => this.store.find(query),
      publicUrl: (socketKey) => redactUrl(this.#pool.urlOfKey(socketKey)),
      onError: (error) => this.#onListenerError(error),
    });
  }

  /** A socket of this tab's own, with its own token. */
  #ownConnection(key: string, from: ResumePosition | undefined): Connection {
    return new Connection({ ...this.#config, onListenerError: this.#onListenerError, url: this.#pool.urlOfKey(key), ...(from ? { resumeFrom: from } : {}) });
  }

  #projectOf(options: { projectId?: string | undefined }): string | undefined {
    return options.projectId ?? this.#config.projectId;
  }

  /** A new socket's listeners; returns the functions that remove them. */
  #wire(socket: PooledSocket): (() => void)[] {
    // Without a kept position, the sequence numbers held for its projects (if any) belong to a
    // sequence this socket cannot place.
    if (!socket.resumes) this.store.forgetSequence(socket.projectId);
    this.#sync?.opened(socket);
    const c = socket.connection;
    return [
      c.resyncs.add((reason) => {
        this.#resyncListeners.emit(reason, socket.publicUrl);
        if (reason === 'epoch') this.store.forgetSequence(socket.projectId);
        // Nothing was missed: the views hear that what they show is current. Otherwise the states
        // on view are reloaded (with a snapshot loader; without, views keep saying so).
        if (reason === 'resumed') this.#views.confirm(socket);
        else this.#sync?.resync(socket, reason);
      }),
      c.events.add((event) => this.#connectionListeners.emit(event)),
      c.rejections.add((rejection) => this.#rejectionListeners.emit(rejection)),
      c.frames.add(this.#views.dispatch),
      c.states.add((state) => this.#sync?.stateChanged(socket, state)),
    ];
  }

  #subscribe(filter: RouteFilter, options: AnyOptions): ProgressSubscription {
    const socket = this.#pool.get(filter.projectId);
    const sub: Subscription = {
      filter,
      query: filter.kind === 'progress' ? undefined : asQuery(filter as EntityFilter),
      socket,
      options,
      types: options.types ? new Set(options.types) : undefined,
      active: true,
    };
    this.#views.add(sub);
    this.#pool.retain(socket);
    if (options.onConnectionChange) sub.offConnection = watchConnection(sub, options.onConnectionChange, this.#onListenerError);
    const known = sub.query && this.store.find(sub.query);
    if (known) this.#views.replay(sub, known);
    // Connecting first: a late join waits for a socket that is connecting, not for one that cannot.
    const ready = socket.connection.connect();
    if (sub.query) this.#sync?.join(sub, known, () => this.store.find(sub.query!));
    const unsubscribe = (): void => this.#remove(sub);
    return Object.assign(unsubscribe, {
      unsubscribe,
      ready,
      getConnectionState: () => socket.connection.state,
      reconnect: () => socket.connection.reconnect(),
    });
  }

  #remove(sub: Subscription): void {
    if (!sub.active) return;
    sub.active = false;
    sub.offConnection?.();
    this.#views.delete(sub);
    this.#sync?.leave(sub);
    this.#pool.release(sub.socket);
  }
}
