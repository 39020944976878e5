/**
 * What a connection tells its listeners, shared by every kind of connection (this tab's own, one
 * shared with other tabs, one still being made). A module of its own so that the tab share, which
 * loads on demand, takes nothing else of the connection's code with it.
 */
import type { ConnectionEvent, ConnectionState, ProgressEvent } from '../../protocol/events.js';
import { ListenerSet } from '../listener-set.js';
import type { FrameRejection } from '../../protocol/parse-frame.js';
import type { ResyncReason } from './sequence-tracker.js';

/** What a connection tells its listeners (shared by every kind of connection). */
export class ConnectionListeners {
  /** Every change of the state. */
  readonly states: ListenerSet<ConnectionState>;
  /** Connection events: connected, disconnected (with willReconnect), error, heartbeat. */
  readonly events: ListenerSet<ConnectionEvent>;
  /** The events of each frame, in order: a batch arrives as one call. */
  readonly frames: ListenerSet<ProgressEvent[]>;
  /** Every frame, or member of a batch, that was dropped, and why. */
  readonly rejections: ListenerSet<FrameRejection>;
  /** What a reconnection (or a first connection from a kept position) meant. */
  readonly resyncs: ListenerSet<ResyncReason>;

  constructor(onError: (error: unknown) => void) {
    this.states = new ListenerSet(onError);
    this.events = new ListenerSet(onError);
    this.frames = new ListenerSet(onError);
    this.rejections = new ListenerSet(onError);
    this.resyncs = new ListenerSet(onError);
  }
}
