/**
 * A log shared with a journal but read late, as a server on Redis reads its stream: the entries
 * the journal numbers reach this log's tail only when the test delivers them (a server catching
 * up), and a replay read waits until the test lets it finish (a slow XRANGE). For the tests of
 * what a server sends while it opens a session and catches up at the same time.
 */
import type { ProgressEvent } from '../../../src/protocol/events.js';
import type { EntityStates } from '../../../src/server/entity-states.js';
import type { ProgressJournal } from '../../../src/server/journal.js';
import type { LogEntry, ProgressLog, ReadRequest, ReadResult, TailListener } from '../../../src/server/progress-log.js';

export class LaggingLog implements ProgressLog {
  readonly #journal: ProgressJournal;
  readonly #listeners = new Set<TailListener>();
  /** Entries the journal numbered that this log's tail has not delivered yet. */
  readonly #unread: LogEntry[] = [];
  readonly #untail: () => void;
  #position: number;
  #reads: { request: ReadRequest; finish: () => void }[] = [];
  #onRead: (() => void) | undefined;

  /** Starts where the journal stands: what it numbers from now on waits for `deliver()`. */
  constructor(journal: ProgressJournal) {
    this.#journal = journal;
    this.#position = journal.position;
    this.#untail = journal.tail({ entry: (entry) => this.#unread.push(entry), lost: () => {} });
  }

  get epoch(): string {
    return this.#journal.epoch;
  }

  get position(): number {
    return this.#position;
  }

  get states(): EntityStates {
    return this.#journal.states;
  }

  append(event: ProgressEvent, text: string): { seq: number } {
    return this.#journal.append(event, text);
  }

  /** Answers as the journal does, once the test calls `finishReads()`. */
  read(request: ReadRequest): Promise<ReadResult> {
    return new Promise((resolve) => {
      this.#reads.push({ request, finish: () => resolve(this.#journal.read(request)) });
      this.#onRead?.();
    });
  }

  latest(projects: (projectId: string) => boolean, through: number): number {
    return this.#journal.latest(projects, Math.min(through, this.#position));
  }

  tail(listener: TailListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Hands the tail's listeners the entries numbered since, up to `through` (all by default), in order. */
  deliver(through = Infinity): void {
    while (this.#unread.length > 0 && this.#unread[0]!.seq <= through) {
      const entry = this.#unread.shift()!;
      this.#position = entry.seq;
      for (const listener of this.#listeners) listener.entry(entry);
    }
  }

  /** Resolves with the requests of the reads waiting, once there are `count` of them. */
  async readsAsked(count = 1): Promise<ReadRequest[]> {
    while (this.#reads.length < count) await new Promise<void>((resolve) => (this.#onRead = resolve));
    this.#onRead = undefined;
    return this.#reads.map((read) => read.request);
  }

  /** Lets every waiting read answer. */
  finishReads(): void {
    const reads = this.#reads;
    this.#reads = [];
    for (const read of reads) read.finish();
  }

  close(): void {
    this.#untail();
    this.#reads = [];
  }
}
