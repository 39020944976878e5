// The page's own script. It uses only what the CDN file exposes on window.ProgressElements, so it
// runs after either build: the ES module (cdn-module.html) or the classic script (cdn-classic.html).
const { configureProgress, initialTaskState, reduceTask, initialContainerState, reduceContainer } = window.ProgressElements;

const url = new URLSearchParams(location.search).get('ws');
if (url) window.progressClient = configureProgress({ url });

const at = new Date().toISOString();
const region = document.getElementById('progress');
const markup = region.innerHTML;
const log = document.getElementById('log');
const toggle = document.getElementById('toggle');

/** Ids come from the markup (attributes); the states are given as properties. */
function show() {
  region.innerHTML = markup;
  region.querySelector('task-progress').state = reduceTask(initialTaskState('p1', 't1'), {
    type: 'step_progress', projectId: 'p1', taskId: 't1', stepId: 's1', step: 'Compile', status: 'running', progress: 25, timestamp: at,
  });
  const created = reduceContainer(initialContainerState('p1', 'c1'), { type: 'container_created', projectId: 'p1', containerId: 'c1', image: 'node:20', timestamp: at });
  region.querySelector('container-status').state = reduceContainer(created, { type: 'container_started', projectId: 'p1', containerId: 'c1', timestamp: at });
}

for (const name of ['task-complete', 'workflow-complete']) {
  region.addEventListener(name, (event) => {
    log.textContent = `${log.textContent} ${event.type}:${event.detail.state.status}`.trim();
  });
}

toggle.addEventListener('click', () => {
  const shown = region.childElementCount > 0;
  if (shown) region.replaceChildren();
  else show();
  toggle.textContent = shown ? 'Show' : 'Hide';
});

show();
