/**
 * The words of the elements' actions (`actions` attribute), in English. Replace some of them with
 * `setProgressStrings({ actions: {...} })` or an element's `strings`: they are merged over these.
 */
import type { RunAction, RunActionErrorCode } from '../../client/index.js';

export interface ActionStrings {
  /** The buttons. */
  action: Record<RunAction, string>;
  /** A button while its request is on its way, and until the run's events say it happened. */
  pending: Record<RunAction, string>;
  /** The Cancel button once pressed: a second press cancels. */
  confirmCancel: string;
  /** The way out of the confirmation. */
  keep: string;
  /** A button's accessible name: what it says and the run's label ("Cancel Release pipeline"). */
  named: (text: string, label: string) => string;
  /** Announced once Cancel was pressed: how to confirm or back out. */
  confirming: string;
  /** Shown and announced when a request was refused or failed; `reason` is one of `reasons`, with the server's own words when it gave any. */
  failed: (action: RunAction, reason: string) => string;
  reasons: Record<RunActionErrorCode, string>;
}

/** The English action strings. */
export const DEFAULT_ACTION_STRINGS: Readonly<ActionStrings> = Object.freeze<ActionStrings>({
  action: { cancel: 'Cancel', pause: 'Pause', resume: 'Resume' },
  pending: { cancel: 'Cancelling…', pause: 'Pausing…', resume: 'Resuming…' },
  confirmCancel: 'Confirm cancel',
  keep: 'Don’t cancel',
  named: (text, label) => `${text} ${label}`,
  confirming: 'Press Confirm cancel to cancel it, or Don’t cancel',
  failed: (action, reason) => `Could not ${action}: ${reason}`,
  reasons: {
    unauthorized: 'not signed in, or the sign-in expired',
    forbidden: 'not allowed',
    not_found: 'the server does not know this run',
    conflict: 'the run cannot do that now',
    failed: 'the server could not do it',
    network: 'the server could not be reached',
    timeout: 'no answer from the server in time; the run’s updates will tell whether it happened',
    not_configured: 'no API address is configured',
  },
});
