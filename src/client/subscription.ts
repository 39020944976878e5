/**
 * One subscription of a ProgressClient: what it follows, the socket that serves it, and how an
 * event, a state or a change of its socket reaches its callbacks. A callback that throws is
 * reported and stops nothing else.
 */
import type { ConnectionState, ProgressEvent } from '../protocol/events.js';
import type { EntityQuery } from '../protocol/entity.js';
import type { RouteFilter } from './routing-index.js';
import type { View } from './snapshot-sync.js';
import type { PooledSocket } from './socket-pool.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import type { AnyOptions, ConnectionDetail } from './subscription-options.js';

export interface Subscription extends View {
  readonly filter: RouteFilter;
  /** The one entity the subscription follows, when its filter names one. */
  readonly query: EntityQuery | undefined;
  readonly socket: PooledSocket;
  readonly options: AnyOptions;
  readonly types: ReadonlySet<string> | undefined;
  active: boolean;
  offConnection?: () => void;
}

type Callbacks = {
  onEvent?: (event: ProgressEvent) => void;
  onState?: (state: EntityState) => void;
  onComplete?: (event: ProgressEvent) => void;
  onFailed?: (event: ProgressEvent) => void;
  onCancelled?: (event: ProgressEvent) => void;
};

/** The callback an event calls beside onEvent, by type. */
const OUTCOME: Record<string, keyof Callbacks> = {
  task_completed: 'onComplete',
  workflow_execution_completed: 'onComplete',
  task_failed: 'onFailed',
  workflow_execution_failed: 'onFailed',
  task_cancelled: 'onCancelled',
};

export function deliverEvent(sub: Subscription, event: ProgressEvent, onError: (error: unknown) => void): void {
  if (sub.types && !sub.types.has(event.type)) return;
  const o = sub.options as Callbacks;
  call(o.onEvent, event, onError);
  const outcome = sub.filter.kind === 'progress' ? undefined : OUTCOME[event.type];
  if (outcome) call(o[outcome] as ((event: ProgressEvent) => void) | undefined, event, onError);
}

export function deliverState(sub: Subscription, state: EntityState, onError: (error: unknown) => void): void {
  call((sub.options as Callbacks).onState, state, onError);
}

function call<T>(fn: ((value: T) => void) | undefined, value: T, onError: (error: unknown) => void): void {
  if (!fn) return;
  try {
    fn(value);
  } catch (error) {
    onError(error);
  }
}

/**
 * Tells `listener` the state of the subscription's socket at once (in a microtask) and on every
 * change, and when the next reconnect attempt is due. Returns the function that stops it.
 */
export function watchConnection(
  sub: Subscription,
  listener: (state: ConnectionState, detail: ConnectionDetail) => void,
  onError: (error: unknown) => void,
): () => void {
  const connection = sub.socket.connection;
  let told: { state: ConnectionState; retryAt: number | undefined } | undefined;
  const tell = (): void => {
    const state = connection.state;
    const retryAt = state === 'reconnecting' ? connection.retryAt : undefined;
    if (told && told.state === state && told.retryAt === retryAt) return;
    told = { state, retryAt };
    listener(state, retryAt === undefined ? {} : { retryAt });
  };
  const offs = [
    connection.states.add(tell),
    connection.events.add((event) => {
      if (event.type === 'disconnected' && event.willReconnect) tell();
    }),
  ];
  queueMicrotask(() => {
    if (!sub.active || told) return;
    try {
      tell();
    } catch (error) {
      onError(error);
    }
  });
  return () => offs.forEach((off) => off());
}
