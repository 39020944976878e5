/**
 * Where an element's action bar goes: its module loads the first time the element offers actions
 * (never for a page whose elements offer none), and then it is told, before each render, what the
 * run shown allows.
 */
import { nothing, type ReactiveControllerHost } from 'lit';
import type { ActionBar } from './action-bar.js';
import type { ActionOffer } from './progress-action.js';
import type { ProgressStrings } from './strings.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/** The action bar's module: loaded by the first element that offers actions. */
let actionBarModule: Promise<typeof import('./action-bar.js')> | undefined;

export class ActionSlot {
  readonly #host: Host;
  #bar: ActionBar | undefined;
  #loading = false;

  constructor(host: Host) {
    this.#host = host;
  }

  /**
   * What the element offers now: nothing when it has no actions (`offered` false), else what the
   * run shown allows (undefined while nothing can be named).
   */
  sync(offered: boolean, offer: () => ActionOffer | undefined): void {
    if (offered && !this.#bar) this.#load();
    this.#bar?.sync(offered ? offer() : undefined);
  }

  /** An action's news (being sent, refused), said instead of the status until the status changes. */
  headline(strings: ProgressStrings): string | undefined {
    return this.#bar?.headline(strings);
  }

  render(label: string, strings: ProgressStrings): unknown {
    return this.#bar?.render(label, strings) ?? nothing;
  }

  #load(): void {
    if (this.#loading) return;
    this.#loading = true;
    (actionBarModule ??= import('./action-bar.js')).then(
      ({ ActionBar }) => {
        this.#bar = new ActionBar(this.#host);
        this.#host.requestUpdate();
      },
      (error: unknown) => {
        // E.g. a CDN that could not serve the module: the element goes on without its buttons.
        actionBarModule = undefined;
        console.error(`[progress] <${this.#host.localName}> could not load its actions:`, error);
      },
    );
  }
}
