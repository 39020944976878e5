/** The simulator of realistic runs (tasks, workflows, containers) that `npm start` and the tests publish through a progress server. */
export { createSimulator } from './simulator.js';
export type { ContainerOutcome, Simulator, SimulatorClock, SimulatorOptions, SimulatorTarget, TaskOutcome, WorkflowOutcome } from './simulator.js';
