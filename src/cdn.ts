/**
 * The CDN files (`dist/cdn/progress-elements.js` and its classic-script twin): defines the three
 * tags and exports what a page without a build step uses them with: the elements' API
 * (configureProgress, the strings, the classes), the ProgressClient, the event guards, the state
 * store and reducers (to set an element's `state` from the page's own data) and the snapshot
 * loaders. The AInTandem SDK-style `AInTandemClient` is left to the client file
 * (`dist/cdn/progress-client.js`), which a page that wants it loads beside this one.
 *
 * What a page may never use stays in small files beside this one, loaded on demand: the elements'
 * action bar (`actions`) and an action's request, and the tab share (`shareTabs`). The code they
 * share with this file stays in it (vite.config.ts). The classic script holds them all.
 *
 * `<task-log>` is a file of its own beside this one (`task-log.js` in `dist/cdn/`), which imports
 * what it shares with the elements (Lit, the client) from this file: it is loaded the first time the
 * document holds a `<task-log>`, or when the page calls `loadTaskLog()` (for a tag in a shadow root,
 * which the document's watch does not see). The classic script holds it whole.
 */
export * from './protocol/events.js';
export { ProgressClient, ProgressClientError } from './client/progress-client.js';
export { RunActionError } from './client/run-action-error.js';
export { aintandemSnapshotLoader } from './client/aintandem-snapshots.js';
export { referenceSnapshotLoader } from './client/snapshots.js';
export { ProgressStore, isFinished } from './protocol/state/progress-store.js';
export { reduceTask, initialTaskState, TERMINAL_TASK_STATUSES } from './protocol/state/task-state.js';
export { reduceWorkflow, initialWorkflowState, workflowPercent, TERMINAL_WORKFLOW_STATUSES } from './protocol/state/workflow-state.js';
export { reduceContainer, initialContainerState, containerFailed } from './protocol/state/container-state.js';
// The elements' API but <task-log>'s class (see above).
export { TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement } from './elements/index.js';
export { configureProgress, getProgressClient, resetProgress, onProgressClientChange, PROGRESS_URL_META } from './elements/index.js';
export { setProgressStrings, resetProgressStrings, getProgressStrings, DEFAULT_STRINGS, setFrameBudget } from './elements/index.js';
export type * from './elements/index.js';
import './elements/define/task-progress.js';
import './elements/define/workflow-tracker.js';
import './elements/define/container-status.js';
import { loadWhenPresent } from './elements/define/on-demand.js';

/** Loads and defines `<task-log>`; resolves to its module (its class is `TaskLogElement`). */
export const loadTaskLog = (): Promise<typeof import('./elements/define/task-log.js')> => import('./elements/define/task-log.js');

loadWhenPresent('task-log', () => {
  loadTaskLog().catch((error: unknown) => console.error('<task-log> could not be loaded:', error));
});
