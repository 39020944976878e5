/** What `<task-log>` says (English; a page sets its own through the element's `strings` property). */
export interface TaskLogStrings {
  /** The scroll area's name. */
  logLabel: (taskId: string) => string;
  search: string;
  regex: string;
  previousHit: string;
  nextHit: string;
  /** "3 of 120". */
  hitCount: (current: number | undefined, count: number, done: boolean) => string;
  invalidRegex: string;
  download: string;
  /** A log that begins where the page joined (no log store on the server). */
  joinedAt: (time: string) => string;
  newLines: (n: number) => string;
  lineLabel: (n: number) => string;
  showAll: string;
  close: string;
  fullLine: (n: number) => string;
  expired: (from: number, to: number) => string;
  pending: (from: number, to: number) => string;
  /** Lines the page cannot read (no log store). */
  notShown: (from: number, to: number) => string;
  missing: string;
  empty: string;
  readFailed: string;
}

export const TASK_LOG_STRINGS: TaskLogStrings = {
  logLabel: (taskId) => `Log of task ${taskId}`,
  search: 'Search the log',
  regex: 'Regular expression',
  previousHit: 'Previous match',
  nextHit: 'Next match',
  hitCount: (current, count, done) => (count === 0 ? (done ? 'No matches' : 'Searching…') : `${current === undefined ? count : `${current} of ${count}`}${done ? '' : '…'}${current === undefined ? (count === 1 ? ' match' : ' matches') : ''}`),
  invalidRegex: 'Not a valid regular expression',
  download: 'Download',
  joinedAt: (time) => `Earlier lines are not shown: the page joined at ${time}.`,
  newLines: (n) => (n === 1 ? '1 new line' : `${n} new lines`),
  lineLabel: (n) => `Line ${n}`,
  showAll: '… show all',
  close: 'Close',
  fullLine: (n) => `Line ${n}, in full`,
  expired: (from, to) => (from === to ? `Line ${from} is no longer kept` : `Lines ${from}–${to} are no longer kept`),
  pending: (from, to) => (from === to ? `Loading line ${from}…` : `Loading lines ${from}–${to}…`),
  notShown: (from, to) => (from === to ? `Line ${from} is not shown` : `Lines ${from}–${to} are not shown`),
  missing: 'Lines may be missing here: the connection was interrupted',
  empty: 'No output yet',
  readFailed: 'Earlier lines could not be read',
};
