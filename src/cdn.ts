/**
 * The CDN files (`dist/cdn/progress-elements.js` and its classic-script twin): defines the three
 * tags and exports what a page without a build step configures them with: the elements' API
 * (configureProgress, the strings, the classes), the ProgressClient, the event guards and the
 * snapshot loaders. The AInTandem SDK-style `AInTandemClient` is left to the client file
 * (`dist/cdn/progress-client.js`), which a page that wants it loads beside this one.
 */
export * from './client/events.js';
export { ProgressClient, ProgressClientError } from './client/progress-client.js';
export { aintandemSnapshotLoader } from './client/aintandem-snapshots.js';
export { referenceSnapshotLoader } from './client/snapshots.js';
export { isFinished } from './client/state/progress-store.js';
export * from './elements/index.js';
import './elements/define/task-progress.js';
import './elements/define/workflow-tracker.js';
import './elements/define/container-status.js';
