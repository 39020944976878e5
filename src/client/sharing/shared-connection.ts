/**
 * A socket shared by the tabs of one browser: in the tab that holds the sockets it is a real
 * Connection, whose states, events and frames it passes on to the other tabs; in the others it
 * hears all of that from the channel. Either way this tab's client sees one connection.
 */
import type { ConnectionEvent, ConnectionState, ProgressEvent } from '../../protocol/events.js';
import type { Connection, ConnectionLike, ConnectionStats } from '../connection/connection.js';
import { ConnectionListeners } from '../connection/connection-listeners.js';
import type { ResyncReason } from '../connection/sequence-tracker.js';
import type { ResumePosition } from '../connection/socket-url.js';
import type { Transport } from '../connection/socket-like.js';
import type { ShareMessage } from './messages.js';

/** Numbered events the tab holding a socket keeps for tabs that come back from a reload, at most. */
export const REPLAY_LIMIT = 2000;
/** ms a tab waits for the holder to say what came since its kept position, before it resyncs. */
export const CATCH_UP_LIMIT = 3000;

/** What the holder answers a tab that said where it stands. */
export interface CatchUp {
  events: ProgressEvent[];
  position?: ResumePosition;
  resync?: ResyncReason;
}

/** What a shared connection needs of its share. */
export interface ShareLink {
  /** Whether this tab holds the sockets. */
  readonly leading: boolean;
  /** Tells the share that this tab needs the socket now, or no longer. */
  need(key: string, needed: boolean): void;
  /** Asks the tab holding the sockets to reconnect this one now. */
  retry(key: string): void;
  /** Tells the other tabs. */
  post(message: ShareMessage): void;
  /** A real connection for this key, resuming from `from`. */
  open(key: string, from: ResumePosition | undefined): Connection;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  promise: Promise<void>;
}

export class SharedConnection extends ConnectionListeners implements ConnectionLike {
  readonly #link: ShareLink;
  readonly #key: string;
  /** The real connection, while this tab holds the sockets and someone needs this one. */
  #real: Connection | undefined;
  #offReal: (() => void)[] = [];
  /** Whether this tab needs the socket (connect() until disconnect()). */
  #wanted = false;
  /** The state the tab holding the sockets reported last. */
  #relayed: ConnectionState = 'connecting';
  #retryAt: number | undefined;
  #position: ResumePosition | undefined;
  #state: ConnectionState = 'disconnected';
  #pending: Pending | undefined;
  /**
   * The tab holding the sockets: the last numbered events of the real socket, and the position
   * after which it has them all (undefined: not known yet).
   */
  #replay: ProgressEvent[] = [];
  #replayBase: ResumePosition | undefined;
  /**
   * Another tab that started from a kept position (a reload): until the holder has said what came
   * since (`caught`), the frames it passes on are held back, so that none is taken out of order.
   */
  #catchingSince: number | undefined;
  #held: { events: ProgressEvent[]; position: ResumePosition | undefined }[] = [];
  #heldCount = 0;
  readonly #stats: ConnectionStats = { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, reconnectAttempts: 0, lastFrameAt: 0, transport: 'websocket' };

  constructor(
    readonly url: string,
    key: string,
    link: ShareLink,
    from: ResumePosition | undefined,
    onError: (error: unknown) => void,
  ) {
    super(onError);
    this.#key = key;
    this.#link = link;
    this.#position = from;
    if (from) this.#catchingSince = Date.now();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get position(): ResumePosition | undefined {
    return this.#position ?? this.#real?.position;
  }

  get retryAt(): number | undefined {
    return this.#real ? this.#real.retryAt : this.#state === 'reconnecting' ? this.#retryAt : undefined;
  }

  /** Where this tab stands while it waits for the holder to catch it up (sent with its needs). */
  get catchingFrom(): ResumePosition | undefined {
    return this.#catchingSince === undefined || this.#real ? undefined : this.#position;
  }

  /** Whether this socket is open (or opening) for real in this tab. */
  get real(): boolean {
    return this.#real !== undefined;
  }

