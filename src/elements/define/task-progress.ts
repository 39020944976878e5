/** Defines <task-progress> (once, however often this module is loaded) and exports its class. */
import { TaskProgressElement } from '../task-progress/task-progress.js';

export { TaskProgressElement };

if (globalThis.customElements && !customElements.get('task-progress')) customElements.define('task-progress', TaskProgressElement);
