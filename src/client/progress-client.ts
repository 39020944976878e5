/**
 * Subscriptions to tasks, workflows and containers, routed by id, over one socket per server URL,
 * with a store of each entity's current state.
 */
import type {
  ConnectionEvent,
  ConnectionEventListener,
  ConnectionState,
  ContainerEvent,
  ProgressEvent,
  ProgressEventListener,
  ProgressEventType,
  TaskCancelledEvent,
  TaskCompletedEvent,
  TaskEvent,
  TaskFailedEvent,
  WorkflowEvent,
  WorkflowExecutionCompletedEvent,
  WorkflowExecutionFailedEvent,
} from './events.js';
import { ListenerSet } from './listener-set.js';
import { entityKey, routeKey, RoutingIndex, targetOf, type Kind, type Target } from './routing-index.js';
import type { FrameRejection } from './parse-frame.js';
import { ProgressStore, type EntityState, type ProgressStoreOptions } from './state/progress-store.js';
import type { ContainerState } from './state/container-state.js';
import type { TaskState } from './state/task-state.js';
import type { WorkflowState } from './state/workflow-state.js';
import { readPersisted, sessionStorageOrUndefined, writePersisted, type StorageLike } from './persistence.js';
import type { SnapshotLoader, SnapshotRequest } from './snapshots.js';
import { redactUrl, WebSocketManager, type ResumePosition, type ResyncReason, type WebSocketManagerConfig } from './websocket-manager.js';

export interface ProgressClientConfig extends WebSocketManagerConfig, ProgressStoreOptions {
  /**
   * `ws://host/ws`: one socket for every project. A URL containing `{projectId}`
   * (e.g. `ws://host/api/progress/subscribe/{projectId}`): one socket per project.
   */
  url: string;
  /**
   * The project of the subscriptions that name none (and, with a per-project URL, of
   * `connect()`), as when the page is about one project.
   */
  projectId?: string;
  /** ms a socket stays open after its last subscription went away. Default 1000. */
  lingerTime?: number;
  /**
   * Loads an entity's current state when a view joins late, and after a reconnection that may
   * have missed events (see `referenceSnapshotLoader`, `aintandemSnapshotLoader`).
   */
  snapshotLoader?: SnapshotLoader;
  /**
   * Keep the position in each server's sequence and the states on view across a page reload in
   * the same tab (sessionStorage). `true`, or `{ key, storage }`. Default false.
   */
  persist?: boolean | { key?: string; storage?: StorageLike };
}

/** Thrown for calls that cannot be served, e.g. no projectId with a per-project URL. */
export class ProgressClientError extends Error {
  constructor(
    readonly code: 'project_required' | 'invalid_options' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'ProgressClientError';
  }
}

