/**
 * `@aintandem/progress-elements`: the progress client, the three elements and their shared
 * configuration. Importing it defines <task-progress>, <workflow-tracker> and <container-status>.
 */
export * from './client/index.js';
export * from './elements/index.js';
import './elements/define/task-progress.js';
import './elements/define/workflow-tracker.js';
import './elements/define/container-status.js';
