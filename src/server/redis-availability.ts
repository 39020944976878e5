/**
 * Whether the progress log's Redis answers, as its two connections say: down at the first error
 * (said once, with where, never with credentials), up again once both are ready; and the typed
 * error of a command that could not run meanwhile.
 */
import type { Redis } from 'ioredis';
import { LogUnavailableError } from './progress-log.js';

export interface AvailabilityLogger {
  warn(message: string): void;
  info(message: string): void;
}

export class RedisAvailability {
  #down = false;
  #closed = false;
  readonly #where: string;
  readonly #logger: AvailabilityLogger;
  readonly #connections: readonly Redis[];
  /** What is said after "is back": the epoch and where reading goes on. */
  readonly #back: () => string;

  constructor(where: string, logger: AvailabilityLogger, connections: readonly Redis[], back: () => string) {
    this.#where = where;
    this.#logger = logger;
    this.#connections = connections;
    this.#back = back;
    for (const connection of connections) {
      connection.on('error', (error: Error) => this.unavailable(error));
      connection.on('ready', () => this.available());
    }
  }

  get down(): boolean {
    return this.#down;
  }

  /** Closed: nothing more is said. */
  close(): void {
    this.#closed = true;
  }

  unavailable(error: unknown): void {
    if (this.#down || this.#closed) return;
    this.#down = true;
    this.#logger.warn(`progress log: Redis at ${this.#where} is unavailable (${(error as Error)?.message ?? error}); sockets stay open, publishing fails until it is back`);
  }

  /** Both connections ready again: publishing works. */
  available(): void {
    if (!this.#down || this.#closed || this.#connections.some((c) => c.status !== 'ready')) return;
    this.#down = false;
    this.#logger.info(`progress log: Redis at ${this.#where} is back ${this.#back()}`);
  }

  failure(what: string, error: unknown): LogUnavailableError {
    return new LogUnavailableError(`progress log: cannot ${what}: Redis at ${this.#where} is unavailable (${(error as Error)?.message ?? error})`, { cause: error });
  }
}
