/**
 * What an element's polite live region says. A new headline (a status, or a connection problem)
 * is announced at once; a new detail under the same headline (another step or phase) at most once
 * a second: the element is asked to update when a held-back announcement is due.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

const INTERVAL = 1000;

export class Announcer implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #said = { headline: '', text: '', at: 0 };
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The text to show in the live region now, given what there is to announce. */
  announce(headline: string, text: string): string {
    const now = Date.now();
    const wait = INTERVAL - (now - this.#said.at);
    if (text !== this.#said.text) {
      if (headline !== this.#said.headline || wait <= 0) {
        this.#said = { headline, text, at: now };
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#host.requestUpdate();
        }, wait);
      }
    }
    return this.#said.text;
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
