/**
 * The words the elements show, in English by default. Replace some or all of them for every
 * element with `setProgressStrings()`, or for one element with its `strings` property.
 */
import type { ConnectionState, ContainerStatus, PhaseStatus, StepStatus, TaskStatus, WorkflowStatus } from '../../client/index.js';
import type { ActionStrings } from './action-strings.js';
import type { StageEnd } from './run-facts.js';

export interface ProgressStrings {
  /** BCP 47 locale for numbers, durations and times; default: the page's `lang`, else the browser's. */
  locale: string | undefined;
  taskStatus: Record<TaskStatus, string>;
  workflowStatus: Record<WorkflowStatus, string>;
  containerStatus: Record<ContainerStatus, string>;
  /** A step's status; in a task that is over, `cancelled` and `ended` for a step last said running, `not-run` for one still pending. */
  stepStatus: Record<StepStatus, string> & Partial<Record<StageEnd, string>>;
  /** A phase's status; in an execution that is over, `cancelled` and `ended` for a phase last said running, `not-run` for one still pending. */
  phaseStatus: Record<PhaseStatus, string> & Partial<Record<StageEnd, string>>;
  /** Shown instead of a status while no client is configured. */
  unconfigured: string;
  /** The state of the connection when it is not live (`connected` is never shown); also the status of an element that has nothing to show yet. */
  connection: Record<Exclude<ConnectionState, 'connected'>, string>;
  /** The connection notice while the data shown is live. */
  live: string;
  /** While reconnecting, with the time to the next attempt ("in 5 seconds"). */
  reconnectingIn: (when: string) => string;
  /** The button that reconnects at once. */
  retryNow: string;
  /** Shown after a reconnect, until the next update: events sent during the outage are lost. */
  missedUpdates: string;
  /** `ago` is a relative time such as "40 seconds ago", or `justNow`. */
  lastUpdate: (ago: string) => string;
  /** Said of an update less than 5 seconds old, instead of "0 seconds ago". */
  justNow: string;
  /** Default names of the elements, when the run names itself nowhere (their ids as the fallback). */
  taskLabel: (taskId: string) => string;
  workflowLabel: (id: string) => string;
  containerLabel: (containerId: string) => string;
  /** An announcement of the live region: the element's name and what changed ("Release pipeline: Completed"). */
  announce: (label: string, text: string) => string;
  steps: string;
  phases: string;
  /** The headings of the artifact list and of the output. */
  artifacts: string;
  output: string;
  error: (message: string) => string;
  elapsed: (duration: string) => string;
  took: (duration: string) => string;
  /** The end of a run whose start is unknown: its time of day (or date and time). */
  finishedAt: (time: string) => string;
  uptime: (duration: string) => string;
  image: (image: string) => string;
  exitCode: (code: string) => string;
  /** The current phase's place in the execution; `total` is undefined while the number of phases is unknown. */
  phaseOf: (current: string, total: string | undefined) => string;
  /** The current phase by name alone, when its place is unknown (the view joined after earlier phases ran). */
  phaseNamed: (name: string) => string;
  /** Lines, steps, phases or artifacts dropped from the front of a bounded list: `count` formatted, `n` to pick the plural. */
  droppedLines: (count: string, n: number) => string;
  droppedSteps: (count: string, n: number) => string;
  droppedPhases: (count: string, n: number) => string;
  droppedArtifacts: (count: string, n: number) => string;
  /** Joins the parts of a progress bar's `aria-valuetext` and of an announcement. */
  join: (parts: string[]) => string;
  /** The words of the actions (`actions` attribute), over `DEFAULT_ACTION_STRINGS`; kept with those actions, not here, so that a page without actions does not load them. */
  actions?: Partial<ActionStrings>;
}

const english = new Intl.PluralRules('en');
/** `one` or `other`, as English plurals go. */
const plural = (n: number, one: string, other: string): string => (english.select(n) === 'one' ? one : other);

