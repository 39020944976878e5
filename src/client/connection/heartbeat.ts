/**
 * The JSON heartbeat of one connection: a ping every `interval`, and the connection declared dead
 * when no frame at all arrives within `timeout` of a ping (a half-open connection).
 */
export class Heartbeat {
  readonly #interval: number;
  readonly #timeout: number;
  readonly #ping: () => boolean;
  readonly #dead: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param ping sends a ping; false when it could not be sent.
   * @param dead called when a ping went unanswered for `timeout` ms.
   */
  constructor(interval: number, timeout: number, ping: () => boolean, dead: () => void) {
    this.#interval = interval;
    this.#timeout = timeout;
    this.#ping = ping;
    this.#dead = dead;
  }

  /** Pings every interval from now on (0: never). */
  start(): void {
    this.stop();
    if (this.#interval > 0) this.#timer = setInterval(() => this.check(), this.#interval);
  }

  /** A frame arrived: whatever it is, the connection is alive. */
  alive(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  /** Pings now (unless a ping is still waiting) and starts the wait for an answer. */
  check(): void {
    if (this.#deadline !== undefined || !this.#ping()) return;
    this.#deadline = setTimeout(() => {
      this.#deadline = undefined;
      this.#dead();
    }, this.#timeout);
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#deadline);
    this.#timer = this.#deadline = undefined;
  }
}
