import { html, nothing, type PropertyDeclarations } from 'lit';
import { containerFailed, type ContainerState } from '../../client/index.js';
import { baseStyles } from '../shared/base.styles.js';
import { emit } from '../shared/emit.js';
import { formatInteger, msBetween } from '../shared/format.js';
import { LiveSubscription } from '../shared/live-subscription.js';
import { ProgressElement, type CardContext, type CardView } from '../shared/progress-element.js';
import { wholeContainer, type ContainerStateInput } from '../shared/state-input.js';
import type { ProgressStrings } from '../shared/strings.js';
import { plainText } from '../shared/terminal-output.js';
import { runTime, toneOf } from '../shared/run-facts.js';
import { errorText } from '../shared/templates.js';
import { containerStatusStyles } from './container-status.styles.js';

export interface ContainerStatusEventDetail {
  state: ContainerState;
}
export interface ContainerFailEventDetail {
  state: ContainerState;
  /** The error text, or else the non-zero exit code. */
  error: string | undefined;
  exitCode: number | undefined;
}

/**
 * Shows one AInTandem container (sandbox) live: its lifecycle status, its image (its name unless
 * `label` gives another), uptime while it runs, the exit code after it stops (a non-zero code is
 * shown as a failure) and the error text.
 *
 * @summary Live lifecycle of one container: status, image, uptime, exit code.
 * @tagname container-status
 *
 * @fires {CustomEvent<ContainerStatusEventDetail>} container-status-change - A live update replaced `state`. Detail: `{ state }`.
 * @fires {CustomEvent<ContainerStatusEventDetail>} container-stop - The container stopped with exit code 0 (or none given). Detail: `{ state }`.
 * @fires {CustomEvent<ContainerFailEventDetail>} container-fail - The container reported an error, or stopped with a non-zero exit code. Detail: `{ state, error, exitCode }`.
 *
 * @slot - Extra content, such as buttons.
 *
 * @csspart facts - The image and exit code.
 * @csspart image - The image (when the label is another name).
 * @csspart exit-code - The exit code after a stop.
 */
export class ContainerStatusElement extends ProgressElement<ContainerStateInput> {
  static override styles = [baseStyles, containerStatusStyles];

  static override properties: PropertyDeclarations = {
    containerId: { attribute: 'container-id' },
  };

  /** The container (or sandbox) to follow. Without it the element only shows `state`. */
  declare containerId: string | undefined;
  /**
   * The container's state: set it to show a container without a socket (any part of a
   * `ContainerState`; see "Your own data" in the README); live updates replace it.
   */
  declare state: ContainerStateInput | undefined;

  /** The container its ids name, live, while the element is in the document. */
  readonly #live = new LiveSubscription<ContainerState>(this, {
    follow: () => (this.containerId ? { kind: 'container', projectId: this.projectId || undefined, containerId: this.containerId } : undefined),
    shown: () => this.state,
  });

  protected override willUpdate(): void {
    this.takeLive(this.#live, (state, previous) => this.#changed(state, previous));
    const context = this.cardContext(this.state && wholeContainer(this.state));
    const { state } = context;
    const view = this.#describe(context);
    // Stopped or in error: over until it starts again, which the resumed stream would show.
    const settled = state?.status === 'stopped' || state?.status === 'error';
    this.composeCard({ context, view, settled, live: this.#live, body: this.#body(context) });
  }

  /** The element's events, after a live state replaced `previous`. */
  #changed(state: ContainerState, previous: ContainerStateInput | undefined): void {
    emit(this, 'container-status-change', { state });
    const failed = containerFailed(state);
    const wasFailed = previous !== undefined && containerFailed(wholeContainer(previous));
    if (failed && (!wasFailed || state.status !== previous?.status)) {
      const error = state.error ?? (state.exitCode !== undefined ? String(state.exitCode) : undefined);
      emit(this, 'container-fail', { state, error, exitCode: state.exitCode });
    } else if (!failed && state.status === 'stopped' && previous?.status !== 'stopped') {
      emit(this, 'container-stop', { state });
    }
  }

  #describe({ state, strings, locale }: CardContext<ContainerState>): CardView {
    const status = state?.status ?? 'waiting';
    const failed = state !== undefined && containerFailed(state);
    return {
      name: state?.image || strings.containerLabel(this.containerId || state?.containerId || ''),
      // A status unknown to the element (set by the page) shows as it is.
      status: strings.containerStatus[status] ?? status,
      tone: failed ? 'danger' : toneOf(status),
      time:
        state &&
        runTime(
          {
            moving: state.status === 'running',
            over: state.status === 'stopped',
            startedAt: state.startedAt,
            duration: state.stoppedAt ? msBetween(state.startedAt, Date.parse(state.stoppedAt)) : undefined,
            endedAt: state.stoppedAt,
          },
          strings,
          locale,
          strings.uptime,
        ),
      announced: failed ? (state.error ?? this.exitCode(state, strings, locale)) : undefined,
      ticks: status === 'running' && state?.startedAt !== undefined,
    };
  }

  private exitCode(state: ContainerState | undefined, strings: ProgressStrings, locale: string | undefined): string | undefined {
    return state?.status === 'stopped' && state.exitCode !== undefined ? strings.exitCode(formatInteger(state.exitCode, locale)) : undefined;
  }

  #body({ state, strings, locale, detailed }: CardContext<ContainerState>) {
    const exitCode = this.exitCode(state, strings, locale);
    // The image names the card, unless a label gives another name: then it is shown as a fact.
    const image = this.label ? state?.image : undefined;
    const failed = state !== undefined && containerFailed(state);
    return html`${detailed && (image || exitCode)
      ? html`<p part="facts" class="facts">
          ${image ? html`<span part="image" class="image">${plainText(strings.image(image))}</span>` : nothing}
          ${exitCode ? html`<span part="exit-code" class="exit-code" data-tone=${failed ? 'danger' : 'neutral'}>${exitCode}</span>` : nothing}
        </p>`
      : nothing}
    ${errorText(state?.status === 'error' && state.error !== undefined ? strings.error(state.error) : undefined)}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'container-status': ContainerStatusElement;
  }
  interface HTMLElementEventMap {
    'container-status-change': CustomEvent<ContainerStatusEventDetail>;
    'container-stop': CustomEvent<ContainerStatusEventDetail>;
    'container-fail': CustomEvent<ContainerFailEventDetail>;
  }
}
