/** Defines <container-status> (once, however often this module is loaded) and exports its class. */
import { ContainerStatusElement } from '../container-status/container-status.js';

export { ContainerStatusElement };

if (globalThis.customElements && !customElements.get('container-status')) customElements.define('container-status', ContainerStatusElement);
