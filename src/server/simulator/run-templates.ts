/**
 * The shapes of the simulator's catalogue: what a kind of task, workflow or container is made of.
 * Durations are in ms at speed 1.
 */
import type { Random } from './random.js';
import type { LogGenerator } from './task-logs.js';

/** A line of terminal output, fixed or drawn. */
export type Line = string | ((random: Random) => string);

export interface ArtifactTemplate {
  path: string;
  type: string;
  /** Size range in bytes. */
  size: readonly [number, number];
}

export interface StepTemplate {
  id: string;
  name: string;
  /** Messages shown as the step advances, in order. */
  messages: readonly string[];
  output: readonly Line[];
  /** The step's whole terminal log instead of `output`'s lines: printed in a few chunks. */
  log?: LogGenerator;
  artifacts?: readonly ArtifactTemplate[];
  ms: readonly [number, number];
  /** The error of a run that fails in this step. */
  error: string;
}

export interface TaskTemplate {
  name: string;
  input: Record<string, unknown>;
  steps: readonly StepTemplate[];
}

export interface PhaseTemplate {
  id: string;
  name: string;
  ms: readonly [number, number];
  /** The error of an execution that fails in this phase. */
  error: string;
}

export interface WorkflowTemplate {
  workflowId: string;
  /** Its display name (`workflow` on its events). */
  name: string;
  phases: readonly PhaseTemplate[];
  /** The output of a completed execution. */
  summary: Line;
}

export interface ContainerTemplate {
  image: string;
  /** How long it runs before stopping. */
  ms: readonly [number, number];
  /** Errors a broken run may report. */
  errors: readonly string[];
}

