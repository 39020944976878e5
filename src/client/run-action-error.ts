/** The typed error of a run action (cancel, pause, resume) the server refused or never got. */
import type { RunAction, RunRef } from '../protocol/entity.js';

export type { RunAction };

/**
 * Why an action did not happen:
 * - `unauthorized` (401, or the token could not be read), `forbidden` (403);
 * - `not_found` (404): the server does not know the run;
 * - `conflict` (409): the run is not in a state to take the action (it ended, or is not paused);
 * - `failed`: any other answer that is not a success (`status` says which);
 * - `network`: no answer (the server could not be reached);
 * - `timeout`: no answer within `actionTimeout`, and the request was abandoned. The server may
 *   still have taken the action: the run's live events say whether it did;
 * - `not_configured`: the client knows no API base URL to send it to.
 */
export type RunActionErrorCode = 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'failed' | 'network' | 'timeout' | 'not_configured';

/** Thrown (rejected with) by `cancelTask`, `pauseExecution`, `resumeExecution` and `cancelExecution`. Its message never holds the token. */
export class RunActionError extends Error {
  constructor(
    readonly code: RunActionErrorCode,
    readonly action: RunAction,
    readonly run: RunRef,
    /** The HTTP status of the answer; undefined when there was none. */
    readonly status: number | undefined,
    /** What the server said of it (its `error` or `message`), when it said anything readable. */
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    const what = run.kind === 'task' ? `task ${run.projectId}/${run.taskId}` : `execution ${run.executionId}`;
    const why = status === undefined ? code : `HTTP ${status}`;
    super(`${action} of ${what} did not happen: ${why}${reason ? ` (${reason})` : ''}`, options);
    this.name = 'RunActionError';
  }
}