/** The English strings every element starts from. */
export const DEFAULT_STRINGS: Readonly<ProgressStrings> = Object.freeze<ProgressStrings>({
  locale: undefined,
  taskStatus: { waiting: 'Waiting for events', queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' },
  workflowStatus: { waiting: 'Waiting for events', created: 'Created', running: 'Running', paused: 'Paused', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' },
  containerStatus: { waiting: 'Waiting for events', created: 'Created', running: 'Running', stopped: 'Stopped', error: 'Error' },
  stepStatus: { pending: 'Pending', running: 'Running', completed: 'Completed', failed: 'Failed', skipped: 'Skipped', cancelled: 'Cancelled', ended: 'Ended', 'not-run': 'Not run' },
  phaseStatus: { pending: 'Pending', running: 'Running', completed: 'Completed', failed: 'Failed', skipped: 'Skipped', cancelled: 'Cancelled', ended: 'Ended', 'not-run': 'Not run' },
  unconfigured: 'Waiting for configuration',
  connection: {
    disconnected: 'Not connected',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    disconnecting: 'Not connected',
    failed: 'Connection lost',
  },
  live: 'Live',
  reconnectingIn: (when) => `Reconnecting ${when}`,
  retryNow: 'Retry now',
  missedUpdates: 'Reconnected: updates may have been missed',
  lastUpdate: (ago) => `last update ${ago}`,
  justNow: 'just now',
  taskLabel: (id) => `Task ${id}`,
  workflowLabel: (id) => `Workflow ${id}`,
  containerLabel: (id) => `Container ${id}`,
  announce: (label, text) => `${label}: ${text}`,
  steps: 'Steps',
  phases: 'Phases',
  artifacts: 'Artifacts',
  output: 'Output',
  error: (message) => `Error: ${message}`,
  elapsed: (d) => `Elapsed ${d}`,
  took: (d) => `Took ${d}`,
  finishedAt: (time) => `Finished ${time}`,
  uptime: (d) => `Up ${d}`,
  image: (image) => `Image ${image}`,
  exitCode: (code) => `Exit code ${code}`,
  phaseOf: (current, total) => (total === undefined ? `Phase ${current}` : `Phase ${current} of ${total}`),
  phaseNamed: (name) => `Phase ${name}`,
  droppedLines: (count, n) => `${count} earlier ${plural(n, 'line', 'lines')} not shown`,
  droppedSteps: (count, n) => `${count} earlier ${plural(n, 'step', 'steps')} not shown`,
  droppedPhases: (count, n) => `${count} earlier ${plural(n, 'phase', 'phases')} not shown`,
  droppedArtifacts: (count, n) => `${count} earlier ${plural(n, 'artifact', 'artifacts')} not shown`,
  join: (parts) => parts.join(', '),
});

let current: ProgressStrings = DEFAULT_STRINGS;
const listeners = new Set<() => void>();

/** Replaces some strings for every element (merged over the current ones); live elements re-render. */
export function setProgressStrings(strings: Partial<ProgressStrings>): void {
  current = { ...current, ...strings };
  for (const listener of [...listeners]) listener();
}

/** Back to the English defaults. */
export function resetProgressStrings(): void {
  current = DEFAULT_STRINGS;
  for (const listener of [...listeners]) listener();
}

/** The strings the elements use now: the defaults with every setProgressStrings() applied. */
export function getProgressStrings(): ProgressStrings {
  return current;
}

/** The strings one element uses: the global ones with its own overrides on top. */
export function resolveStrings(own: Partial<ProgressStrings> | undefined): ProgressStrings {
  return own ? { ...current, ...own } : current;
}

/** Called after every setProgressStrings(); returns the function that stops it. */
export function onProgressStringsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * A step's or phase's status in words: the page's strings; for `cancelled` (a stage cut by its
 * run's cancel) left out of a table the page gave whole, the run's own `cancelled`; else the
 * English words; else the status as it is (one the kit does not know, set by the page).
 */
export function stageStatusText(strings: ProgressStrings, kind: 'step' | 'phase', status: string): string {
  const table: Readonly<Record<string, string>> = kind === 'step' ? strings.stepStatus : strings.phaseStatus;
  if (Object.hasOwn(table, status)) return table[status]!;
  if (status === 'cancelled') return kind === 'step' ? strings.taskStatus.cancelled : strings.workflowStatus.cancelled;
  const english: Readonly<Record<string, string>> = kind === 'step' ? DEFAULT_STRINGS.stepStatus : DEFAULT_STRINGS.phaseStatus;
  return Object.hasOwn(english, status) ? english[status]! : status;
}
