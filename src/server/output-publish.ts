/**
 * Putting an event into the progress log, with the output store when there is one: an event is checked first (an invalid one adds nothing to a
 * task's log), then its output is numbered by the store, then it goes to the progress log with
 * its line fields, so that the live frame carries them.
 */
import type { ProgressEvent } from '../protocol/events.js';
import { checkEvent } from './frames.js';
import type { OutputStore } from './output-store.js';
import type { ProgressLog } from './progress-log.js';

/** Appends a checked event; with a log in memory the event is in it (and fanned out) before this returns. */
export function publishTo(log: ProgressLog, event: ProgressEvent): Promise<number> {
  try {
    const { event: normalised, text } = checkEvent(event);
    const appended = log.append(normalised, text);
    return appended instanceof Promise ? appended.then((a) => a.seq) : Promise.resolve(appended.seq);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Like `publishTo`, with the event's output numbered by `store` first (without a store, the
 * same). Rejects with a TypeError when the event is invalid, and with a `LogUnavailableError`
 * (an `OutputUnavailableError` when it is the store) when a store cannot be reached.
 */
export function publishWithLines(log: ProgressLog, store: OutputStore | undefined, event: ProgressEvent): Promise<number> {
  if (!store) return publishTo(log, event);
  let numbered: ProgressEvent | Promise<ProgressEvent>;
  try {
    checkEvent(event);
    numbered = store.numberOutput(event);
  } catch (error) {
    return Promise.reject(error);
  }
  return numbered instanceof Promise ? numbered.then((e) => publishTo(log, e)) : publishTo(log, numbered);
}
