/** What an element with `actions` offers for the run it shows, and the event it fires before acting. Types only. */
import type { RunAction, RunRef, TaskState, WorkflowState } from '../../client/index.js';

/** The detail of `progress-action`: the action asked for and the state of the run as the element shows it. */
export type ProgressActionEventDetail = { action: 'cancel'; state: TaskState } | { action: RunAction; state: WorkflowState };

/** What a user may do to the run shown. */
export interface ActionOffer {
  /** The run the actions act on. */
  run: RunRef;
  /** The actions its state allows now, in the order of the buttons (none once it ended). */
  actions: readonly RunAction[];
  /** The whole state shown, for the event's detail. */
  state: TaskState | WorkflowState;
}

declare global {
  interface HTMLElementEventMap {
    'progress-action': CustomEvent<ProgressActionEventDetail>;
  }
}
