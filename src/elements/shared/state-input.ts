/**
 * What a page may set as an element's `state`: the client's state types with every field
 * optional (a step or phase may leave out its id, its name or its status), and how such a state
 * is made whole enough to render. The client's own states are whole: they pass unchanged.
 */
import {
  initialContainerState,
  initialTaskState,
  initialWorkflowState,
  type ContainerState,
  type PhaseState,
  type StepState,
  type TaskState,
  type WorkflowState,
} from '../../client/index.js';

/** A step as a page may give it: without an id it is known by its name. */
export type StepStateInput = Partial<StepState>;
/** A phase as a page may give it: without an id it is known by its name. */
export type PhaseStateInput = Partial<PhaseState>;

/** A task's state as a page may set it: any part of a `TaskState`. */
export interface TaskStateInput extends Partial<Omit<TaskState, 'steps'>> {
  steps?: StepStateInput[];
}
/** A workflow execution's state as a page may set it: any part of a `WorkflowState`. */
export interface WorkflowStateInput extends Partial<Omit<WorkflowState, 'phases'>> {
  phases?: PhaseStateInput[];
}
/** A container's state as a page may set it: any part of a `ContainerState`. */
export type ContainerStateInput = Partial<ContainerState>;

type Stage = { id: string; name: string; status: string };

/** A list of stages with an id, a name and a status each (the id from the name, else the place). */
function wholeStages<S extends Stage>(list: unknown): S[] {
  if (!Array.isArray(list)) return [];
  if (list.every((s: Partial<Stage> | null) => s && typeof s.id === 'string' && typeof s.name === 'string' && typeof s.status === 'string')) return list as S[];
  return list.map((given: Partial<Stage> | null, index) => {
    const s: Partial<Stage> = given ?? {};
    const id = typeof s.id === 'string' ? s.id : typeof s.name === 'string' ? s.name : `#${index + 1}`;
    return { ...s, id, name: typeof s.name === 'string' ? s.name : id, status: typeof s.status === 'string' ? s.status : 'pending' } as S;
  });
}

const whole = new WeakMap<object, object>();

/**
 * `input` with what it leaves out (or holds as undefined or null) taken from `initial`, and its
 * stages (`list`) made whole: a partial object renders instead of throwing. The same input gives
 * the same object back.
 */
function filled<S extends object>(input: object, initial: S, list?: keyof S): S {
  const known = whole.get(input) as S | undefined;
  if (known) return known;
  const values = input as Record<string, unknown>;
  const complete = Object.keys(initial).every((key) => values[key] != null);
  let state: S;
  if (complete && (!list || wholeStages(values[list as string]) === values[list as string])) {
    state = input as S;
  } else {
    const next = { ...initial } as Record<string, unknown>;
    for (const [key, value] of Object.entries(input)) if (value != null) next[key] = value;
    if (list) next[list as string] = wholeStages(next[list as string]);
    state = next as S;
  }
  whole.set(input, state);
  return state;
}

const EMPTY_TASK = initialTaskState('', '');
const EMPTY_WORKFLOW = initialWorkflowState('', '', '');
const EMPTY_CONTAINER = initialContainerState('', '');

export const wholeTask = (input: TaskStateInput): TaskState => filled(input, EMPTY_TASK, 'steps');
export const wholeWorkflow = (input: WorkflowStateInput): WorkflowState => filled(input, EMPTY_WORKFLOW, 'phases');
export const wholeContainer = (input: ContainerStateInput): ContainerState => filled(input, EMPTY_CONTAINER);
