/**
 * A connection whose real one is still being made (its code loads on demand, as the tab share's
 * does): it says `connecting` once asked to connect, and from the moment the real one arrives it
 * is that one, its listeners passing on what the real one tells.
 */
import type { ConnectionState } from '../events.js';
import type { ConnectionLike, ConnectionStats } from './connection.js';
import { ConnectionListeners } from './connection-listeners.js';
import type { ResumePosition } from './socket-url.js';

export class DeferredConnection extends ConnectionListeners implements ConnectionLike {
  #real: ConnectionLike | undefined;
  readonly #made: Promise<ConnectionLike>;
  /** Asked to connect (and not to disconnect since) before the real one arrived. */
  #wanted = false;
  #state: ConnectionState = 'disconnected';
  readonly #from: ResumePosition | undefined;

  constructor(
    readonly url: string,
    made: Promise<ConnectionLike>,
    from: ResumePosition | undefined,
    onError: (error: unknown) => void,
  ) {
    super(onError);
    this.#from = from;
    this.#made = made.then((real) => {
      this.#real = real;
      real.states.add((state) => this.#setState(state));
      real.events.add((event) => this.events.emit(event));
      real.frames.add((events) => this.frames.emit(events));
      real.rejections.add((rejection) => this.rejections.emit(rejection));
      real.resyncs.add((reason) => this.resyncs.emit(reason));
      return real;
    });
    // A failure is told to whoever waits in connect().
    this.#made.catch(onError);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get position(): ResumePosition | undefined {
    return this.#real ? this.#real.position : this.#from;
  }

  get retryAt(): number | undefined {
    return this.#real?.retryAt;
  }

  connect(): Promise<void> {
    if (this.#real) return this.#real.connect();
    if (!this.#wanted) {
      this.#wanted = true;
      this.#setState('connecting');
    }
    return this.#made.then((real) => (this.#wanted ? real.connect() : Promise.reject(new Error('disconnected'))));
  }

  disconnect(): void {
    if (this.#real) return this.#real.disconnect();
    if (!this.#wanted) return;
    this.#wanted = false;
    this.#setState('disconnected');
  }

  reconnect(): Promise<void> {
    return this.#real ? this.#real.reconnect() : this.connect();
  }

  stats(): ConnectionStats {
    return this.#real?.stats() ?? { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, reconnectAttempts: 0, lastFrameAt: 0 };
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.states.emit(state);
  }
}
