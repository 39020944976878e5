/**
 * The live side of `<task-log>`: while the element is connected, follows its task on the page's
 * shared client (configureProgress), hands the task's events to the log's feed, tells it of
 * resyncs, and keeps the task's state (its status and steps, which name the log's step groups).
 * New ids or a new client start a new log.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { TERMINAL_TASK_STATUSES, type ConnectionState, type ProgressClient, type ProgressSubscription, type TaskState } from '../../client/index.js';
import { stageStatus } from '../shared/run-facts.js';
import { getProgressClient, onProgressClientChange } from '../shared/configure.js';
import { LogFeed, type FeedHost } from './log-feed.js';
import { LogModel, type StepStatus } from './log-model.js';

type Host = ReactiveControllerHost & HTMLElement & { projectId: string | undefined; taskId: string | undefined };

export class LiveLog implements ReactiveController {
  model = new LogModel();
  feed: LogFeed | undefined;
  state: TaskState | undefined;
  connection: ConnectionState | 'unconfigured' = 'disconnected';
  /** Goes up whenever a new log begins (new ids, a new client). */
  generation = 0;
  readonly #host: Host;
  readonly #feedHost: FeedHost;
  #key: string | undefined;
  #client: ProgressClient | undefined;
  #subscription: ProgressSubscription | undefined;
  #offResync: (() => void) | undefined;
  #offClient: (() => void) | undefined;
  /** The socket went down since it was last connected: a resync may follow. */
  #wasDown = false;
  #everConnected = false;
  /** What the steps were last told, to tell them only of changes. */
  readonly #told = new Map<string, string>();

  constructor(host: Host, feedHost: FeedHost) {
    this.#host = host;
    this.#feedHost = feedHost;
    host.addController(this);
  }

  hostConnected(): void {
    this.#offClient = onProgressClientChange(() => this.sync());
    this.sync();
  }

  hostDisconnected(): void {
    this.#offClient?.();
    this.#offClient = undefined;
    this.#detach();
    this.#key = undefined;
  }

  /** Follows what the ids and the page's client say now. */
  sync(): void {
    if (!this.#host.isConnected) return;
    const { projectId, taskId } = this.#host;
    const key = taskId ? `${projectId ?? ''}/${taskId}` : undefined;
    const client = key === undefined ? undefined : getProgressClient();
    if (key === this.#key && client === this.#client && (this.#subscription || !client || !key)) return;
    this.#detach();
    this.#key = key;
    this.#client = client;
    this.model = new LogModel();
    this.state = undefined;
    this.feed = undefined;
    this.#told.clear();
    this.generation++;
    this.connection = key && !client ? 'unconfigured' : 'disconnected';
    this.#everConnected = this.#wasDown = false;
    this.#host.requestUpdate();
    if (!key || !client || !taskId) return;
    const feed = (this.feed = new LogFeed(this.model, projectId ?? '', taskId, (path, signal) => client.getFromBase(path, signal), this.#feedHost));
    const live = () => this.feed === feed;
    try {
      this.#subscription = client.subscribeToTask({
        projectId: projectId || undefined,
        taskId,
        onEvent: (event) => {
          if (live()) feed.event(event);
          this.#host.requestUpdate();
        },
        onState: (state) => {
          if (!live()) return;
          this.state = state;
          this.#steps(state);
          this.#host.requestUpdate();
        },
        onConnectionChange: (state) => {
          if (live()) this.#connectionChanged(state, feed);
        },
      });
      this.#offResync = client.onResync((reason) => {
        if (!live() || !this.#wasDown) return;
        this.#wasDown = false;
        if (reason !== 'resumed') feed.resync();
      });
      this.#connectionChanged(this.#subscription.getConnectionState(), feed);
    } catch (error) {
      this.connection = 'failed';
      console.error(`[progress] <${this.#host.localName}> cannot follow:`, error);
    }
  }

  #connectionChanged(state: ConnectionState, feed: LogFeed): void {
    if (state === 'connected') {
      // The end of the log is read once the socket is open: nothing published meanwhile is missed.
      if (!this.#everConnected) feed.start();
      this.#everConnected = true;
    } else if (this.#everConnected) this.#wasDown = true;
    if (state === this.connection) return;
    this.connection = state;
    this.#host.requestUpdate();
  }

  /** The steps' names, statuses and durations, from the task's state. */
  #steps(state: TaskState): void {
    const over = TERMINAL_TASK_STATUSES.has(state.status);
    for (const step of state.steps) {
      const status = stageStatus(step.status, state.status, over);
      const started = step.startedAt ? Date.parse(step.startedAt) : NaN;
      const ended = step.endedAt ? Date.parse(step.endedAt) : NaN;
      const durationMs = ended - started;
      const said = `${step.name}\0${status}\0${durationMs}`;
      if (this.#told.get(step.id) === said) continue;
      this.#told.set(step.id, said);
      this.model.setStep(step.id, {
        name: step.name,
        status: status as StepStatus,
        ...(Number.isFinite(durationMs) && durationMs >= 0 ? { durationMs } : {}),
      });
    }
  }

  #detach(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
    this.#offResync?.();
    this.#offResync = undefined;
    this.feed?.close();
  }
}
