import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { initialWorkflowState, TERMINAL_WORKFLOW_STATUSES, workflowPercent, type PhaseState, type WorkflowState, type WorkflowStatus } from '../../client/index.js';
import { baseStyles } from '../shared/base.styles.js';
import { emit } from '../shared/emit.js';
import { formatDuration, formatInteger, formatPercent, msBetween, resolveLocale } from '../shared/format.js';
import { ProgressController } from '../shared/progress-controller.js';
import { resolveStrings, type ProgressStrings } from '../shared/strings.js';
import { connectionNotice, errorText, filledState, header, liveRegion, progressBar, stageList, summarise, type Tone } from '../shared/templates.js';
import { workflowTrackerStyles } from './workflow-tracker.styles.js';


/** What a partial state set by the page is filled from. */
const EMPTY_WORKFLOW = initialWorkflowState('', '', '');
export interface WorkflowTrackerEventDetail {
  state: WorkflowState;
}
export interface WorkflowFailEventDetail {
  state: WorkflowState;
  error: string | undefined;
}

const TONES: Record<WorkflowStatus, Tone> = {
  waiting: 'neutral',
  created: 'neutral',
  running: 'active',
  paused: 'warning',
  completed: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

/** When an execution began, for telling which of two executions is the newer. */
function began(state: WorkflowState): number {
  return Date.parse(state.createdAt ?? state.startedAt ?? state.updatedAt ?? '');
}

/**
 * Shows one AInTandem workflow execution live: its status, its phases in order with the current
 * one marked, "phase N of M" and the overall percent, each phase's duration, and the output
 * summary or error. Give `execution-id` to follow one execution, or only `workflow-id` to follow
 * the latest execution of that workflow.
 *
 * @summary Live progress of a workflow execution: status, phases, percent.
 * @tagname workflow-tracker
 *
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-tracker-change - A live update replaced `state`. Detail: `{ state }`.
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-complete - The execution completed. Detail: `{ state }`.
 * @fires {CustomEvent<WorkflowFailEventDetail>} workflow-fail - The execution failed. Detail: `{ state, error }`.
 * @fires {CustomEvent<WorkflowTrackerEventDetail>} workflow-cancel - The execution was cancelled (a snapshot says so: no live event does). Detail: `{ state }`.
 *
 * @slot - Extra content under the progress, such as buttons.
 *
 * @csspart base - The wrapper of everything inside.
 * @csspart header - The line with the label, status and time.
 * @csspart label - The workflow's name.
 * @csspart status - The execution's status in words.
 * @csspart time - The elapsed time, or the final duration.
 * @csspart bar - The progress bar's track (`role="progressbar"`).
 * @csspart indicator - The filled part of the bar.
 * @csspart connection - The notice shown while updates are not live (reconnecting, connection lost).
 * @csspart phase-line - "Phase N of M" and the current phase's name.
 * @csspart phases - The list of phases.
 * @csspart phase - One phase; also `phase-{status}` (pending, running, completed, failed, skipped) and `phase-current`.
 * @csspart error - The error of a failed execution.
 * @csspart output - The output summary of a completed execution.
 *
 * @cssprop --progress-color - Accent: the bar and the running phase.
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
 */
export class WorkflowTrackerElement extends LitElement {
  static override styles = [baseStyles, workflowTrackerStyles];

  static override properties: PropertyDeclarations = {
    projectId: { attribute: 'project-id' },
    workflowId: { attribute: 'workflow-id' },
    executionId: { attribute: 'execution-id' },
    layout: { reflect: true },
    label: {},
    state: { attribute: false },
    strings: { attribute: false },
  };

  /** The workflow's project (needed when the socket URL is per project). */
  declare projectId: string | undefined;
  /** Follow the latest execution of this workflow (when no `execution-id` is given). */
  declare workflowId: string | undefined;
  /** The execution to follow. */
  declare executionId: string | undefined;
  /** `detailed`: every phase; `compact`: status, bar and the current phase. */
  declare layout: 'detailed' | 'compact';
  /** The name shown and given to the progress bar; default "Workflow {workflow-id}". */
  declare label: string | undefined;
  /** The execution's state: set it to show an execution without a socket; live updates replace it. */
  declare state: WorkflowState | undefined;
  /** Strings for this element, over those set with `setProgressStrings()`. */
  declare strings: Partial<ProgressStrings> | undefined;

  private readonly live = new ProgressController<WorkflowState>(this, {
    key: () => (this.workflowId || this.executionId ? `${this.projectId ?? ''}/${this.workflowId ?? ''}/${this.executionId ?? ''}` : undefined),
    subscribe: (client, handlers) =>
      client.subscribeToWorkflow({
        projectId: this.projectId || undefined,
        workflowId: this.workflowId || undefined,
        executionId: this.executionId || undefined,
        ...handlers,
      }),
    owns: (state) =>
      (!this.executionId || state.executionId === this.executionId) &&
      (!this.workflowId || state.workflowId === this.workflowId) &&
      (!this.projectId || state.projectId === this.projectId),
    // Following a workflow: another execution takes over only when it began later.
    accepts: (next, shown) => !!this.executionId || !shown || next.executionId === shown.executionId || !(began(next) < began(shown)),
    isFinal: (state) => TERMINAL_WORKFLOW_STATUSES.has(state.status),
    ticks: (state) => state?.status === 'running' && (state.startedAt ?? state.createdAt) !== undefined,
    changed: (state, previous) => {
      emit(this, 'workflow-tracker-change', { state });
      if (state.status === previous?.status && state.executionId === previous.executionId) return;
      if (state.status === 'completed') emit(this, 'workflow-complete', { state });
      else if (state.status === 'failed') emit(this, 'workflow-fail', { state, error: state.error });
      else if (state.status === 'cancelled') emit(this, 'workflow-cancel', { state });
    },
  });

  constructor() {
    super();
    this.layout = 'detailed';
  }

  override render(): TemplateResult {
    const strings = resolveStrings(this.strings);
    const locale = resolveLocale(strings.locale);
    const state = filledState(this.state, EMPTY_WORKFLOW);
    const status = state?.status ?? 'waiting';
    // A status unknown to the element (set by the page) shows as it is.
    const tone = TONES[status] ?? 'neutral';
    const statusText = this.live.statusText(strings, state, strings.workflowStatus[status] ?? status);
    const label = this.label || strings.workflowLabel(this.workflowId || state?.workflowId || this.executionId || '');
    const current = state?.currentPhaseId !== undefined ? state.phases.find((p) => p.id === state.currentPhaseId) : undefined;
    const position = state ? this.position(state, current, strings, locale) : undefined;
    const percent = state ? workflowPercent(state) : undefined;
    const valueText = strings.join([percent === undefined ? '' : formatPercent(percent, locale), statusText, position ?? ''].filter(Boolean));
    const phaseLine = [position, current?.name].filter(Boolean).join(': ');

    return html`<div part="base" class="base">
      ${header(label, statusText, tone, this.time(state, strings, locale))}
      ${progressBar({ label, percent, valueText, tone, busy: status === 'running' })}
      ${connectionNotice(this.live.notice(strings, state), this.live.connection)}
      ${phaseLine ? html`<p part="phase-line" class="phase-line">${phaseLine}</p>` : nothing}
      ${this.layout !== 'compact' && state ? this.phases(state, strings, locale) : nothing}
      ${errorText(state?.error !== undefined && status === 'failed' ? strings.error(state.error) : undefined)}
      ${this.output(state)}
      <slot></slot>
      ${liveRegion(this.live.announcement(strings, state, statusText, current?.name))}
    </div>`;
  }

  /** "Phase N of M": the current phase's place, else how many phases are done. */
  private position(state: WorkflowState, current: PhaseState | undefined, strings: ProgressStrings, locale: string | undefined): string | undefined {
    const finished = TERMINAL_WORKFLOW_STATUSES.has(state.status);
    const total = state.totalPhases ?? (finished ? state.phases.length + state.droppedPhases : undefined);
    const done = state.phases.filter((p) => p.status !== 'pending' && p.status !== 'running').length + state.droppedPhases;
    const n = current ? state.phases.indexOf(current) + 1 + state.droppedPhases : done;
    if (n === 0) return undefined;
    return strings.phaseOf(formatInteger(n, locale), total === undefined ? undefined : formatInteger(total, locale));
  }

  private time(state: WorkflowState | undefined, strings: ProgressStrings, locale: string | undefined): string | undefined {
    if (state?.status === 'running' || state?.status === 'paused') {
      const elapsed = msBetween(state.startedAt ?? state.createdAt, Date.now());
      return elapsed === undefined ? undefined : strings.elapsed(formatDuration(elapsed, locale));
    }
    if (state && TERMINAL_WORKFLOW_STATUSES.has(state.status) && state.duration !== undefined) {
      return strings.took(formatDuration(state.duration, locale));
    }
    return undefined;
  }

  private phases(state: WorkflowState, strings: ProgressStrings, locale: string | undefined) {
    const now = Date.now();
    const stages = state.phases.map((phase) => {
      const ms = phase.duration ?? (phase.status === 'running' ? msBetween(phase.startedAt, now) : undefined);
      const detail = ms === undefined ? undefined : phase.status === 'running' ? strings.elapsed(formatDuration(ms, locale)) : strings.took(formatDuration(ms, locale));
      return {
        id: phase.id,
        name: phase.name,
        status: phase.status,
        statusText: strings.phaseStatus[phase.status] ?? phase.status,
        detail,
        current: phase.id === state.currentPhaseId,
      };
    });
    const dropped = state.droppedPhases > 0 ? strings.droppedPhases(formatInteger(state.droppedPhases, locale)) : undefined;
    return stageList('phase', strings.phases, stages, dropped);
  }

  private output(state: WorkflowState | undefined) {
    const text = state?.status === 'completed' ? summarise(state.output) : undefined;
    return text ? html`<p part="output" class="output">${text}</p>` : nothing;
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