  connect(): Promise<void> {
    if (!this.#wanted) {
      this.#wanted = true;
      this.#link.need(this.#key, true);
      this.#setState(this.#real ? this.#real.state : this.#relayed);
    }
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#real) return this.#real.connect();
    return (this.#pending ??= newPending()).promise;
  }

  disconnect(): void {
    if (!this.#wanted) return;
    this.#wanted = false;
    this.#link.need(this.#key, false);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(new Error('disconnected'));
    if (this.#state !== 'disconnected') {
      this.#setState('disconnected');
      this.#emitEvent({ type: 'disconnected', timestamp: new Date().toISOString(), url: this.url, state: 'disconnected', code: 1000, reason: 'client disconnect', willReconnect: false });
    }
  }

  reconnect(): Promise<void> {
    if (!this.#wanted) return this.connect();
    if (this.#real) return this.#real.reconnect();
    this.#link.retry(this.#key);
    return this.#state === 'connected' ? Promise.resolve() : (this.#pending ??= newPending()).promise;
  }

  stats(): ConnectionStats {
    return this.#real ? this.#real.stats() : { ...this.#stats };
  }

  // ---- the tab holding the sockets --------------------------------------------------------

  /** This tab now holds the sockets: open this one for real, from where the tabs stand. */
  promote(): void {
    if (this.#real) return;
    // A tab still waiting to be caught up resumes from its own position instead: the server replays.
    this.#stopCatchingUp();
    const real = (this.#real = this.#link.open(this.#key, this.#position));
    this.#replay = [];
    this.#replayBase = this.#position;
    const key = this.#key;
    const post = (message: ShareMessage) => this.#link.post(message);
    // The transport told the other tabs: a move back to WebSocket comes without a change of state.
    let told: Transport | undefined;
    const conn = (): ShareMessage => {
      told = real.transport;
      return this.describe()!;
    };
    this.#offReal = [
      real.states.add((state) => {
        post(conn());
        this.#setState(this.#wanted ? state : 'disconnected');
      }),
      real.events.add((event) => {
        // `retryAt` changes with every scheduled attempt, while the state stays `reconnecting`.
        if (event.type === 'disconnected' && event.willReconnect) post(conn());
        if (event.type !== 'heartbeat') post({ t: 'event', key, event });
        this.#emitEvent(event);
      }),
      real.frames.add((events) => {
        this.#remember(events, real.position);
        if (real.transport !== told) post(conn());
        post({ t: 'frame', key, events, ...definedPosition(real.position) });
        this.#frame(events, real.position);
      }),
      real.rejections.add((rejection) => {
        post({ t: 'reject', key, rejection });
        if (this.#wanted) this.rejections.emit(rejection);
      }),
      real.resyncs.add((reason) => {
        // Not contiguous with what came before: what is kept starts anew from here.
        if (reason !== 'resumed') {
          this.#replay = [];
          this.#replayBase = reason === 'reconnect' ? undefined : real.position;
        }
        post({ t: 'resync', key, reason });
        if (this.#wanted) this.resyncs.emit(reason);
      }),
    ];
    void real.connect();
  }

  /** No tab needs this socket any more, or this tab no longer holds the sockets: the real one closes. */
  demote(): void {
    const real = this.#real;
    if (!real) return;
    this.#real = undefined;
    for (const off of this.#offReal) off();
    this.#offReal = [];
    real.disconnect();
    this.#replay = [];
    this.#replayBase = undefined;
    this.#relayed = 'connecting';
    if (this.#wanted) this.#setState('connecting');
  }

  /** What the real socket's state is now, for a tab that just asked. */
  describe(): ShareMessage | undefined {
    const real = this.#real;
    return real && { t: 'conn', key: this.#key, state: real.state, transport: real.transport, ...definedRetry(real.retryAt), ...definedPosition(real.position) };
  }

  reconnectReal(): void {
    void this.#real?.reconnect();
  }

  /**
   * A tab back from a reload needs this socket, which no tab has open (nor needs, in this one): it
   * opens from that tab's position, so that the server replays what the tab missed.
   */
  startFrom(from: ResumePosition): void {
    if (!this.#real && !this.#wanted) this.#position = from;
  }

  /**
   * What came after `from` (the position a reloaded tab kept), from what this tab keeps; or, when
   * it no longer has all of it, the resync that tab must make.
   */
  catchUp(from: ResumePosition): CatchUp {
    const head = this.#real?.position ?? this.#position;
    if (!head) return { events: [], resync: 'gap' };
    if (head.epoch !== from.epoch) return { events: [], position: head, resync: 'epoch' };
    if (from.seq >= head.seq) return { events: [], position: head };
    const base = this.#replayBase;
    if (!base || base.epoch !== from.epoch || base.seq > from.seq) return { events: [], position: head, resync: 'gap' };
    return { events: this.#replay.filter((e) => e.seq! > from.seq), position: head };
  }

  /** Keeps the last numbered events of the real socket, for tabs that come back from a reload. */
  #remember(events: ProgressEvent[], position: ResumePosition | undefined): void {
    if (!position) return;
    let first = true;
    for (const event of events) {
      if (event.seq === undefined) continue;
      if (first && this.#replayBase?.epoch !== position.epoch) {
        // A socket opened from no position: it has every event from its first one on.
        this.#replay = [];
        this.#replayBase = { epoch: position.epoch, seq: event.seq - 1 };
      }
      first = false;
      this.#replay.push(event);
    }
    const excess = this.#replay.length - REPLAY_LIMIT;
    if (excess > 0) {
      const dropped = this.#replay.splice(0, excess);
      this.#replayBase = { epoch: position.epoch, seq: dropped[dropped.length - 1]!.seq! };
    }
  }

  // ---- the other tabs ---------------------------------------------------------------------

  /** A message of the tab holding the sockets about this socket. */
  relay(message: ShareMessage): void {
    // Frames are taken from any tab (deduplicated): a tab that held the sockets until another took
    // them over may have some the other has not sent yet, and the other way round.
    if (message.t === 'frame') {
      if (this.#catchingSince === undefined) this.#frame(message.events, message.position);
      else this.#hold(message.events, message.position);
      return;
    }
    if (this.#real) return;
    switch (message.t) {
      case 'caught':
        if (this.#catchingSince !== undefined) this.#caughtUp(message);
        break;
      case 'conn':
        this.#relayed = message.state;
        this.#retryAt = message.retryAt;
        if (message.transport === 'sse' || message.transport === 'websocket') this.#stats.transport = message.transport;
        // While this tab waits to be caught up, its position stays where it was kept.
        if (message.position && this.#catchingSince === undefined) this.#advance(message.position);
        if (this.#wanted) this.#setState(message.state);
        break;
      case 'event':
        this.#emitEvent(message.event);
        break;
      case 'reject':
        this.#stats.framesRejected++;
        if (this.#wanted) this.rejections.emit(message.rejection);
        break;
      case 'resync':
        if (this.#wanted) this.resyncs.emit(message.reason);
        break;
    }
  }

  /** Gives up waiting for the holder to catch this tab up (it does not answer): a resync. */
  checkCatchUp(now: number): void {
    if (this.#catchingSince !== undefined && !this.#real && now - this.#catchingSince >= CATCH_UP_LIMIT) this.#caughtUp({ events: [], resync: 'gap' });
  }

  /** A frame that came while this tab waits to be caught up: applied after what the holder sends. */
  #hold(events: ProgressEvent[], position: ResumePosition | undefined): void {
    this.#held.push({ events, position });
    this.#heldCount += events.length;
    if (this.#heldCount > REPLAY_LIMIT) this.#caughtUp({ events: [], resync: 'gap' });
  }

  /**
   * The holder's answer: what came since this tab's position (then what was held back, without
   * what the answer already had), or a resync from the holder's position on.
   */
  #caughtUp({ events, position, resync }: CatchUp): void {
    const held = this.#held;
    this.#stopCatchingUp();
    if (resync) {
      if (position) this.#position = position;
      if (this.#wanted) this.resyncs.emit(resync);
    } else if (events.length > 0) {
      this.#frame(events, position);
    } else if (position) {
      this.#advance(position);
    }
    for (const frame of held) this.#frame(frame.events, frame.position);
  }

  #stopCatchingUp(): void {
    this.#catchingSince = undefined;
    this.#held = [];
    this.#heldCount = 0;
  }

  /**
   * Events of this socket, from the real one or from the channel: each copy holds them in the
   * server's order, so keeping only those numbered above the highest seen merges the copies
   * without loss or repeat.
   */
  #frame(events: ProgressEvent[], position: ResumePosition | undefined): void {
    const stats = this.#stats;
    stats.framesReceived++;
    stats.lastFrameAt = Date.now();
    const at = this.#position;
    let fresh = events;
    if (at && position && position.epoch === at.epoch) {
      fresh = events.filter((e) => e.seq === undefined || e.seq > at.seq);
      stats.duplicatesDropped += events.length - fresh.length;
    }
    if (position) this.#advance(position);
    if (this.#wanted && fresh.length > 0) this.frames.emit(fresh);
  }

  /** The position moves on, never back (within an epoch). */
  #advance(position: ResumePosition): void {
    const at = this.#position;
    this.#position = at && at.epoch === position.epoch ? { epoch: at.epoch, seq: Math.max(at.seq, position.seq) } : position;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.states.emit(state);
    if (state === 'connected') {
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve();
    } else if (state === 'failed') {
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(new Error('gave up reconnecting'));
    }
  }

  #emitEvent(event: ConnectionEvent): void {
    if (this.#wanted) this.events.emit(event);
  }
}

const definedRetry = (retryAt: number | undefined): { retryAt?: number } => (retryAt === undefined ? {} : { retryAt });
const definedPosition = (position: ResumePosition | undefined): { position?: ResumePosition } => (position === undefined ? {} : { position });

function newPending(): Pending {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { resolve, reject, promise };
}
