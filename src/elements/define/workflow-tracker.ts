/** Defines <workflow-tracker> (once, however often this module is loaded) and exports its class. */
import { WorkflowTrackerElement } from '../workflow-tracker/workflow-tracker.js';

export { WorkflowTrackerElement };

if (globalThis.customElements && !customElements.get('workflow-tracker')) customElements.define('workflow-tracker', WorkflowTrackerElement);
