/**
 * Publishing without serving sockets: a backend (a worker, the orchestrator's side) appends
 * events to the log that the progress servers fan out from.
 */
import type { ProgressEvent } from '../protocol/events.js';
import { publishWithLines } from './output-publish.js';
import type { OutputStore } from './output-store.js';
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
  /** The output store the servers on this log share, so that output events get their line numbers here too. */
  output?: OutputStore;
}

export function createProgressPublisher(options: ProgressPublisherOptions): ProgressPublisher {
  const { log, output } = options;
  return { publish: (event) => publishWithLines(log, output, event) };
}
