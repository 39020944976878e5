/**
 * The one clock an element may need: while `needed()` says so after an update (an elapsed time,
 * an uptime, a countdown or an "ago" on show), the element updates once a second. Stopped when
 * no longer needed and when the element leaves the document.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

const INTERVAL = 1000;

export class Clock implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #needed: () => boolean;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, needed: () => boolean) {
    this.#host = host;
    this.#needed = needed;
    host.addController(this);
  }

  hostConnected(): void {
    // Back in the document after a move: update, and so restart the clock when it is needed.
    this.#host.requestUpdate();
  }

  hostUpdated(): void {
    const needed = this.#host.isConnected && this.#needed();
    if (needed && this.#timer === undefined) this.#timer = setInterval(() => this.#host.requestUpdate(), INTERVAL);
    else if (!needed) this.hostDisconnected();
  }

  hostDisconnected(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
