/**
 * Publishing without serving sockets: a backend (a worker, the orchestrator's side) appends
 * events to the log that the progress servers fan out from.
 */
import type { ProgressEvent } from '../client/events.js';
import { checkEvent } from './frames.js';
import type { ProgressLog } from './progress-log.js';

export interface ProgressPublisher {
  /**
   * Validates an event with the client's parser and appends it to the log. Resolves with its
   * sequence number once it is in the log; rejects with a TypeError when it is invalid, or with a
   * `LogUnavailableError` when the log cannot be reached.
   */
  publish(event: ProgressEvent): Promise<number>;
}

export interface ProgressPublisherOptions {
  log: ProgressLog;
}

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

export function createProgressPublisher(options: ProgressPublisherOptions): ProgressPublisher {
  const { log } = options;
  return { publish: (event) => publishTo(log, event) };
}
