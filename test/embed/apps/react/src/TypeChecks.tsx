// Never rendered: tsc checks that the tags are typed (each expected error must occur).
import type { TaskState } from '@aintandem/progress-elements';

export function TypeChecks({ state }: { state: TaskState }) {
  return (
    <>
      <task-progress project-id="p" task-id="t" layout="compact" output-lines={5} state={state} ontask-complete={(e) => e.detail.state.status.toUpperCase()} />
      <task-progress outputLines={5} ontask-fail={(e) => e.detail.error?.toUpperCase()} />
      <container-status oncontainer-fail={(e) => e.detail.exitCode?.toFixed()} />
      {/* @ts-expect-error layout is 'detailed' or 'compact' */}
      <task-progress layout="sideways" />
      {/* @ts-expect-error state is a TaskState */}
      <task-progress state={42} />
      {/* @ts-expect-error the detail of task-fail has no exitCode */}
      <task-progress ontask-fail={(e) => e.detail.exitCode} />
      {/* @ts-expect-error a workflow's state is no TaskState */}
      <workflow-tracker state={state} />
    </>
  );
}
