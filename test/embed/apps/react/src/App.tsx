import { useState } from 'react';
import { initialTask, logEntry, runningContainer } from '../../shared/scenario.js';

const task = initialTask();
const container = runningContainer();

export function App() {
  const [shown, setShown] = useState(true);
  const [log, setLog] = useState<string[]>([]);
  const add = (entry: string) => setLog((entries) => [...entries, entry]);
  return (
    <main>
      <h1>React</h1>
      {shown && (
        <>
          <task-progress project-id="p1" task-id="t1" label="Build" state={task} ontask-complete={(e) => add(logEntry(e))} />
          <workflow-tracker project-id="p1" workflow-id="wf1" layout="compact" onworkflow-complete={(e) => add(logEntry(e))} />
          <container-status state={container} />
        </>
      )}
      <p id="log">{log.join(' ')}</p>
      <button id="toggle" type="button" onClick={() => setShown((s) => !s)}>
        {shown ? 'Hide' : 'Show'}
      </button>
    </main>
  );
}
