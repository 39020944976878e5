/**
 * The demo page: one client for the whole page, the elements pointed at the simulator's runs,
 * the buttons of the control API, the connection panel and the theme switch.
 */
import { configureProgress, type ProgressEvent, type TaskLogElement, type TaskProgressElement, type WorkflowTrackerElement } from '../src/index.js';
import { connectionPanel } from './connection-panel.js';
import { runSlots } from './run-slots.js';
import { themeSwitch } from './theme-switch.js';

const PROJECT_ID = 'demo';

// The client turns this API base into ws://{host}/api/progress/subscribe/{projectId}. A page
// without script can say the same with <meta name="aintandem-progress-url" content="/api">.
const client = configureProgress({ url: '/api' });

/** Whether a run with this status has ended (tasks, workflows and containers alike). */
const ended = (status: string): boolean => ['completed', 'failed', 'cancelled', 'stopped', 'error'].includes(status);

const tasks = runSlots(
  [...document.querySelectorAll('task-progress')],
  (element, id) => element.setAttribute('task-id', id),
  (element) => element.taskId,
  ended,
);
const workflows = runSlots(
  [document.querySelector<WorkflowTrackerElement>('#featured-workflow')!],
  (element, id) => element.setAttribute('execution-id', id),
  (element) => element.executionId,
  ended,
);
const containers = runSlots(
  [...document.querySelectorAll('container-status')],
  (element, id) => element.setAttribute('container-id', id),
  (element) => element.containerId,
  ended,
);

// Runs of the background mix go to free elements, new runs and those under way when the page
// opened alike (those show what happened since the page connected).
client.subscribeToProgress({
  projectId: PROJECT_ID,
  onEvent(event: ProgressEvent) {
    if ('taskId' in event) {
      tasks.offer(event.taskId);
    } else if ('executionId' in event) {
      workflows.offer(event.executionId);
    } else {
      containers.offer(event.containerId);
    }
  },
});

async function post<T>(path: string): Promise<T> {
  const response = await fetch(path, { method: 'POST' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-start]')) {
  button.addEventListener('click', async () => {
    switch (button.dataset.start) {
      case 'task':
        tasks.feature((await post<{ taskId: string }>('/api/demo/task')).taskId);
        break;
      case 'workflow':
        workflows.feature((await post<{ executionId: string }>('/api/demo/workflow')).executionId);
        break;
      case 'container':
        containers.feature((await post<{ containerId: string }>('/api/demo/container')).containerId);
        break;
    }
  });
}

document.getElementById('drop')?.addEventListener('click', () => {
  void post('/api/demo/drop?outage=3000');
});

// The featured task's whole log, under the cards: it follows whichever task the featured card shows.
const featuredTask = document.querySelector<TaskProgressElement>('#featured-task')!;
const featuredLog = document.querySelector<TaskLogElement>('#featured-log')!;
const showLog = () => {
  const id = featuredTask.getAttribute('task-id');
  if (id && id !== featuredLog.taskId) featuredLog.setAttribute('task-id', id);
};
new MutationObserver(showLog).observe(featuredTask, { attributes: true, attributeFilter: ['task-id'] });
showLog();

connectionPanel(client, PROJECT_ID);
themeSwitch();
