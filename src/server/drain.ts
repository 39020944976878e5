/**
 * Draining: the server's sockets are closed with 1012 (service restart) one by one, spread evenly
 * with jitter over a window, so that their clients reconnect (to other instances, and resume
 * there) a few at a time rather than all at once.
 */
import { PEER_CLOSED, PEER_OPEN, type Peer } from './peer.js';

/** The close a drained socket gets. */
export const DRAIN_CODE = 1012;
export const DRAIN_REASON = 'draining';
/** Default window, in ms. */
export const DEFAULT_DRAIN_WINDOW = 10000;
/** How long a drained client has to answer its close frame before its connection is cut. */
const CLOSE_GRACE_MS = 1000;

/** The timers draining runs on: the process's by default; a test's clock, advanced by hand. */
export interface DrainClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DrainOptions {
  /** ms over which the sockets are closed. Default 10000; 0 closes them all at once. */
  window?: number;
  /** The timers to run on. Default: the process's. */
  clock?: DrainClock;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

const PROCESS_CLOCK: DrainClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The delay of each of `count` closes: the window cut into `count` equal slots, each close at a
 * random moment of its own slot (so that no stretch of the window gets more than its share).
 */
export function drainDelays(count: number, window: number, random: () => number): number[] {
  const slot = window / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => Math.min(window, Math.floor((i + random()) * slot)));
}

/**
 * Closes every socket with 1012 `draining` over the window; resolves once all are closed (one
 * that does not answer its close frame is cut after a grace period). Every timer it sets is
 * cleared when its socket closes.
 */
export function drainSockets(sockets: readonly Peer[], options: DrainOptions = {}): Promise<void> {
  const clock = options.clock ?? PROCESS_CLOCK;
  const window = Math.max(0, options.window ?? DEFAULT_DRAIN_WINDOW);
  const open = sockets.filter((ws) => ws.readyState !== PEER_CLOSED);
  if (open.length === 0) return Promise.resolve();
  const delays = drainDelays(open.length, window, options.random ?? Math.random);
  return new Promise((resolve) => {
    let left = open.length;
    open.forEach((ws, i) => {
      let grace: unknown;
      const slot = clock.setTimeout(() => {
        if (ws.readyState !== PEER_OPEN) return; // closing already
        ws.close(DRAIN_CODE, DRAIN_REASON);
        grace = clock.setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      }, delays[i]!);
      ws.once('close', () => {
        clock.clearTimeout(slot);
        if (grace !== undefined) clock.clearTimeout(grace);
        if (--left === 0) resolve();
      });
    });
  });
}
