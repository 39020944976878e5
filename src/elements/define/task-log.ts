/** Defines <task-log> (once, however often this module is loaded) and exports its class. */
import { TaskLogElement } from '../task-log/task-log.js';

export { TaskLogElement };

if (globalThis.customElements && !customElements.get('task-log')) customElements.define('task-log', TaskLogElement);
