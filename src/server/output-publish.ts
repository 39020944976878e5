/**
 * Publishing with the output store: an event is checked first (an invalid one adds nothing to a
 * task's log), then its output is numbered by the store, then it goes to the progress log with
 * its line fields, so that the live frame carries them.
 */
import type { ProgressEvent } from '../client/events.js';
import { checkEvent } from './frames.js';
import type { OutputStore } from './output-store.js';
import type { ProgressLog } from './progress-log.js';
import { publishTo } from './publisher.js';

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
