/**
 * Appending to the log on behalf of a server: one event (`publish()`) or a checked batch (the
 * HTTP publish endpoint), each event's output numbered by the output store first (when there is
 * one), each append timed and counted for the server's observer.
 */
import type { ProgressEvent } from '../protocol/events.js';
import { checkEvent, type CheckedEvent } from './frames.js';
import type { Observed } from './observer.js';
import type { OutputStore } from './output-store.js';
import type { ProgressLog } from './progress-log.js';

/**
 * A batch appended: every event's number; or, when an append failed, the number of each event
 * known to be in the log and null for the others (not appended, or not known whether they were),
 * with the first failure.
 */
export type BatchAppend = { ok: true; seqs: number[] } | { ok: false; seqs: (number | null)[]; error: unknown };

export class LogAppender {
  readonly #log: ProgressLog;
  readonly #output: OutputStore | undefined;
  readonly #observed: Observed;

  constructor(log: ProgressLog, output: OutputStore | undefined, observed: Observed) {
    this.#log = log;
    this.#output = output;
    this.#observed = observed;
  }

  /**
   * Checks an event with the client's parser, has its output numbered, and appends it (see
   * `ProgressServer.publish`). With a log and a store in memory, it is in the log before this returns.
   */
  publish(event: ProgressEvent): Promise<number> {
    const append = (checked: CheckedEvent): Promise<number> =>
      this.#append(checked).then((seq) => {
        this.#observed.report('eventsPublished', 1);
        return seq;
      });
    let prepared: CheckedEvent | Promise<CheckedEvent>;
    try {
      prepared = this.#prepare(event);
    } catch (error) {
      return Promise.reject(error);
    }
    return prepared instanceof Promise ? prepared.then(append) : append(prepared);
  }

  /**
   * Appends events (checked by the caller) in their order: their outputs are numbered, then all
   * are sent to the log at once (a Redis log pipelines them on one connection, so they keep their
   * order), then waited for. When numbering fails, nothing is appended.
   */
  async appendAll(events: readonly ProgressEvent[]): Promise<BatchAppend> {
    const prepared = await Promise.allSettled(events.map(async (event) => this.#prepare(event)));
    const unnumbered = prepared.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (unnumbered) return { ok: false, seqs: events.map(() => null), error: unnumbered.reason };
    const checked = prepared.map((p) => (p as PromiseFulfilledResult<CheckedEvent>).value);
    const settled = await Promise.allSettled(checked.map((c) => this.#append(c)));
    const seqs = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
    const appended = seqs.filter((seq) => seq !== null).length;
    if (appended > 0) this.#observed.report('eventsPublished', appended);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    return failed ? { ok: false, seqs, error: failed.reason } : { ok: true, seqs: seqs as number[] };
  }

  /** The event checked, then with its output numbered by the store (checked again: the store added fields). */
  #prepare(event: ProgressEvent): CheckedEvent | Promise<CheckedEvent> {
    const checked = checkEvent(event);
    if (!this.#output) return checked;
    const numbered = this.#output.numberOutput(event);
    return numbered instanceof Promise ? numbered.then(checkEvent) : checkEvent(numbered);
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
