/**
 * Counts the timers, animation frames and WebSockets a page holds at a moment: wraps
 * setTimeout/setInterval/requestAnimationFrame and WebSocket before anything else is loaded (import
 * this module first). Timers started by the benchmark itself go through `benchSleep`, unseen.
 */

const native = {
  setTimeout: globalThis.setTimeout.bind(globalThis),
  clearTimeout: globalThis.clearTimeout.bind(globalThis),
  setInterval: globalThis.setInterval.bind(globalThis),
  clearInterval: globalThis.clearInterval.bind(globalThis),
  requestAnimationFrame: globalThis.requestAnimationFrame.bind(globalThis),
  cancelAnimationFrame: globalThis.cancelAnimationFrame.bind(globalThis),
  WebSocket: globalThis.WebSocket,
};

const timeouts = new Set<number>();
const intervals = new Set<number>();
const frames = new Set<number>();
const sockets = new Set<WebSocket>();
let socketsOpened = 0;

type Callback = (...args: unknown[]) => void;

globalThis.setTimeout = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
  if (typeof handler !== 'function') return native.setTimeout(handler, ms, ...args) as unknown as number;
  const id = native.setTimeout(() => {
    timeouts.delete(id);
    (handler as Callback)(...args);
  }, ms) as unknown as number;
  timeouts.add(id);
  return id;
}) as typeof setTimeout;
globalThis.clearTimeout = ((id?: number) => {
  if (id !== undefined) timeouts.delete(id);
  native.clearTimeout(id);
}) as typeof clearTimeout;
globalThis.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
  const id = native.setInterval(handler, ms, ...args) as unknown as number;
  intervals.add(id);
  return id;
}) as typeof setInterval;
globalThis.clearInterval = ((id?: number) => {
  if (id !== undefined) intervals.delete(id);
  native.clearInterval(id);
}) as typeof clearInterval;
globalThis.requestAnimationFrame = (callback: FrameRequestCallback) => {
  const id = native.requestAnimationFrame((time) => {
    frames.delete(id);
    callback(time);
  });
  frames.add(id);
  return id;
};
globalThis.cancelAnimationFrame = (id: number) => {
  frames.delete(id);
  native.cancelAnimationFrame(id);
};

class TrackedWebSocket extends native.WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    socketsOpened++;
    sockets.add(this);
    this.addEventListener('close', () => sockets.delete(this));
  }
}
globalThis.WebSocket = TrackedWebSocket as typeof WebSocket;

export interface Handles {
  timeouts: number;
  intervals: number;
  animationFrames: number;
  /** WebSockets not yet closed. */
  sockets: number;
  socketsOpened: number;
}

export function liveHandles(): Handles {
  return { timeouts: timeouts.size, intervals: intervals.size, animationFrames: frames.size, sockets: sockets.size, socketsOpened };
}

/** A wait of the benchmark's own, not counted as a live timer. */
export const benchSleep = (ms: number): Promise<void> => new Promise((resolve) => native.setTimeout(resolve, ms));
export const benchFrame = (): Promise<number> => new Promise((resolve) => native.requestAnimationFrame(resolve));
