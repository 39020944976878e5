/**
 * One animation frame for all the progress elements of a page. An element with something new to
 * show queues its job (once, oldest first); each frame runs the queued jobs in that order until a
 * time budget is spent, always at least one, and leaves the rest, still in order, to the next
 * frame. Under a flood, rendering then takes a bounded share of each frame and the events keep
 * the rest of the main thread, while every element still catches up within a few frames. A job
 * runs at most once a frame.
 *
 * Hidden pages get no animation frames: a timeout runs everything queued instead, at a slower pace
 * (on a visible page whose frames are held up, it runs a frame's share).
 */

type Job = () => void;

/** Milliseconds of jobs per frame while new work keeps coming (the rest of the frame is the events'). */
let budget = 8;
/** When nothing new was queued since the last frame (catching up), jobs get this many times the budget. */
const QUIET_FACTOR = 1.5;
/** Whether a job was queued since the last run. */
let fresh = false;
const HIDDEN_INTERVAL = 250;

const queue = new Set<Job>();
let frame: number | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Queues `job` for the next frame (where it already is in the queue, it keeps its place). */
export function schedule(job: Job): void {
  queue.add(job);
  fresh = true;
  request();
}

/** Takes `job` out of the queue; the frame is cancelled when nothing is left. */
export function unschedule(job: Job): void {
  if (queue.delete(job) && queue.size === 0) cancel();
}

/**
 * Sets how many milliseconds of each animation frame the progress elements of the page may spend
 * rendering while events keep coming (default 8; 1.5 times as much while catching up). A page with
 * heavy work of its own gives them less; at least one element renders in every frame whatever the
 * budget. Returns the previous budget. A budget that is not a number of 0 or more is refused.
 */
export function setFrameBudget(ms: number): number {
  if (typeof ms !== 'number' || !(ms >= 0)) throw new RangeError(`setFrameBudget takes a number of milliseconds, 0 or more (got ${String(ms)})`);
  const previous = budget;
  budget = ms;
  return previous;
}

function request(): void {
  if (frame !== undefined) return;
  frame = requestAnimationFrame(() => run(fresh ? budget : budget * QUIET_FACTOR));
  timer = setTimeout(() => run(document.hidden ? Infinity : budget), HIDDEN_INTERVAL);
}

function cancel(): void {
  if (frame !== undefined) cancelAnimationFrame(frame);
  clearTimeout(timer);
  frame = timer = undefined;
}

function run(ms: number): void {
  cancel();
  fresh = false;
  const end = performance.now() + ms;
  // A job queued again while the frame runs waits for the next one.
  const done = new Set<Job>();
  for (const job of queue) {
    if (done.has(job)) continue;
    if (done.size > 0 && performance.now() >= end) break;
    queue.delete(job);
    done.add(job);
    try {
      job();
    } catch (error) {
      // One element's failed render is reported as uncaught, and the others still render.
      report(error);
    }
  }
  if (queue.size > 0) request();
}

/** An error reported as uncaught, after the frame's other jobs (browsers without reportError too). */
function report(error: unknown): void {
  if (typeof reportError === 'function') reportError(error);
  else
    setTimeout(() => {
      throw error;
    });
}
