/**
 * Limits against abuse of one server: sockets open at once per token and per remote address, and
 * the rate of connection attempts per address (a token bucket), with the log line a refusal
 * writes (never the token; repeated refusals within a window are counted into the next line).
 */

export interface ConnectionLimits {
  /** Sockets open at once with one token. */
  perToken: number;
  /** Sockets open at once from one remote address. */
  perAddress: number;
  /** Connection attempts one address may make at once. */
  attemptBurst: number;
  /** Attempts per second an address gets back, up to `attemptBurst`. */
  attemptsPerSecond: number;
}

export type LimitRefusal = 'token' | 'address' | 'attempts';

/** The close reasons of the refusals (sent with 4429). */
export const LIMIT_REASONS: Readonly<Record<LimitRefusal, string>> = {
  token: 'too many connections for this token',
  address: 'too many connections from this address',
  attempts: 'too many connection attempts',
};

/**
 * Buckets kept before full ones (addresses not seen for a while) are dropped; when none is full,
 * the least recently seen go, down to three quarters of it, so that a flood from ever new
 * addresses neither grows the map nor scans it at every attempt.
 */
const BUCKETS_KEPT = 4096;

/**
 * Connection attempts per address: each attempt takes one from the address's bucket, which
 * refills at `perSecond` up to `burst`. Times are given (ms), so that the arithmetic runs on any clock.
 */
export class AttemptRate {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #buckets = new Map<string, { level: number; at: number }>();

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
  }

  /** Takes an attempt for `address` at `now`; false when its bucket is empty. */
  take(address: string, now: number): boolean {
    if (this.#burst === Infinity) return true;
    let bucket = this.#buckets.get(address);
    if (bucket) {
      bucket.level = Math.min(this.#burst, bucket.level + (now - bucket.at) * this.#perMs);
      bucket.at = now;
      // The map's order is the order addresses were last seen.
      this.#buckets.delete(address);
    } else {
      if (this.#buckets.size >= BUCKETS_KEPT) this.#dropFull(now);
      bucket = { level: this.#burst, at: now };
    }
    this.#buckets.set(address, bucket);
    if (bucket.level < 1) return false;
    bucket.level -= 1;
    return true;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forgets the buckets that are full again at `now` (those addresses start over with a full one), else the least recently seen. */
  #dropFull(now: number): void {
    for (const [address, bucket] of this.#buckets) {
      if (bucket.level + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(address);
    }
    for (const address of this.#buckets.keys()) {
      if (this.#buckets.size <= (BUCKETS_KEPT * 3) / 4) break;
      this.#buckets.delete(address);
    }
  }
}

/** Counts of open sockets by a key (a token, an address); a key at zero is forgotten. */
export class OpenCounts {
  readonly #counts = new Map<string, number>();

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string): void {
    this.#counts.set(key, this.count(key) + 1);
  }

  remove(key: string): void {
    const left = this.count(key) - 1;
    if (left > 0) this.#counts.set(key, left);
    else this.#counts.delete(key);
  }
}

export interface WarnLogger {
  warn(message: string): void;
}

/** ms within which further refusals of one kind are counted rather than logged each. */
const LOG_WINDOW = 10_000;

/** The log lines of refused connections: one per kind per window, with how many more there were. */
export class RefusalLog {
  readonly #logger: WarnLogger;
  readonly #last = new Map<LimitRefusal, { at: number; more: number }>();

  constructor(logger: WarnLogger) {
    this.#logger = logger;
  }

  /** A refusal, from `address` to `path` (without its query, which may hold a token). */
  note(kind: LimitRefusal, limit: number, address: string, path: string, now: number): void {
    const last = this.#last.get(kind);
    if (last && now - last.at < LOG_WINDOW) {
      last.more++;
      return;
    }
    const more = last && last.more > 0 ? `; ${last.more} more refused for this since the last line` : '';
    this.#last.set(kind, { at: now, more: 0 });
    const what = kind === 'attempts' ? `${LIMIT_REASONS[kind]} (burst ${limit})` : `${LIMIT_REASONS[kind]} (limit ${limit})`;
    this.#logger.warn(`progress server: refused a connection from ${address} to ${path}: ${what}${more}`);
  }
}
