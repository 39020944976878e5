/**
 * `@aintandem/progress-elements`: the progress client, the three elements and their shared
 * configuration. Importing it defines <task-progress>, <workflow-tracker>, <container-status> and <task-log>.
 */
export * from './client/index.js';
export * from './elements/index.js';
import './elements/define/task-progress.js';
import './elements/define/workflow-tracker.js';
import './elements/define/container-status.js';
import './elements/define/task-log.js';
