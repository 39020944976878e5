/**
 * The action bar of an element with `actions` (loaded only by such an element): a button for each
 * action the run's state allows, Cancel confirmed in place by a second press (with a way out:
 * "Don't cancel" or Escape), the `progress-action` event before anything is sent, the request
 * through the page's client, and a refusal's error. What the run then does is what its live
 * events say: an accepted request keeps its button waiting until the run's status changes, and a
 * refusal changes nothing but the words under the buttons (until the status changes). One intent,
 * one request: the second click of a double click (./press-guard.ts) and the repeats of a held
 * Enter or Space do nothing.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { RunActionError } from '../../client/run-action-error.js';
import { filterKey } from '../../protocol/entity.js';
import type { RunAction } from '../../client/run-actions.js';
import { actionBarStyles } from './action-bar.styles.js';
import { DEFAULT_ACTION_STRINGS, type ActionStrings } from './action-strings.js';
import { getProgressClient } from './configure.js';
import { emit } from './emit.js';
import { PressGuard } from './press-guard.js';
import type { ActionOffer, ProgressActionEventDetail } from './progress-action.js';
import type { ProgressStrings } from './strings.js';
import { plainText } from './terminal-output.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/** A request sent, until the run's events settle it. */
interface Sent {
  action: RunAction;
  /** The run's status when it was sent. */
  from: string;
  /** The server answered that it accepted it. */
  accepted: boolean;
}

/** The run's key in the one model of an entity. */
const runKey = (offer: ActionOffer | undefined): string | undefined => offer && filterKey(offer.run);

/** The action strings an element uses: the English ones with the page's and the element's on top. */
const actionStrings = (strings: ProgressStrings): ActionStrings => ({ ...DEFAULT_ACTION_STRINGS, ...strings.actions });

