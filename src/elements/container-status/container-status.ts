import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { containerFailed, type ContainerState, type ContainerStatus } from '../../client/index.js';
import { baseStyles } from '../shared/base.styles.js';
import { emit } from '../shared/emit.js';
import { formatDuration, formatInteger, msBetween, resolveLocale } from '../shared/format.js';
import { ProgressController } from '../shared/progress-controller.js';
import { resolveStrings, type ProgressStrings } from '../shared/strings.js';
import { connectionNotice, errorText, header, liveRegion, type Tone } from '../shared/templates.js';
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

const TONES: Record<ContainerStatus, Tone> = {
  waiting: 'neutral',
  created: 'neutral',
  running: 'active',
  stopped: 'neutral',
  error: 'danger',
};

/**
 * Shows one AInTandem container (sandbox) live: its lifecycle status, image, uptime while it
 * runs, the exit code after it stops (a non-zero code is shown as a failure) and the error text.
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
 * @csspart base - The wrapper of everything inside.
 * @csspart header - The line with the label, status and uptime.
 * @csspart label - The container's name.
 * @csspart status - The container's status in words.
 * @csspart time - The uptime while running.
 * @csspart connection - The notice shown while updates are not live (reconnecting, connection lost).
 * @csspart facts - The image and exit code.
 * @csspart image - The image.
 * @csspart exit-code - The exit code after a stop.
 * @csspart error - The error text.
 *
 * @cssprop --progress-color - Accent: running.
 * @cssprop --progress-danger-color - Errors and non-zero exit codes.
 * @cssprop --progress-warning-color - Connection notices.
 * @cssprop --progress-text-color - Text.
 * @cssprop --progress-muted-color - Secondary text.
 * @cssprop --progress-background - Background.
 * @cssprop --progress-border-color - Border.
 * @cssprop --progress-radius - Corner radius.
 * @cssprop --progress-gap - Spacing unit.
 * @cssprop --progress-font-family - Font.
 * @cssprop --progress-font-size - Font size.
 */
export class ContainerStatusElement extends LitElement {
  static override styles = [baseStyles, containerStatusStyles];

  static override properties: PropertyDeclarations = {
    projectId: { attribute: 'project-id' },
    containerId: { attribute: 'container-id' },
    layout: { reflect: true },
    label: {},
    state: { attribute: false },
    strings: { attribute: false },
  };

  /** The container's project (needed when the socket URL is per project). */
  declare projectId: string | undefined;
  /** The container (or sandbox) to follow. Without it the element only shows `state`. */
  declare containerId: string | undefined;
  /** `detailed`: status, image, exit code and error; `compact`: status and uptime. */
  declare layout: 'detailed' | 'compact';
  /** The name shown; default "Container {container-id}". */
  declare label: string | undefined;
  /** The container's state: set it to show a container without a socket; live updates replace it. */
  declare state: ContainerState | undefined;
  /** Strings for this element, over those set with `setProgressStrings()`. */
  declare strings: Partial<ProgressStrings> | undefined;

  private readonly live = new ProgressController<ContainerState>(this, {
    key: () => (this.containerId ? `${this.projectId ?? ''}/${this.containerId}` : undefined),
    subscribe: (client, handlers) => client.subscribeToContainer({ projectId: this.projectId || undefined, containerId: this.containerId, ...handlers }),
    owns: (state) => state.containerId === this.containerId && (!this.projectId || state.projectId === this.projectId),
    // A stopped container can start again: no state is final.
    isFinal: () => false,
    ticks: (state) => state?.status === 'running' && state.startedAt !== undefined,
    changed: (state, previous) => {
      emit(this, 'container-status-change', { state });
      const failed = containerFailed(state);
      const wasFailed = previous !== undefined && containerFailed(previous);
      if (failed && (!wasFailed || state.status !== previous?.status)) {
        const error = state.error ?? (state.exitCode !== undefined ? String(state.exitCode) : undefined);
        emit(this, 'container-fail', { state, error, exitCode: state.exitCode });
      } else if (!failed && state.status === 'stopped' && previous?.status !== 'stopped') {
        emit(this, 'container-stop', { state });
      }
    },
  });

  constructor() {
    super();
    this.layout = 'detailed';
  }

  override render(): TemplateResult {
    const strings = resolveStrings(this.strings);
    const locale = resolveLocale(strings.locale);
    const state = this.state;
    const status = state?.status ?? 'waiting';
    const failed = state !== undefined && containerFailed(state);
    // A status unknown to the element (set by the page) shows as it is.
    const tone = failed ? 'danger' : (TONES[status] ?? 'neutral');
    const statusText = this.live.statusText(strings, state, strings.containerStatus[status] ?? status);
    const label = this.label || strings.containerLabel(this.containerId ?? state?.containerId ?? '');
    const uptime = state?.status === 'running' ? msBetween(state.startedAt, Date.now()) : undefined;
    const exitCode = state?.status === 'stopped' && state.exitCode !== undefined ? strings.exitCode(formatInteger(state.exitCode, locale)) : undefined;
    const detailed = this.layout !== 'compact';

    return html`<div part="base" class="base">
      ${header(label, statusText, tone, uptime === undefined ? undefined : strings.uptime(formatDuration(uptime, locale)))}
      ${connectionNotice(this.live.notice(strings, state), this.live.connection)}
      ${detailed && (state?.image || exitCode)
        ? html`<p part="facts" class="facts">
            ${state?.image ? html`<span part="image" class="image">${strings.image(state.image)}</span>` : nothing}
            ${exitCode ? html`<span part="exit-code" class="exit-code" data-tone=${failed ? 'danger' : 'neutral'}>${exitCode}</span>` : nothing}
          </p>`
        : nothing}
      ${errorText(state?.status === 'error' && state.error !== undefined ? strings.error(state.error) : undefined)}
      <slot></slot>
      ${liveRegion(this.live.announcement(strings, state, statusText, failed ? (state?.error ?? exitCode) : undefined))}
    </div>`;
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
