/**
 * The search field's side of a task log: what the reader typed and whether it is a regular
 * expression, and the search over the log (LogFind), whose code is loaded the first time the
 * reader searches: a page that shows logs without searching them does not download it.
 */
import type { LogFind, FindHost } from './log-find.js';
import type { LogModel } from './log-model.js';

let findModule: Promise<typeof import('./log-find.js')> | undefined;

export class SearchField {
  text = '';
  regex = false;
  /** The search over the log, once its code is here and the reader searched. */
  find: LogFind | undefined;
  #model: LogModel | undefined;
  /** The search's code is on its way. */
  #loading = false;

  constructor(
    private readonly host: FindHost,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** A new log: its search starts again, empty. */
  reset(model: LogModel): void {
    this.find?.close();
    this.find = undefined;
    this.#model = model;
    this.text = '';
    this.regex = false;
  }

  /** The reader typed `text`. */
  input(text: string): void {
    this.text = text;
    this.#apply();
  }

  toggleRegex(): void {
    this.regex = !this.regex;
    this.#apply();
  }

  /** Moves to the next hit (or, with `back`, the previous one). */
  step(back: boolean): void {
    void this.find?.step(back);
  }

  close(): void {
    this.find?.close();
  }

  #apply(): void {
    const model = this.#model;
    if (!model) return;
    if (this.find) {
      this.find.set(this.text, this.regex);
      return;
    }
    // Nothing to look for yet: the search's code waits too.
    if (!this.text) {
      this.host.changed();
      return;
    }
    if (this.#loading) return;
    this.#loading = true;
    this.host.changed();
    (findModule ??= import('./log-find.js')).then(
      ({ LogFind }) => {
        this.#loading = false;
        const now = this.#model;
        if (!now || this.find) return;
        this.find = new LogFind(now, this.host);
        this.find.set(this.text, this.regex);
      },
      (error: unknown) => {
        // E.g. a CDN that could not serve the module: a later search tries again.
        this.#loading = false;
        findModule = undefined;
        this.failed(error);
      },
    );
  }
}
