import { html, nothing, type PropertyDeclarations } from 'lit';
import { TERMINAL_WORKFLOW_STATUSES, workflowPercent, type PhaseState, type RunAction, type WorkflowState, type WorkflowStatus } from '../../client/index.js';
import { baseStyles } from '../shared/base.styles.js';
import { emit } from '../shared/emit.js';
import { formatDuration, formatInteger, msBetween } from '../shared/format.js';
import { ActionSlot } from '../shared/action-slot.js';
import { LiveSubscription } from '../shared/live-subscription.js';
import type { ActionOffer } from '../shared/progress-action.js';
import { ProgressElement, type CardContext, type CardView } from '../shared/progress-element.js';
import { wholeWorkflow, type WorkflowStateInput } from '../shared/state-input.js';
import { stageStatusText, type ProgressStrings } from '../shared/strings.js';
import { plainText } from '../shared/terminal-output.js';
import { runTime, stageStatus, toneOf } from '../shared/run-facts.js';
import { errorText, stageList, summarise } from '../shared/templates.js';
import { workflowTrackerStyles } from './workflow-tracker.styles.js';

export interface WorkflowTrackerEventDetail {
  state: WorkflowState;
}
export interface WorkflowFailEventDetail {
  state: WorkflowState;
  error: string | undefined;
}

