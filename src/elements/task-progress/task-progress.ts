import { html, nothing, type PropertyDeclarations } from 'lit';
import { TERMINAL_TASK_STATUSES, type TaskState } from '../../client/index.js';
import { emit } from '../shared/emit.js';
import { formatBytes, formatInteger } from '../shared/format.js';
import { ActionSlot } from '../shared/action-slot.js';
import { LiveSubscription } from '../shared/live-subscription.js';
import type { ActionOffer } from '../shared/progress-action.js';
import { ProgressElement, type CardContext, type CardView } from '../shared/progress-element.js';
import { baseStyles } from '../shared/base.styles.js';
import { wholeTask, type TaskStateInput } from '../shared/state-input.js';
import { plainText, terminalLines } from '../shared/terminal-output.js';
import { runTime, stageStatus, toneOf } from '../shared/run-facts.js';
import { stageStatusText } from '../shared/strings.js';
import { errorText, note, section, stageList } from '../shared/templates.js';
import { taskProgressStyles } from './task-progress.styles.js';

export interface TaskProgressEventDetail {
  state: TaskState;
}
export interface TaskFailEventDetail {
  state: TaskState;
  error: string | undefined;
}

/** The step the task is on, when it says. */
const currentStep = (state: TaskState | undefined) => (state?.currentStepId === undefined ? undefined : state.steps.find((s) => s.id === state.currentStepId));

/**
 * Shows one AInTandem task live: its status, an overall progress bar, its steps (the whole plan,
 * pending ones included) with the current one marked, the elapsed time and final duration, the
 * error of a failed task, its artifacts and, when `output-lines` is set, the tail of its output
 * in the terminal's colours. Follows the task over the page's shared client (see
 * `configureProgress`), or shows the `state` it is given. With `actions`, a Cancel button while
 * the task is queued or running.
 *
 * @summary Live progress of one task: status, progress bar, steps, artifacts, output.
 * @tagname task-progress
 *
 * @fires {CustomEvent<TaskProgressEventDetail>} task-progress-change - A live update replaced `state`. Detail: `{ state }`.
 * @fires {CustomEvent<TaskProgressEventDetail>} task-complete - The task completed. Detail: `{ state }`.
 * @fires {CustomEvent<TaskFailEventDetail>} task-fail - The task failed. Detail: `{ state, error }`.
 * @fires {CustomEvent<TaskProgressEventDetail>} task-cancel - The task was cancelled. Detail: `{ state }`.
 * @fires {CustomEvent<ProgressActionEventDetail>} progress-action - With `actions`: Cancel was pressed and confirmed, before anything is sent. Cancelable: `preventDefault()` and the page sends it itself. Detail: `{ action, state }`.
 *
 * @slot - Extra content under the progress, such as buttons.
 *
 * @csspart message - The current step and its message (compact layout).
 * @csspart steps - The list of steps.
 * @csspart step - One step; also `step-{status}` (pending, running, completed, failed, skipped; in a task that is over, cancelled or ended for a step last said running, not-run for one still pending) and `step-current`.
 * @csspart heading - The headings of the artifacts and of the output.
 * @csspart artifacts - The list of artifacts.
 * @csspart artifact - One artifact.
 * @csspart output - The output tail.
 * @csspart actions - With `actions`: the bar of the buttons and of a refusal's error.
 * @csspart action - Each action button; also `action-cancel`, and `action-keep` for the way out of the confirmation.
 * @csspart action-error - Why the last action did not happen (a refused or failed request).
 *
 * @cssprop --progress-track-color - The bar's empty track.
 * @cssprop --progress-success-color - Completed.
 * @cssprop --progress-bar-height - Height of the bar.
 * @cssprop --progress-mono-font-family - Font of artifact paths and output.
 * @cssprop --progress-output-background - Background of the output.
 * @cssprop --progress-ansi-0 - The output's 16 colours, `--progress-ansi-0` to `--progress-ansi-15`: black, red, green, yellow, blue, magenta, cyan, white, then the same bright.
 * @cssprop --progress-action-color - The action buttons' text and border (Cancel: `--progress-danger-color`).
 * @cssprop --progress-action-background - The action buttons' background.
 * @cssprop --progress-action-radius - The action buttons' corner radius.
 */
export class TaskProgressElement extends ProgressElement<TaskStateInput> {
  static override styles = [baseStyles, taskProgressStyles];

  static override properties: PropertyDeclarations = {
    taskId: { attribute: 'task-id' },
    outputLines: { attribute: 'output-lines', type: Number },
    actions: { type: Boolean },
  };

  /** The task to follow. Without it the element only shows `state`. */
  declare taskId: string | undefined;
  /** How many of the last output lines to show; 0 shows no output. */
  declare outputLines: number;
  /** Offers a Cancel button while the task is queued or running (sent through the page's client; see `progress-action`). Off by default. */
  declare actions: boolean;
  /**
   * The task's state: set it to show a task without a socket (any part of a `TaskState`; see
   * "Your own data" in the README); live updates replace it.
   */
  declare state: TaskStateInput | undefined;