/** Adds the bar's style sheet to a shadow root once. */
function adoptStyles(root: HTMLElement | DocumentFragment): void {
  if (!(root instanceof ShadowRoot)) return;
  const sheet = actionBarStyles.styleSheet;
  if (sheet) {
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else if (!root.querySelector('style[data-actions]')) {
    const style = document.createElement('style');
    style.dataset.actions = '';
    style.textContent = actionBarStyles.cssText;
    root.append(style);
  }
}

export class ActionBar implements ReactiveController {
  readonly #host: Host;
  #offer: ActionOffer | undefined;
  /** The run the bar is about, and its status as last shown. */
  #run: string | undefined;
  #status: string | undefined;
  #confirming = false;
  #sent: Sent | undefined;
  #error: { action: RunAction; error: unknown } | undefined;
  /** After the confirmation closed: focus goes back to the Cancel button. */
  #refocus = false;
  readonly #guard = new PressGuard();

  constructor(host: Host) {
    this.#host = host;
    host.addController(this);
    adoptStyles(host.renderRoot);
  }

  /**
   * Follows what the element shows (before it renders): another run starts afresh; a new status
   * (what the server says happened) settles an accepted request and clears an error; an action
   * that no longer applies ends its confirmation.
   */
  sync(offer: ActionOffer | undefined): void {
    const key = runKey(offer);
    const status = offer?.state.status;
    this.#offer = offer;
    if (key !== this.#run) {
      this.#run = key;
      this.#status = status;
      this.#confirming = false;
      this.#sent = undefined;
      this.#error = undefined;
      return;
    }
    if (status !== this.#status) {
      this.#status = status;
      this.#error = undefined;
      // A request still on its way keeps its button busy until it is answered.
      if (this.#sent?.accepted) this.#sent = undefined;
    }
    if (!offer?.actions.includes('cancel')) this.#confirming = false;
  }

  /** What the live region says instead of the status while the bar has news; undefined when it has none. */
  headline(strings: ProgressStrings): string | undefined {
    if (!this.#offer?.actions.length) return undefined;
    const s = actionStrings(strings);
    if (this.#error) return this.#message(s);
    if (this.#sent) return s.pending[this.#sent.action];
    if (this.#confirming) return s.confirming;
    return undefined;
  }

  render(label: string, strings: ProgressStrings): TemplateResult | typeof nothing {
    const offer = this.#offer;
    if (!offer || offer.actions.length === 0) {
      this.#guard.shown([]);
      return nothing;
    }
    const s = actionStrings(strings);
    const sent = this.#sent;
    const onItsWay = sent !== undefined && !sent.accepted;
    // The toggle (Pause or Resume) comes first, so that it stays the same button when it turns.
    const meanings: string[] = [];
    const buttons = offer.actions.map((action, index) => {
      const waiting = sent?.action === action;
      const confirm = action === 'cancel' && this.#confirming && !waiting;
      const text = waiting ? s.pending[action] : confirm ? s.confirmCancel : s.action[action];
      meanings.push(waiting ? `${action}…` : confirm ? 'confirm' : action);
      return html`<button
        part="action action-${action}"
        class="action"
        type="button"
        data-action=${action}
        ?data-confirm=${confirm}
        aria-label=${s.named(text, label)}
        aria-disabled=${onItsWay || waiting ? 'true' : nothing}
        @click=${(event: MouseEvent) => this.#press(action, index, event)}
      >
        ${text}
      </button>`;
    });
    this.#guard.shown(meanings);
    const keep =
      this.#confirming && !onItsWay
        ? html`<button part="action action-keep" class="action" type="button" data-action="keep" aria-label=${s.named(s.keep, label)} @click=${this.#backOut}>
            ${s.keep}
          </button>`
        : nothing;
    return html`<div part="actions" class="actions" @keydown=${this.#onKey}>
      ${buttons}${keep}${this.#error ? html`<p part="action-error" class="action-error">${plainText(this.#message(s))}</p>` : nothing}
    </div>`;
  }

  hostUpdated(): void {
    if (!this.#refocus) return;
    this.#refocus = false;
    this.#host.renderRoot.querySelector<HTMLElement>('[part~="action-cancel"]')?.focus();
  }

  #message(s: ActionStrings): string {
    const { action, error } = this.#error!;
    if (!(error instanceof RunActionError)) return s.failed(action, s.reasons.failed);
    const said = error.reason ?? (error.code === 'failed' && error.status !== undefined ? `HTTP ${error.status}` : undefined);
    return s.failed(action, said ? `${s.reasons[error.code]} (${said})` : s.reasons[error.code]);
  }

  #press(action: RunAction, index: number, event: MouseEvent): void {
    // The second click of a double click is not a press of its own: not a confirmation, and not
    // the Resume that the Pause of its first click just turned into.
    if (this.#guard.isSecondClick(index, event)) return;
    const sent = this.#sent;
    // One request at a time, and none again for an action accepted but not yet seen to happen.
    if (sent && (!sent.accepted || sent.action === action)) return;
    if (action === 'cancel') {
      if (!this.#confirming) {
        this.#confirming = true;
        this.#error = undefined;
        this.#host.requestUpdate();
        return;
      }
      this.#confirming = false;
    }
    this.#send(action);
  }

  readonly #backOut = (): void => {
    this.#confirming = false;
    this.#refocus = true;
    this.#host.requestUpdate();
  };

  readonly #onKey = (event: KeyboardEvent): void => {
    // A held Enter clicks its button again with each repeat (a held Space clicks once, on keyup):
    // dropping the repeats' keydowns drops their clicks, so that one press is one request.
    if (event.repeat && (event.key === 'Enter' || event.key === ' ') && (event.target as Element | null)?.localName === 'button') {
      event.preventDefault();
      return;
    }
    if (event.key !== 'Escape' || !this.#confirming) return;
    event.stopPropagation();
    this.#backOut();
  };

  #send(action: RunAction): void {
    const offer = this.#offer!;
    this.#error = undefined;
    this.#host.requestUpdate();
    // The page may act itself: then nothing is sent from here.
    const detail = { action, state: offer.state } as ProgressActionEventDetail;
    if (!emit(this.#host, 'progress-action', detail, { cancelable: true })) return;
    const sent: Sent = { action, from: offer.state.status, accepted: false };
    this.#sent = sent;
    const run = offer.run;
    const client = getProgressClient();
    let request: Promise<unknown>;
    if (!client) request = Promise.reject(new RunActionError('not_configured', action, run, undefined, undefined));
    else if (run.kind === 'task') request = client.cancelTask(run.projectId, run.taskId);
    else if (action === 'pause') request = client.pauseExecution(run.executionId);
    else if (action === 'resume') request = client.resumeExecution(run.executionId);
    else request = client.cancelExecution(run.executionId);
    request.then(
      () => {
        if (this.#sent !== sent) return;
        // Accepted: the button waits for the run's events, unless they already came.
        if (this.#status === sent.from) sent.accepted = true;
        else this.#sent = undefined;
        this.#host.requestUpdate();
      },
      (error: unknown) => {
        if (this.#sent !== sent) return;
        this.#sent = undefined;
        this.#error = { action, error };
        this.#host.requestUpdate();
      },
    );
  }
}
