/**
 * A page with one `<workflow-tracker actions>` on the page's client, for the tests of the action
 * buttons in Chromium. Query: `api` (the API base: the socket, the REST reads and the actions),
 * `execution` (the execution to show). `window.fired` lists the `progress-action` events, in order.
 */
import { configureProgress } from '../../../src/index.js';

const params = new URLSearchParams(location.search);
configureProgress({ url: params.get('api')!, persist: false });

const fired: string[] = [];
(window as unknown as { fired: string[] }).fired = fired;

const tracker = document.createElement('workflow-tracker');
tracker.setAttribute('project-id', 'demo');
tracker.setAttribute('execution-id', params.get('execution')!);
tracker.setAttribute('actions', '');
tracker.addEventListener('progress-action', (event) => fired.push(event.detail.action));
document.body.append(tracker);
