import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { initialTaskState, TERMINAL_TASK_STATUSES, type TaskState, type TaskStatus } from '../../client/index.js';
import { baseStyles } from '../shared/base.styles.js';
import { emit } from '../shared/emit.js';
import { formatBytes, formatDuration, formatInteger, formatPercent, msBetween, resolveLocale } from '../shared/format.js';
import { ProgressController } from '../shared/progress-controller.js';
import { resolveStrings, type ProgressStrings } from '../shared/strings.js';
import { connectionNotice, errorText, filledState, header, liveRegion, note, progressBar, stageList, type Tone } from '../shared/templates.js';
import { taskProgressStyles } from './task-progress.styles.js';


/** What a partial state set by the page is filled from. */
const EMPTY_TASK = initialTaskState('', '');
export interface TaskProgressEventDetail {
  state: TaskState;
}
export interface TaskFailEventDetail {
  state: TaskState;
  error: string | undefined;
}

const TONES: Record<TaskStatus, Tone> = {
  waiting: 'neutral',
  queued: 'neutral',
  running: 'active',
  completed: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

/**
 * Shows one AInTandem task live: its status, an overall progress bar, its steps with the current
 * one marked, the elapsed time and final duration, the error of a failed task, its artifacts and,
 * when `output-lines` is set, the tail of its output. Follows the task over the page's shared
 * client (see `configureProgress`), or shows the `state` it is given.
 *
 * @summary Live progress of one task: status, progress bar, steps, artifacts, output.
 * @tagname task-progress
 *
 * @fires {CustomEvent<TaskProgressEventDetail>} task-progress-change - A live update replaced `state`. Detail: `{ state }`.
 * @fires {CustomEvent<TaskProgressEventDetail>} task-complete - The task completed. Detail: `{ state }`.
 * @fires {CustomEvent<TaskFailEventDetail>} task-fail - The task failed. Detail: `{ state, error }`.
 * @fires {CustomEvent<TaskProgressEventDetail>} task-cancel - The task was cancelled. Detail: `{ state }`.
 *
 * @slot - Extra content under the progress, such as buttons.
 *
 * @csspart base - The wrapper of everything inside.
 * @csspart header - The line with the label, status and time.
 * @csspart label - The task's name.
 * @csspart status - The task's status in words.
 * @csspart time - The elapsed time, or the final duration.
 * @csspart bar - The progress bar's track (`role="progressbar"`).
 * @csspart indicator - The filled part of the bar.
 * @csspart connection - The notice shown while updates are not live (reconnecting, connection lost).
 * @csspart message - The current step and its message (compact layout).
 * @csspart steps - The list of steps.
 * @csspart step - One step; also `step-{status}` (pending, running, completed, failed, skipped) and `step-current`.
 * @csspart error - The error of a failed task.
 * @csspart artifacts - The list of artifacts.
 * @csspart artifact - One artifact.
 * @csspart output - The output tail.
 *
 * @cssprop --progress-color - Accent: the bar and the running step.
 * @cssprop --progress-track-color - The bar's empty track.
 * @cssprop --progress-success-color - Completed.
 * @cssprop --progress-danger-color - Failed, errors.
 * @cssprop --progress-warning-color - Cancelled, paused, connection notices.
 * @cssprop --progress-text-color - Text.
 * @cssprop --progress-muted-color - Secondary text.
 * @cssprop --progress-background - Background.
 * @cssprop --progress-border-color - Border.
 * @cssprop --progress-radius - Corner radius.
 * @cssprop --progress-bar-height - Height of the bar.
 * @cssprop --progress-gap - Spacing unit.
 * @cssprop --progress-font-family - Font.
 * @cssprop --progress-font-size - Font size.
 * @cssprop --progress-mono-font-family - Font of artifact paths and output.
 */
export class TaskProgressElement extends LitElement {
  static override styles = [baseStyles, taskProgressStyles];

  static override properties: PropertyDeclarations = {
    projectId: { attribute: 'project-id' },
    taskId: { attribute: 'task-id' },
    layout: { reflect: true },
    outputLines: { attribute: 'output-lines', type: Number },
    label: {},
    state: { attribute: false },
    strings: { attribute: false },
  };

  /** The task's project (needed when the socket URL is per project). */
  declare projectId: string | undefined;
  /** The task to follow. Without it the element only shows `state`. */
  declare taskId: string | undefined;
  /** `detailed`: steps, artifacts and output; `compact`: status, bar and the current step. */
  declare layout: 'detailed' | 'compact';
  /** How many of the last output lines to show; 0 shows no output. */
  declare outputLines: number;
  /** The name shown and given to the progress bar; default "Task {task-id}". */
  declare label: string | undefined;
  /** The task's state: set it to show a task without a socket; live updates replace it. */
  declare state: TaskState | undefined;
  /** Strings for this element, over those set with `setProgressStrings()`. */
  declare strings: Partial<ProgressStrings> | undefined;

  private readonly live = new ProgressController<TaskState>(this, {
    key: () => (this.taskId ? `${this.projectId ?? ''}/${this.taskId}` : undefined),
    subscribe: (client, handlers) => client.subscribeToTask({ projectId: this.projectId || undefined, taskId: this.taskId, ...handlers }),
    owns: (state) => state.taskId === this.taskId && (!this.projectId || state.projectId === this.projectId),
    isFinal: (state) => TERMINAL_TASK_STATUSES.has(state.status),
    ticks: (state) => state?.status === 'running' && state.startedAt !== undefined,
    changed: (state, previous) => {
      emit(this, 'task-progress-change', { state });
      if (state.status === previous?.status) return;
      if (state.status === 'completed') emit(this, 'task-complete', { state });
      else if (state.status === 'failed') emit(this, 'task-fail', { state, error: state.error });
      else if (state.status === 'cancelled') emit(this, 'task-cancel', { state });
    },
  });

  constructor() {
    super();
    this.layout = 'detailed';
    this.outputLines = 0;
  }

  override render(): TemplateResult {
    const strings = resolveStrings(this.strings);
    const locale = resolveLocale(strings.locale);
    const state = filledState(this.state, EMPTY_TASK);
    const status = state?.status ?? 'waiting';
    // A status unknown to the element (set by the page) shows as it is.
    const tone = TONES[status] ?? 'neutral';
    const statusText = this.live.statusText(strings, state, strings.taskStatus[status] ?? status);
    const label = this.label || strings.taskLabel(this.taskId ?? state?.taskId ?? '');
    const current = state?.currentStepId !== undefined ? state.steps.find((s) => s.id === state.currentStepId) : undefined;
    // A percent set by the page may be anything: unknown unless it is a number, and within 0-100.
    const progress = state?.progress;
    const percent = Number.isFinite(progress) ? Math.min(100, Math.max(0, progress!)) : undefined;
    const valueText = strings.join([percent === undefined ? '' : formatPercent(percent, locale), statusText, current?.name ?? ''].filter(Boolean));
    const detailed = this.layout !== 'compact';

    return html`<div part="base" class="base">
      ${header(label, statusText, tone, this.time(state, strings, locale))}
      ${progressBar({ label, percent, valueText, tone, busy: status === 'running' })}
      ${connectionNotice(this.live.notice(strings, state), this.live.connection)}
      ${detailed ? this.steps(state, strings, locale) : this.message(state, current?.name)}
      ${errorText(state?.error !== undefined && status === 'failed' ? strings.error(state.error) : undefined)}
      ${detailed ? this.artifacts(state, strings, locale) : nothing} ${this.output(state, strings, locale)}
      <slot></slot>
      ${liveRegion(this.live.announcement(strings, state, statusText, current?.name))}
    </div>`;
  }

  private time(state: TaskState | undefined, strings: ProgressStrings, locale: string | undefined): string | undefined {
    if (state?.status === 'running') {
      const elapsed = msBetween(state.startedAt, Date.now());
      return elapsed === undefined ? undefined : strings.elapsed(formatDuration(elapsed, locale));
    }
    if (state && TERMINAL_TASK_STATUSES.has(state.status) && state.duration !== undefined) {
      return strings.took(formatDuration(state.duration, locale));
    }
    return undefined;
  }

  private steps(state: TaskState | undefined, strings: ProgressStrings, locale: string | undefined) {
    if (!state) return nothing;
    const stages = state.steps.map((step) => ({
      id: step.id,
      name: step.name,
      status: step.status,
      statusText: strings.stepStatus[step.status] ?? step.status,
      detail: step.message,
      current: step.id === state.currentStepId,
    }));
    const dropped = state.droppedSteps > 0 ? strings.droppedSteps(formatInteger(state.droppedSteps, locale)) : undefined;
    return stageList('step', strings.steps, stages, dropped);
  }

  private message(state: TaskState | undefined, step: string | undefined) {
    const text = [step, state?.status === 'running' ? state.message : undefined].filter(Boolean).join(': ');
    return text ? html`<p part="message" class="message">${text}</p>` : nothing;
  }

  private artifacts(state: TaskState | undefined, strings: ProgressStrings, locale: string | undefined) {
    if (!state || state.artifacts.length === 0) return nothing;
    const dropped = state.droppedArtifacts > 0 ? strings.droppedArtifacts(formatInteger(state.droppedArtifacts, locale)) : undefined;
    return html`${note(dropped)}<ul part="artifacts" class="artifacts" aria-label=${strings.artifacts}>
      ${state.artifacts.map(
        (a) => html`<li part="artifact" class="artifact">
          <span class="artifact-path">${a.path}</span>
          <span class="artifact-meta">${a.size === undefined ? a.type : strings.join([a.type, formatBytes(a.size, locale)])}</span>
        </li>`,
      )}
    </ul>`;
  }

  private output(state: TaskState | undefined, strings: ProgressStrings, locale: string | undefined) {
    const wanted = Math.floor(Number(this.outputLines) || 0);
    if (!state || wanted <= 0 || state.output.length === 0) return nothing;
    const lines = state.output.slice(-wanted);
    const dropped = state.droppedOutputLines + state.output.length - lines.length;
    return html`<div class="output-block" role="group" aria-label=${strings.output}>
      ${note(dropped > 0 ? strings.droppedLines(formatInteger(dropped, locale)) : undefined)}
      <pre part="output" class="output">${lines.join('\n')}</pre>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'task-progress': TaskProgressElement;
  }
  interface HTMLElementEventMap {
    'task-progress-change': CustomEvent<TaskProgressEventDetail>;
    'task-complete': CustomEvent<TaskProgressEventDetail>;
    'task-fail': CustomEvent<TaskFailEventDetail>;
    'task-cancel': CustomEvent<TaskProgressEventDetail>;
  }
}