  /** The task its ids name, live, while the element is in the document. */
  readonly #live = new LiveSubscription<TaskState>(this, {
    follow: () => (this.taskId ? { kind: 'task', projectId: this.projectId || undefined, taskId: this.taskId } : undefined),
    shown: () => this.state,
  });
  readonly #actions = new ActionSlot(this);

  constructor() {
    super();
    this.outputLines = 0;
    this.actions = false;
  }

  protected override willUpdate(): void {
    this.takeLive(this.#live, (state, previous) => this.#changed(state, previous));
    const context = this.cardContext(this.state && wholeTask(this.state));
    const { state } = context;
    this.#actions.sync(this.actions, () => state && this.#offer(state));
    const view = this.#describe(context);
    const settled = !!state && TERMINAL_TASK_STATUSES.has(state.status);
    this.composeCard({ context, view, settled, live: this.#live, actions: this.#actions, body: this.#body(context) });
  }

  /** What a user may do to the task shown; undefined when it cannot be named. */
  #offer(state: TaskState): ActionOffer | undefined {
    const projectId = state.projectId || this.projectId;
    const taskId = state.taskId || this.taskId;
    if (!projectId || !taskId) return undefined;
    return { run: { kind: 'task', projectId, taskId }, state, actions: state.status === 'queued' || state.status === 'running' ? ['cancel'] : [] };
  }
  /** The element's events, after a live state replaced `previous`. */
  #changed(state: TaskState, previous: TaskStateInput | undefined): void {
    emit(this, 'task-progress-change', { state });
    if (state.status === previous?.status) return;
    if (state.status === 'completed') emit(this, 'task-complete', { state });
    else if (state.status === 'failed') emit(this, 'task-fail', { state, error: state.error });
    else if (state.status === 'cancelled') emit(this, 'task-cancel', { state });
  }

  #describe({ state, strings, locale }: CardContext<TaskState>): CardView {
    const status = state?.status ?? 'waiting';
    // A percent set by the page may be anything: unknown unless it is a number, and within 0-100.
    const progress = state?.progress;
    const percent = Number.isFinite(progress) ? Math.min(100, Math.max(0, progress!)) : undefined;
    const running = status === 'running';
    return {
      name: state?.name || strings.taskLabel(this.taskId || state?.taskId || ''),
      // A status unknown to the element (set by the page) shows as it is.
      status: strings.taskStatus[status] ?? status,
      tone: toneOf(status),
      time: state && runTime({ ...state, moving: running, over: TERMINAL_TASK_STATUSES.has(state.status) }, strings, locale),
      bar: { percent, busy: running },
      detail: currentStep(state)?.name,
      announced: currentStep(state)?.name,
      ticks: running && state?.startedAt !== undefined,
    };
  }

  #body({ state, strings, locale, detailed }: CardContext<TaskState>) {
    const failed = state?.status === 'failed' && state.error !== undefined;
    return html`${detailed ? this.steps(state, strings, locale) : this.message(state)}
    ${errorText(failed ? strings.error(state.error!) : undefined)} ${detailed ? this.artifacts(state, strings, locale) : nothing}
    ${this.output(state, strings, locale)}`;
  }

  private steps(state: TaskState | undefined, strings: CardContext<TaskState>['strings'], locale: string | undefined) {
    if (!state) return nothing;
    const over = TERMINAL_TASK_STATUSES.has(state.status);
    const stages = state.steps.map((step) => {
      const status = stageStatus(step.status, state.status, over);
      return {
      id: step.id,
      name: step.name,
      status,
      statusText: stageStatusText(strings, 'step', status),
      // The task's error is shown once, under the steps: not again as the failed step's message.
      detail: step.status === 'failed' && step.message === state.error ? undefined : step.message,
      current: state.currentStepId !== undefined && step.id === state.currentStepId,
      };
    });
    const n = state.droppedSteps;
    return stageList('step', strings.steps, stages, n > 0 ? strings.droppedSteps(formatInteger(n, locale), n) : undefined);
  }

  private message(state: TaskState | undefined) {
    const text = [currentStep(state)?.name, state?.status === 'running' ? state.message : undefined].filter(Boolean).join(': ');
    return text ? html`<p part="message" class="message">${plainText(text)}</p>` : nothing;
  }

  private artifacts(state: TaskState | undefined, strings: CardContext<TaskState>['strings'], locale: string | undefined) {
    if (!state || state.artifacts.length === 0) return nothing;
    const n = state.droppedArtifacts;
    return section(
      'artifacts',
      strings.artifacts,
      html`${note(n > 0 ? strings.droppedArtifacts(formatInteger(n, locale), n) : undefined)}
        <ul part="artifacts" class="artifacts">
          ${state.artifacts.map(
            (a) => html`<li part="artifact" class="artifact">
              <span class="artifact-path">${plainText(a.path)}</span>
              <span class="artifact-meta">${plainText(a.size === undefined ? a.type : strings.join([a.type, formatBytes(a.size, locale)]))}</span>
            </li>`,
          )}
        </ul>`,
    );
  }

  private output(state: TaskState | undefined, strings: CardContext<TaskState>['strings'], locale: string | undefined) {
    const wanted = Math.floor(Number(this.outputLines) || 0);
    if (!state || wanted <= 0 || state.output.length === 0) return nothing;
    const lines = state.output.slice(-wanted);
    const n = state.droppedOutputLines + state.output.length - lines.length;
    return section(
      'output',
      strings.output,
      html`${note(n > 0 ? strings.droppedLines(formatInteger(n, locale), n) : undefined)}
        <pre part="output" class="output">${terminalLines(lines)}</pre>`,
    );
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
