/**
 * Appending to the log on behalf of a server: one event (`publish()`) or a checked batch (the
 * HTTP publish endpoint), each append timed and counted for the server's observer.
 */
import type { ProgressEvent } from '../client/events.js';
import { checkEvent, type CheckedEvent } from './frames.js';
import type { Observed } from './observer.js';
import type { ProgressLog } from './progress-log.js';

/**
 * A batch appended: every event's number; or, when an append failed, the number of each event
 * known to be in the log and null for the others (not appended, or not known whether they were),
 * with the first failure.
 */
export type BatchAppend = { ok: true; seqs: number[] } | { ok: false; seqs: (number | null)[]; error: unknown };

export class LogAppender {
  readonly #log: ProgressLog;
  readonly #observed: Observed;

  constructor(log: ProgressLog, observed: Observed) {
    this.#log = log;
    this.#observed = observed;
  }

  /** Checks an event with the client's parser and appends it (see `ProgressServer.publish`). */
  publish(event: ProgressEvent): Promise<number> {
    let checked: CheckedEvent;
    try {
      checked = checkEvent(event);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#append(checked).then((seq) => {
      this.#observed.report('eventsPublished', 1);
      return seq;
    });
  }

  /**
   * Appends checked events in their order: all are sent to the log at once (a Redis log pipelines
   * them on one connection, so they keep their order), then waited for.
   */
  async appendAll(events: readonly CheckedEvent[]): Promise<BatchAppend> {
    const settled = await Promise.allSettled(events.map((checked) => this.#append(checked)));
    const seqs = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
    const appended = seqs.filter((seq) => seq !== null).length;
    if (appended > 0) this.#observed.report('eventsPublished', appended);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    return failed ? { ok: false, seqs, error: failed.reason } : { ok: true, seqs: seqs as number[] };
  }

  /** One append, timed; resolves with its number. */
  #append({ event, text }: CheckedEvent): Promise<number> {
    const observed = this.#observed;
    const started = observed.present ? performance.now() : 0;
    const done = (failed: boolean): void => {
      if (!observed.present) return;
      observed.report('logAppendSeconds', (performance.now() - started) / 1000);
      if (failed) observed.report('logError');
    };
    let appended: { seq: number } | Promise<{ seq: number }>;
    try {
      appended = this.#log.append(event, text);
    } catch (error) {
      done(true);
      return Promise.reject(error);
    }
    if (!(appended instanceof Promise)) {
      done(false);
      return Promise.resolve(appended.seq);
    }
    return appended.then(
      ({ seq }) => (done(false), seq),
      (error: unknown) => {
        done(true);
        throw error;
      },
    );
  }
}