interface CommonOptions<E extends ProgressEvent, S> {
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

type AnyOptions = TaskProgressOptions | WorkflowProgressOptions | ContainerProgressOptions | ProgressOptions;

/** Live events kept per snapshot load; past this, the snapshot is merged without them. */
const MAX_HELD_EVENTS = 10000;

interface Load {
  request: SnapshotRequest;
  controller: AbortController;
  /** The events of the entity that arrived while the snapshot was on its way. */
  events: ProgressEvent[];
  /** More arrived than are kept. */
  overflow: boolean;
  /** The sequence number of the state held when the load began. */
  seqBefore: number | undefined;
  /** The connection count when it began. */
  stamp: number;
  /** Asked for while the socket was not open: events may follow that the socket will not bring. */
  preview: boolean;
}

/** A socket in these states is not expected to open soon (`connecting` is). */
const cannotConnect = (state: ConnectionState): boolean => state === 'reconnecting' || state === 'failed' || state === 'disconnected';

/** True when an event about `target` is one the snapshot request asks for. */
function requested(request: SnapshotRequest, target: Target): boolean {
  if (request.kind !== target.kind || (request.projectId !== undefined && request.projectId !== target.projectId)) return false;
  switch (target.kind) {
    case 'task':
      return (request as { taskId: string }).taskId === target.taskId;
    case 'container':
      return (request as { containerId: string }).containerId === target.containerId;
    case 'workflow': {
      const r = request as { workflowId?: string; executionId?: string };
      return r.executionId !== undefined ? r.executionId === target.executionId : r.workflowId === target.workflowId;
    }
  }
}

const CALLBACKS = ['onEvent', 'onState', 'onConnectionChange', 'onComplete', 'onFailed', 'onCancelled'] as const;

/** Checks a subscription's options before anything is opened for it. */
function checkOptions<O extends { projectId?: string; types?: readonly string[] }>(options: O, ...ids: (keyof O & string)[]): O {
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

interface Subscription {
  kind: Kind;
  key: string;
  /** The one entity the subscription follows, when its filters name one. */
  entity: SnapshotRequest | undefined;
  socket: SocketEntry;
  options: AnyOptions;
  types: ReadonlySet<string> | undefined;
  active: boolean;
  /** The late-join load this view waits for, while its socket is not open. */
  waiting?: WaitingLoad;
  offConnection?: () => void;
}

/** A late-join snapshot to ask for once the socket is open. */
interface WaitingLoad {
  request: SnapshotRequest;
  /** Already loaded once while the socket could not connect, so that the views had something to show. */
  shown: boolean;
  /** The views waiting for it. */
  views: number;
}

interface SocketEntry {
  /**
   * Late-join snapshots to ask for once the socket is open (by request key); `shown`: already
   * loaded once while the socket could not connect, so that the view had something to show.
   */
  waitingLoads: Map<string, WaitingLoad>;
  /** Stamp of the socket's latest connection (see #connections). */
  connectedStamp: number;
  url: string;
  /** The URL without its query (which may hold a token): safe to show, log and store. */
  publicUrl: string;
  /** The project of a per-project socket. */
  projectId: string | undefined;
  manager: WebSocketManager;
  subscriptions: number;
  linger?: ReturnType<typeof setTimeout>;
  offs: (() => void)[];
}

export class ProgressClient {
  readonly #config: ProgressClientConfig;
  readonly #perProject: boolean;
  readonly #sockets = new Map<string, SocketEntry>();
  /** Routing index: a key made of the subscription's filters -> the subscriptions with exactly those filters. */
  readonly #routes = new RoutingIndex<Subscription>();
  #subscriptionCount = 0;
  /** Events not applied to the state because it already held something newer (a snapshot). */
  #staleDropped = 0;
  readonly #connectionListeners: ListenerSet<ConnectionEvent>;
  /** Listeners added for one project's socket, and how to remove them. */
  readonly #projectConnectionListeners = new Map<ConnectionEventListener, (() => void)[]>();
  readonly #rejectionListeners: ListenerSet<FrameRejection>;
  readonly #resyncListeners: ListenerSet<ResyncReason, string>;
  readonly #onListenerError: (error: unknown) => void;
  readonly store: ProgressStore;
  /** Counts socket connections: a load stamped before a socket's latest one predates it. */
  #connections = 0;
  /** Snapshot loads under way, by request. */
  readonly #loading = new Map<string, Load>();
  /**
   * Positions in each server's sequence, by public socket URL, kept from a socket that was closed
   * (or from a previous page) for the next socket to the same URL to resume from; used once.
   */
  readonly #keptPositions = new Map<string, ResumePosition>();
  /**
   * Entities (entityKey) whose state may have missed events: kept while no socket was open, or
   * across a reconnection that could not resume. A view that joins them loads a snapshot.
   */
  readonly #unconfirmed = new Set<string>();
  readonly #storage: StorageLike | undefined;
  readonly #storageKey: string;

  constructor(config: ProgressClientConfig) {
    if (typeof config?.url !== 'string') throw new ProgressClientError('invalid_options', 'ProgressClient: `url` is required');
    this.#config = { ...config };
    this.#perProject = config.url.includes('{projectId}');
    this.#onListenerError = config.onListenerError ?? ((error) => console.error('[progress] listener threw:', error));
    this.#connectionListeners = new ListenerSet(this.#onListenerError);
    this.#rejectionListeners = new ListenerSet(this.#onListenerError);
    this.#resyncListeners = new ListenerSet(this.#onListenerError);
    this.store = new ProgressStore(config);
    // Validate the URL now rather than at the first subscription.
    new WebSocketManager({ ...config, url: this.#socketUrl('p') });
    const persist = config.persist;
    this.#storage = persist ? ((typeof persist === 'object' ? persist.storage : undefined) ?? sessionStorageOrUndefined()) : undefined;
    this.#storageKey = (typeof persist === 'object' && persist.key) || `aintandem-progress:${redactUrl(config.url)}`;
    if (this.#storage) {
      const kept = readPersisted(this.#storage, this.#storageKey);
      if (kept) {
        for (const state of kept.states) this.store.set(state);
        for (const [url, position] of Object.entries(kept.positions)) this.#keptPositions.set(url, position);
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
    if (!this.#storage) return;
    const positions: Record<string, ResumePosition> = Object.fromEntries(this.#keptPositions);
    for (const entry of this.#sockets.values()) {
      const position = entry.manager.getResumePosition();
      if (position) positions[entry.publicUrl] = position;
    }
    const states = new Map<string, EntityState>();
    for (const sub of this.#routes.all()) {
      const state = sub.entity && this.#stateOf(sub.entity);
      if (state && states.size < 200) states.set(entityKey(targetOf(state)), state);
    }
    writePersisted(this.#storage, this.#storageKey, { v: 1, positions, states: [...states.values()] });
  };

  // ---- subscriptions ----------------------------------------------------------------------

  subscribeToTask(options: TaskProgressOptions): ProgressSubscription {
    const { taskId } = checkOptions(options, 'taskId');
    const projectId = options.projectId ?? this.#config.projectId;
    const entity = projectId !== undefined && taskId !== undefined ? { kind: 'task' as const, projectId, taskId } : undefined;
    return this.#handle(this.#add('task', routeKey('t', projectId, taskId), projectId, options, entity));
  }

  subscribeToWorkflow(options: WorkflowProgressOptions): ProgressSubscription {
    const { workflowId, executionId } = checkOptions(options, 'workflowId', 'executionId');
    const projectId = options.projectId ?? this.#config.projectId;
    const entity = executionId !== undefined || workflowId !== undefined ? { kind: 'workflow' as const, projectId, workflowId, executionId } : undefined;
    return this.#handle(this.#add('workflow', routeKey('w', projectId, workflowId, executionId), projectId, options, entity));
  }

  subscribeToContainer(options: ContainerProgressOptions): ProgressSubscription {
    const { containerId } = checkOptions(options, 'containerId');
    const projectId = options.projectId ?? this.#config.projectId;
    const entity = projectId !== undefined && containerId !== undefined ? { kind: 'container' as const, projectId, containerId } : undefined;
    return this.#handle(this.#add('container', routeKey('c', projectId, containerId), projectId, options, entity));
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
    const projectId = options.projectId ?? this.#config.projectId;
    if (typeof options.onEvent !== 'function') throw new ProgressClientError('invalid_options', '`onEvent` must be a function');
    return this.#handle(this.#add('progress', routeKey('p', projectId), projectId, options, undefined));
  }

  getSubscriptionCount(): number {
    return this.#subscriptionCount;
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

  // ---- connection -------------------------------------------------------------------------

  /**
   * Connects. With one URL for all projects, opens that socket (it then stays open until
   * `disconnect()`); with a per-project URL, (re)connects the sockets that have subscriptions.
   */
  async connect(): Promise<void> {
    const sockets = new Set(this.#sockets.values());
    if (!this.#perProject || this.#config.projectId !== undefined) sockets.add(this.#socket(undefined));
    await Promise.all([...sockets].map((s) => s.manager.connect()));
  }

  /** Closes every socket. Subscriptions stay; a new subscription or `connect()` reopens. */
  disconnect(): void {
    for (const entry of [...this.#sockets.values()]) {
      clearTimeout(entry.linger);
      entry.linger = undefined;
      // A socket no subscription needs any more is dropped, not kept for a later connect().
      if (entry.subscriptions === 0) this.#dropSocket(entry);
      else entry.manager.disconnect();
    }
  }

  /** Removes every subscription and socket and every listener: the client is done. */
  close(): void {
    (globalThis as Partial<EventTarget>).removeEventListener?.('pagehide', this.save);
    for (const load of this.#loading.values()) load.controller.abort();
    this.#loading.clear();
    for (const sub of [...this.#routes.all()]) this.#remove(sub);
    for (const entry of [...this.#sockets.values()]) this.#dropSocket(entry);
    this.#keptPositions.clear();
    this.#unconfirmed.clear();
    this.#connectionListeners.clear();
    this.#projectConnectionListeners.clear();
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
    if (this.#perProject && projectId !== undefined) {
      return this.#sockets.get(this.#socketUrl(projectId))?.manager.getState() ?? 'disconnected';
    }
    if (!this.#perProject) return this.#sockets.values().next().value?.manager.getState() ?? 'disconnected';
    const order: ConnectionState[] = ['failed', 'reconnecting', 'connecting', 'disconnecting', 'connected'];
    const states = new Set([...this.#sockets.values()].map((s) => s.manager.getState()));
    return order.find((s) => states.has(s)) ?? 'disconnected';
  }

  /**
   * Connection events of every socket (`event.url` tells which), or, as AInTandem's client takes
   * it, `(projectId, listener)`: those of one project's socket.
   */
  onConnectionState(listener: ConnectionEventListener): () => void;
  onConnectionState(projectId: string, listener: ConnectionEventListener): () => void;
  onConnectionState(first: ConnectionEventListener | string, second?: ConnectionEventListener): () => void {
    if (typeof first === 'function') return this.#connectionListeners.add(first);
    const url = redactUrl(this.#socketUrl(first));
    const listener = second!;
    const remove = this.#connectionListeners.add((event) => (event.url === url ? listener(event) : undefined));
    const removals = this.#projectConnectionListeners.get(listener) ?? [];
    this.#projectConnectionListeners.set(listener, [...removals, remove]);
    return () => {
      remove();
      const left = this.#projectConnectionListeners.get(listener)?.filter((r) => r !== remove) ?? [];
      if (left.length > 0) this.#projectConnectionListeners.set(listener, left);
      else this.#projectConnectionListeners.delete(listener);
    };
  }

  /** Removes a listener, whichever form it was added with. */
  offConnectionState(listener: ConnectionEventListener): void {
    this.#connectionListeners.delete(listener);
    for (const remove of this.#projectConnectionListeners.get(listener) ?? []) remove();
    this.#projectConnectionListeners.delete(listener);
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

  /** Sockets open or opening, and their counters. */
  getStats(): { sockets: number; subscriptions: number; framesReceived: number; framesRejected: number; duplicatesDropped: number; staleEvents: number } {
    let framesReceived = 0;
    let framesRejected = 0;
    let duplicatesDropped = 0;
    for (const s of this.#sockets.values()) {
      const stats = s.manager.getStats();
      framesReceived += stats.framesReceived;
      framesRejected += stats.framesRejected;
      duplicatesDropped += stats.duplicatesDropped;
    }
    return { sockets: this.#sockets.size, subscriptions: this.#subscriptionCount, framesReceived, framesRejected, duplicatesDropped, staleEvents: this.#staleDropped };
  }

  // ---- internals --------------------------------------------------------------------------

  #socketUrl(projectId = this.#config.projectId): string {
    if (!this.#perProject) return this.#config.url;
    if (projectId === undefined) {
      throw new ProgressClientError('project_required', 'this client opens one socket per project: give a projectId');
    }
    return this.#config.url.replace('{projectId}', encodeURIComponent(projectId));
  }

  #socket(projectId = this.#config.projectId): SocketEntry {
    const url = this.#socketUrl(projectId);
    let entry = this.#sockets.get(url);
    if (entry) return entry;
    const publicUrl = redactUrl(url);
    const resumeFrom = this.#keptPositions.get(publicUrl);
    this.#keptPositions.delete(publicUrl);
    const manager = new WebSocketManager({ ...this.#config, url, onListenerError: this.#onListenerError, ...(resumeFrom ? { resumeFrom } : {}) });
    entry = { url, publicUrl, projectId: this.#perProject ? projectId : undefined, manager, subscriptions: 0, offs: [], waitingLoads: new Map(), connectedStamp: 0 };
    if (!resumeFrom) {
      // Nothing to resume from: what is held for this socket's projects is not known to be current,
      // and its sequence numbers (if any) belong to a sequence this socket cannot place.
      this.store.forgetSequence(entry.projectId);
      this.#markUnconfirmed(entry.projectId);
    }
    const socket = entry;
    entry.offs.push(manager.onResync((reason) => this.#resync(socket, reason)));
    entry.offs.push(
      manager.onConnectionState((e) => this.#connectionListeners.emit(e)),
      manager.onRejectedFrame((r) => this.#rejectionListeners.emit(r)),
    );
    entry.offs.push(manager.onFrame((events) => this.#dispatchFrame(events)));
    entry.offs.push(manager.onStateChange((state) => this.#socketStateChanged(socket, state)));
    this.#sockets.set(url, entry);
    return entry;
  }

  #add(kind: Kind, key: string, projectId: string | undefined, options: AnyOptions, entity: SnapshotRequest | undefined): Subscription {
    const socket = this.#socket(projectId);
    const sub: Subscription = {
      kind,
      key,
      entity,
      socket,
      options,
      types: options.types ? new Set(options.types) : undefined,
      active: true,
    };
    this.#routes.add(sub);
    this.#subscriptionCount++;
    socket.subscriptions++;
    clearTimeout(socket.linger);
    socket.linger = undefined;
    const onConnectionChange = options.onConnectionChange;
    if (onConnectionChange) {
      // Told on every change of the state, or of when the next attempt is due.
      let told: { state: ConnectionState; retryAt: number | undefined } | undefined;
      const tell = (): void => {
        const state = socket.manager.getState();
        const retryAt = state === 'reconnecting' ? socket.manager.getRetryAt() : undefined;
        if (told && told.state === state && told.retryAt === retryAt) return;
        told = { state, retryAt };
        onConnectionChange(state, retryAt === undefined ? {} : { retryAt });
      };
      const offs = [
        socket.manager.onStateChange(tell),
        socket.manager.onConnectionState((event) => {
          if (event.type === 'disconnected' && event.willReconnect) tell();
        }),
      ];
      sub.offConnection = () => offs.forEach((off) => off());
      queueMicrotask(() => {
        if (sub.active && !told) this.#safely(tell);
      });
    }
    return sub;
  }

  #handle(sub: Subscription): ProgressSubscription {
    const known = sub.entity && this.#stateOf(sub.entity);
    if (known) this.#replay(sub, known);
    // Connecting first: a late join waits for a socket that is connecting, not for one that cannot.
    const ready = sub.socket.manager.connect();
    if (sub.entity && (!known || this.#unconfirmed.has(entityKey(targetOf(known))))) this.#lateJoin(sub, sub.entity);
    const unsubscribe = (): void => this.#remove(sub);
    return Object.assign(unsubscribe, {
      unsubscribe,
      ready,
      getConnectionState: () => sub.socket.manager.getState(),
      reconnect: () => sub.socket.manager.reconnect(),
    });
  }

  #remove(sub: Subscription): void {
    if (!sub.active) return;
    sub.active = false;
    sub.offConnection?.();
    this.#routes.delete(sub);
    const waiting = sub.waiting;
    if (waiting && --waiting.views === 0) {
      const key = JSON.stringify(waiting.request);
      if (sub.socket.waitingLoads.get(key) === waiting) sub.socket.waitingLoads.delete(key);
    }
    this.#subscriptionCount--;
    const socket = sub.socket;
    socket.subscriptions--;
    if (socket.subscriptions === 0 && this.#sockets.get(socket.url) === socket) {
      clearTimeout(socket.linger);
      socket.linger = setTimeout(() => this.#dropSocket(socket), this.#config.lingerTime ?? 1000);
    }
  }

  #dropSocket(entry: SocketEntry): void {
    clearTimeout(entry.linger);
    entry.linger = undefined;
    if (entry.subscriptions > 0) return;
    entry.waitingLoads.clear();
    // The next socket to this URL resumes from here, so the states kept meanwhile catch up.
    const position = entry.manager.getResumePosition();
    if (position) this.#keptPositions.set(entry.publicUrl, position);
    entry.manager.disconnect();
    for (const off of entry.offs) off();
    this.#sockets.delete(entry.url);
  }

  /** A new subscriber to an entity already seen gets its state at once (in a microtask). */
  #replay(sub: Subscription, state: EntityState | undefined): void {
    const onState = (sub.options as CommonOptions<ProgressEvent, EntityState>).onState;
    if (!state || !onState) return;
    queueMicrotask(() => {
      if (sub.active) this.#safely(() => onState(state));
    });
  }

  /**
   * The events of one frame. Each event reaches onEvent (and onComplete/onFailed/onCancelled) in
   * order; onState is called once per entity per frame, with the state after the whole frame.
   */
  #dispatchFrame(events: ProgressEvent[]): void {
    const changed = events.length > 1 ? new Map<EntityState, Target>() : undefined;
    for (const event of events) {
      const target = targetOf(event);
      if (this.#loading.size > 0) this.#holdForLoads(event, target);
      let state: EntityState | undefined;
      try {
        state = this.store.apply(event);
      } catch (error) {
        // A state the reducers cannot take (bad data set by the app): this event still reaches
        // onEvent, and the rest of the frame goes on.
        this.#onListenerError(new Error(`state update failed for ${event.type}`, { cause: error }));
        state = undefined;
      }
      // Every event reaches onEvent once; one older than a snapshot already held leaves the state as it is.
      this.#routes.visit(target, true, (sub) => this.#deliverEvent(sub, event));
      if (!state) {
        this.#staleDropped++;
        continue;
      }
      if (changed) {
        changed.set(state, target);
      } else {
        this.#routes.visit(target, false, (sub) => this.#deliverState(sub, state));
      }
    }
    if (!changed) return;
    // Only the newest state of each entity: a state replaced later in the frame is not the latest.
    const latest = new Map<string, [EntityState, Target]>();
    for (const [state, target] of changed) latest.set(entityKey(target), [state, target]);
    for (const [state, target] of latest.values()) this.#routes.visit(target, false, (sub) => this.#deliverState(sub, state));
  }

  #deliverEvent(sub: Subscription, event: ProgressEvent): void {
    if (sub.types && !sub.types.has(event.type)) return;
    const o = sub.options as TaskProgressOptions & WorkflowProgressOptions & ProgressOptions;
    if (o.onEvent) this.#safely(() => o.onEvent!(event as never));
    if (sub.kind === 'progress') return;
    switch (event.type) {
      case 'task_completed':
      case 'workflow_execution_completed':
        if (o.onComplete) this.#safely(() => o.onComplete!(event as never));
        break;
      case 'task_failed':
      case 'workflow_execution_failed':
        if (o.onFailed) this.#safely(() => o.onFailed!(event as never));
        break;
      case 'task_cancelled':
        if (o.onCancelled) this.#safely(() => o.onCancelled!(event));
        break;
    }
  }

  #deliverState(sub: Subscription, state: EntityState): void {
    const onState = (sub.options as CommonOptions<ProgressEvent, EntityState>).onState;
    if (onState) this.#safely(() => onState(state));
  }

  #stateOf(entity: SnapshotRequest): EntityState | undefined {
    switch (entity.kind) {
      case 'task':
        return this.store.getTask(entity.projectId, entity.taskId);
      case 'workflow': {
        const state = entity.executionId !== undefined ? this.store.getWorkflow(entity.executionId) : this.store.getLatestWorkflow(entity.workflowId!);
        // Executions are stored by id; a subscription that names a project or workflow sees only its own.
        if (!state || (entity.projectId !== undefined && state.projectId !== entity.projectId)) return undefined;
        return entity.workflowId !== undefined && state.workflowId !== entity.workflowId ? undefined : state;
      }
      case 'container':
        return this.store.getContainer(entity.projectId, entity.containerId);
    }
  }

  /** After a reconnection: confirm the states on view, or reload them when events may be missing. */
  #resync(socket: SocketEntry, reason: ResyncReason): void {
    this.#resyncListeners.emit(reason, socket.publicUrl);
    if (reason === 'epoch') this.store.forgetSequence(socket.projectId);
    if (reason !== 'resumed') this.#markUnconfirmed(socket.projectId);
    const entities = new Map<string, SnapshotRequest>();
    for (const sub of this.#routes.all()) if (sub.active && sub.socket === socket && sub.entity) entities.set(JSON.stringify(sub.entity), sub.entity);
    for (const entity of entities.values()) {
      if (reason === 'resumed' || !this.#config.snapshotLoader) {
        // Resumed: nothing was missed. Without a loader, nothing better is known: views keep saying so.
        if (reason === 'resumed') this.#confirm(entity);
      } else {
        // A load under way from before this connection may have been answered before the
        // events that were missed; one begun on it has them.
        const running = this.#loading.get(JSON.stringify(entity));
        this.#loadSnapshot(entity, running !== undefined && running.stamp < socket.connectedStamp);
      }
    }
  }

  /** Tells the views of an entity that what they show is current. */
  #confirm(entity: SnapshotRequest): void {
    const state = this.#stateOf(entity);
    if (state) this.#routes.visit(targetOf(state), false, (sub) => this.#deliverState(sub, state));
  }

  /**
   * A view joins an entity whose state is unknown or unconfirmed. A snapshot taken before the
   * socket is open could miss what is published until then, so it is asked for once the socket
   * is open (the events from then on go on top of it); while the socket cannot connect, one is
   * loaded at once too, so the view has something to show meanwhile.
   */
  #lateJoin(sub: Subscription, request: SnapshotRequest): void {
    if (!this.#config.snapshotLoader) return;
    const socket = sub.socket;
    const state = socket.manager.getState();
    if (state === 'connected') {
      this.#loadSnapshot(request);
      return;
    }
    const key = JSON.stringify(request);
    let waiting = socket.waitingLoads.get(key);
    if (!waiting) socket.waitingLoads.set(key, (waiting = { request, shown: false, views: 0 }));
    waiting.views++;
    sub.waiting = waiting;
    if (!waiting.shown && cannotConnect(state)) {
      waiting.shown = true;
      this.#loadSnapshot(request, false, true);
    }
  }

  #socketStateChanged(socket: SocketEntry, state: ConnectionState): void {
    if (state === 'connected') socket.connectedStamp = ++this.#connections;
    if (socket.waitingLoads.size === 0) return;
    if (state === 'connected') {
      const waiting = [...socket.waitingLoads.values()];
      socket.waitingLoads.clear();
      for (const { request } of waiting) this.#loadSnapshot(request, true);
    } else if (cannotConnect(state)) {
      for (const waiting of socket.waitingLoads.values()) {
        if (waiting.shown) continue;
        waiting.shown = true;
        this.#loadSnapshot(waiting.request, false, true);
      }
    }
  }

  /** The states of a project (or of all) may have missed events. */
  #markUnconfirmed(projectId: string | undefined): void {
    if (this.#unconfirmed.size > this.store.size) {
      // Some are of states the store has forgotten since.
      const held = new Set(Array.from(this.store.states(), (state) => entityKey(targetOf(state))));
      for (const key of this.#unconfirmed) if (!held.has(key)) this.#unconfirmed.delete(key);
    }
    for (const state of this.store.states()) {
      if (projectId === undefined || state.projectId === projectId) this.#unconfirmed.add(entityKey(targetOf(state)));
    }
  }

  /** `preview`: asked for while the socket is not open, so it does not confirm the state. */
  #loadSnapshot(entity: SnapshotRequest, restart = false, preview = false): void {
    const loader = this.#config.snapshotLoader;
    if (!loader) return;
    const key = JSON.stringify(entity);
    const running = this.#loading.get(key);
    if (running && !restart) return;
    running?.controller.abort();
    const held = this.#stateOf(entity);
    const load: Load = { request: entity, controller: new AbortController(), events: [], overflow: false, seqBefore: held?.seq, stamp: this.#connections, preview };
    this.#loading.set(key, load);
    let request: Promise<EntityState | undefined>;
    try {
      request = loader(entity, load.controller.signal);
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      (snapshot) => {
        if (load.controller.signal.aborted) return;
        this.#loading.delete(key);
        if (!snapshot) return;
        const kept = this.#takeSnapshot(snapshot, load);
        this.#routes.visit(targetOf(kept), false, (sub) => this.#deliverState(sub, kept));
      },
      (error: unknown) => {
        if (load.controller.signal.aborted) return;
        this.#loading.delete(key);
        this.#onListenerError(new Error('snapshot loader failed', { cause: error }));
      },
    );
  }

  /** Live events of an entity whose snapshot is on its way, to apply over the snapshot. */
  #holdForLoads(event: ProgressEvent, target: Target): void {
    for (const load of this.#loading.values()) {
      if (load.overflow || !requested(load.request, target)) continue;
      if (load.events.length >= MAX_HELD_EVENTS) {
        load.overflow = true;
        load.events = [];
      } else {
        load.events.push(event);
      }
    }
  }

  /**
   * The snapshot is the state as the server had it when asked, and the events that arrived while
   * it was on its way go on top of it (those it already holds are skipped by sequence number or
   * time). A snapshot older than what was held when it was asked for is not taken.
   */
  #takeSnapshot(snapshot: EntityState, load: Load): EntityState {
    if (load.overflow) return this.store.merge(snapshot);
    const key = entityKey(targetOf(snapshot));
    if (load.seqBefore !== undefined && snapshot.seq !== undefined && load.seqBefore > snapshot.seq) return this.store.get(snapshot) ?? snapshot;
    this.store.set(snapshot);
    for (const event of load.events) {
      if (entityKey(targetOf(event)) !== key) continue;
      try {
        this.store.apply(event);
      } catch (error) {
        this.#onListenerError(new Error(`state update failed for ${event.type}`, { cause: error }));
      }
    }
    // A snapshot from before the socket opened may be overtaken by events the socket will not bring.
    if (load.preview) this.#unconfirmed.add(key);
    else this.#unconfirmed.delete(key);
    return this.store.get(snapshot) ?? snapshot;
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}