/** What each status allows (the toggle first: it stays the same button when it turns). */
const ACTIONS: Partial<Record<WorkflowStatus, readonly RunAction[]>> = {
  created: ['cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
};

/** When an execution began, for telling which of two executions is the newer. */
function began(state: WorkflowStateInput): number {
  return Date.parse(state.createdAt ?? state.startedAt ?? state.updatedAt ?? '');
}

/** The phase to place the execution at: the current one, else (while it runs) the last that began. */
function shownPhase(state: WorkflowState): PhaseState | undefined {
  if (state.currentPhaseId !== undefined) {
    const current = state.phases.find((p) => p.id === state.currentPhaseId);
    if (current) return current;
  }
  if (TERMINAL_WORKFLOW_STATUSES.has(state.status)) return undefined;
  for (let i = state.phases.length - 1; i >= 0; i--) if (state.phases[i]!.status !== 'pending') return state.phases[i];
  return undefined;
}

/**
 * Shows one AInTandem workflow execution live: its status, its phases in order (the whole plan,
 * pending ones included) with the current one marked, "phase N of M" and the overall percent when
 * they are known, each phase's duration, and the output summary or error. Give `execution-id` to
 * follow one execution, or only `workflow-id` to follow the latest execution of that workflow.
 * With `actions`, Pause while it runs, Resume while it is paused, and Cancel until it ends.
 *
 * @summary Live progress of a workflow execution: status, phases, percent.
 * @tagname workflow-tracker
 *
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-tracker-change - A live update replaced `state`. Detail: `{ state }`.
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-complete - The execution completed. Detail: `{ state }`.
 * @fires {CustomEvent<WorkflowFailEventDetail>} workflow-fail - The execution failed. Detail: `{ state, error }`.
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-cancel - The execution was cancelled (a snapshot says so, or a `workflow_execution_failed` with `status: "cancelled"`). Detail: `{ state }`.
 * @fires {CustomEvent<ProgressActionEventDetail>} progress-action - With `actions`: Pause or Resume was pressed, or Cancel pressed and confirmed, before anything is sent. Cancelable: `preventDefault()` and the page sends it itself. Detail: `{ action, state }`.
 *
 * @slot - Extra content under the progress, such as buttons.
 *
 * @csspart phase-line - The current phase: "Phase 3 of 5: Test" when its place is known, else "Phase Test".
 * @csspart phases - The list of phases.
 * @csspart phase - One phase; also `phase-{status}` (pending, running, completed, failed, skipped; in an execution that is over, cancelled or ended for a phase last said running, not-run for one still pending) and `phase-current`.
 * @csspart output - The output summary of a completed execution.
 * @csspart actions - With `actions`: the bar of the buttons and of a refusal's error.
 * @csspart action - Each action button; also `action-pause`, `action-resume`, `action-cancel`, and `action-keep` for the way out of the confirmation.
 * @csspart action-error - Why the last action did not happen (a refused or failed request).
 *
 * @cssprop --progress-track-color - The bar's empty track.
 * @cssprop --progress-success-color - Completed.
 * @cssprop --progress-bar-height - Height of the bar.
 * @cssprop --progress-action-color - The action buttons' text and border (Cancel: `--progress-danger-color`).
 * @cssprop --progress-action-background - The action buttons' background.
 * @cssprop --progress-action-radius - The action buttons' corner radius.
 */
export class WorkflowTrackerElement extends ProgressElement<WorkflowStateInput> {
  static override styles = [baseStyles, workflowTrackerStyles];

  static override properties: PropertyDeclarations = {
    workflowId: { attribute: 'workflow-id' },
    executionId: { attribute: 'execution-id' },
    actions: { type: Boolean },
  };

  /** Follow the latest execution of this workflow (when no `execution-id` is given). */
  declare workflowId: string | undefined;
  /** The execution to follow. */
  declare executionId: string | undefined;
  /** Offers Pause while the execution runs, Resume while it is paused, and Cancel until it ends (sent through the page's client; see `progress-action`). Off by default. */
  declare actions: boolean;
  /**
   * The execution's state: set it to show an execution without a socket (any part of a
   * `WorkflowState`; see "Your own data" in the README); live updates replace it.
   */
  declare state: WorkflowStateInput | undefined;

  /** The execution (or a workflow's latest) its ids name, live, while the element is in the document. */
  readonly #live = new LiveSubscription<WorkflowState>(this, {
    follow: () =>
      this.workflowId || this.executionId
        ? { kind: 'workflow', projectId: this.projectId || undefined, workflowId: this.workflowId || undefined, executionId: this.executionId || undefined }
        : undefined,
    // Following a workflow: another execution takes over only when it began later.
    accepts: (next, shown) => {
      const was = shown as WorkflowStateInput | undefined;
      return !!this.executionId || !was || next.executionId === was.executionId || !(began(next) < began(was));
    },
    shown: () => this.state,
  });
  readonly #actions = new ActionSlot(this);

  constructor() {
    super();
    this.actions = false;
  }

  protected override willUpdate(): void {
    this.takeLive(this.#live, (state, previous) => this.#changed(state, previous));
    const context = this.cardContext(this.state && wholeWorkflow(this.state));
    const { state } = context;
    this.#actions.sync(this.actions, () => state && this.#offer(state));
    const view = this.#describe(context);
    const settled = !!state && TERMINAL_WORKFLOW_STATUSES.has(state.status);
    this.composeCard({ context, view, settled, live: this.#live, actions: this.#actions, body: this.#body(context, view) });
  }

  /** What a user may do to the execution shown; undefined when it cannot be named. */
  #offer(state: WorkflowState): ActionOffer | undefined {
    const executionId = state.executionId || this.executionId;
    if (!executionId) return undefined;
    const actions = ACTIONS[state.status] ?? [];
    return { run: { kind: 'workflow', executionId }, state, actions };
  }
  /** The element's events, after a live state replaced `previous`. */
  #changed(state: WorkflowState, previous: WorkflowStateInput | undefined): void {
    emit(this, 'workflow-tracker-change', { state });
    if (state.status === previous?.status && state.executionId === previous.executionId) return;
    if (state.status === 'completed') emit(this, 'workflow-complete', { state });
    else if (state.status === 'failed') emit(this, 'workflow-fail', { state, error: state.error });
    else if (state.status === 'cancelled') emit(this, 'workflow-cancel', { state });
  }

  #describe({ state, strings, locale }: CardContext<WorkflowState>): CardView {
    const status = state?.status ?? 'waiting';
    const moving = status === 'running' || status === 'paused';
    const shown = state && shownPhase(state);
    return {
      name: state?.name || strings.workflowLabel(this.workflowId || state?.workflowId || this.executionId || state?.executionId || ''),
      // A status unknown to the element (set by the page) shows as it is.
      status: strings.workflowStatus[status] ?? status,
      tone: toneOf(status),
      time: state && runTime({ ...state, moving: state.status === 'running' || state.status === 'paused', over: TERMINAL_WORKFLOW_STATUSES.has(state.status) }, strings, locale),
      bar: { percent: state ? workflowPercent(state) : undefined, busy: status === 'running' },
      detail: state && this.position(state, shown, strings, locale),
      announced: shown?.name,
      ticks:
        !!state &&
        ((moving && state.startedAt !== undefined) ||
          (!TERMINAL_WORKFLOW_STATUSES.has(state.status) && state.phases.some((p) => p.status === 'running' && p.startedAt !== undefined))),
    };
  }

  /**
   * Where the execution is. Its place ("Phase 3 of 5") only when the phase list is whole (from a
   * plan, a snapshot, or the execution followed from its start), and the total only when it is
   * known; otherwise the phase by name. A completed execution is at its last phase.
   */
  private position(state: WorkflowState, shown: PhaseState | undefined, strings: ProgressStrings, locale: string | undefined): string | undefined {
    const whole = state.earlierUnknown !== true;
    const total = state.totalPhases ?? (whole && TERMINAL_WORKFLOW_STATUSES.has(state.status) ? state.phases.length + state.droppedPhases : undefined);
    const count = (n: number | undefined) => (n === undefined ? undefined : formatInteger(n, locale));
    if (state.status === 'completed') return total ? strings.phaseOf(count(total)!, count(total)) : undefined;
    if (!shown) return undefined;
    if (!whole) return strings.phaseNamed(shown.name);
    return strings.phaseOf(count(state.phases.indexOf(shown) + 1 + state.droppedPhases)!, count(total));
  }

  #body({ state, strings, locale, detailed }: CardContext<WorkflowState>, view: CardView) {
    const shown = state && shownPhase(state);
    const whole = state?.earlierUnknown !== true;
    // "Phase 3 of 5: Test" (its place known), "Phase Test" (not known), "Phase 5 of 5" (completed).
    const line = !view.detail ? undefined : whole && shown && state?.status !== 'completed' ? `${view.detail}: ${shown.name}` : view.detail;
    const failed = state?.status === 'failed' && state.error !== undefined;
    const output = state?.status === 'completed' ? summarise(state.output) : undefined;
    return html`${line ? html`<p part="phase-line" class="phase-line">${plainText(line)}</p>` : nothing}
    ${detailed && state ? this.phases(state, strings, locale) : nothing} ${errorText(failed ? strings.error(state.error!) : undefined)}
    ${output ? html`<p part="output" class="output">${output}</p>` : nothing}`;
  }

  private phases(state: WorkflowState, strings: ProgressStrings, locale: string | undefined) {
    const now = Date.now();
    const over = TERMINAL_WORKFLOW_STATUSES.has(state.status);
    const stages = state.phases.map((phase) => {
      const status = stageStatus(phase.status, state.status, over);
      // A phase's time runs only while it does: one left running in an ended execution has none.
      const ms = phase.duration ?? (status === 'running' ? msBetween(phase.startedAt, now) : undefined);
      const detail = ms === undefined ? undefined : status === 'running' ? strings.elapsed(formatDuration(ms, locale)) : strings.took(formatDuration(ms, locale));
      return {
        id: phase.id,
        name: phase.name,
        status,
        statusText: stageStatusText(strings, 'phase', status),
        detail,
        current: state.currentPhaseId !== undefined && phase.id === state.currentPhaseId,
      };
    });
    const n = state.droppedPhases;
    return stageList('phase', strings.phases, stages, n > 0 ? strings.droppedPhases(formatInteger(n, locale), n) : undefined);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'workflow-tracker': WorkflowTrackerElement;
  }
  interface HTMLElementEventMap {
    'workflow-tracker-change': CustomEvent<WorkflowTrackerEventDetail>;
    'workflow-complete': CustomEvent<WorkflowTrackerEventDetail>;
    'workflow-fail': CustomEvent<WorkflowFailEventDetail>;
    'workflow-cancel': CustomEvent<WorkflowTrackerEventDetail>;
  }
}
