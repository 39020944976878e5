/** What the routing benchmark loads, bundled the way a page's build would (without the `__name()` calls tsx adds). */
export { ProgressClient } from '../src/client/progress-client.js';
export { ProgressStore } from '../src/protocol/state/progress-store.js';
export { decodeFrame } from '../src/protocol/parse-frame.js';
