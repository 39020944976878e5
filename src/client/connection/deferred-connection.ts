/**
 * A connection whose real one waits for code that loads on demand (the tab share's, the
 * snapshots'): it says `connecting` once asked to connect, and from the moment the code is there
 * it is the real one, its listeners passing on what the real one tells.
 *
 * The real one is made only when it is wanted: when the code arrives after a disconnect() (the
 * subscription went, the client closed), none is made, so no socket opens for an owner that has
 * gone. A real one that was made is disconnected with this one, and its listeners go with it.
 */
import type { ConnectionState } from '../../protocol/events.js';
import type { ConnectionLike, ConnectionStats } from './connection.js';
import { ConnectionListeners } from './connection-listeners.js';
import type { ResumePosition } from './socket-url.js';

export class DeferredConnection extends ConnectionListeners implements ConnectionLike {
  #real: ConnectionLike | undefined;
  /** Removes this connection's listeners from the real one. */
  #offReal: (() => void)[] = [];
  /** Settles once the code is there: then `make` can make the real one. */
  readonly #ready: Promise<unknown>;
  readonly #make: () => ConnectionLike;
  #arrived = false;
  /** Asked to connect, and not to disconnect since. */
  #wanted = false;
  #state: ConnectionState = 'disconnected';
  readonly #from: ResumePosition | undefined;

  constructor(
    readonly url: string,
    ready: Promise<unknown>,
    make: () => ConnectionLike,
    from: ResumePosition | undefined,
    onError: (error: unknown) => void,
  ) {
    super(onError);
    this.#from = from;
    this.#make = make;
    this.#ready = ready.then(
      () => (this.#arrived = true),
      (error: unknown) => {
        // The code that failed to load says so; the real one is made without it.
        this.#arrived = true;
        onError(error);
      },
    );
  }

  get state(): ConnectionState {
    return this.#real ? this.#real.state : this.#state;
  }

  get position(): ResumePosition | undefined {
    return this.#real ? this.#real.position : this.#from;
  }

  get retryAt(): number | undefined {
    return this.#real?.retryAt;
  }

  connect(): Promise<void> {
    if (this.#arrived) return this.#attach().connect();
    if (!this.#wanted) {
      this.#wanted = true;
      this.#setState('connecting');
    }
    // When the code arrives, this connection may be wanted no more: then nothing is made.
    const connected = this.#ready.then(() => (this.#wanted ? this.#attach().connect() : Promise.reject(new Error('disconnected'))));
    // As a real connection's: a caller that does not wait for it gets no unhandled rejection.
    connected.catch(() => {});
    return connected;
  }

  disconnect(): void {
    this.#wanted = false;
    const real = this.#real;
    if (!real) return this.#setState('disconnected');
    real.disconnect();
    for (const off of this.#offReal) off();
    this.#offReal = [];
  }

  reconnect(): Promise<void> {
    return this.#arrived ? this.#attach().reconnect() : this.connect();
  }

  stats(): ConnectionStats {
    return this.#real?.stats() ?? { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, reconnectAttempts: 0, lastFrameAt: 0, transport: 'websocket' };
  }

  /** The real connection (made on first use once the code is there), this one's listeners on it. */
  #attach(): ConnectionLike {
    this.#wanted = true;
    const real = (this.#real ??= this.#make());
    if (this.#offReal.length > 0) return real;
    this.#offReal = [
      real.states.add((state) => this.#setState(state)),
      real.events.add((event) => this.events.emit(event)),
      real.frames.add((events) => this.frames.emit(events)),
      real.rejections.add((rejection) => this.rejections.emit(rejection)),
      real.resyncs.add((reason) => this.resyncs.emit(reason)),
    ];
    return real;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.states.emit(state);
  }
}
