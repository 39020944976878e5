/**
 * Saves the README's screenshot of the demo: `npm start` at real speed, the page opened while the
 * background runs are under way (as a visitor would), then a task, a workflow and a container
 * started with the page's buttons.
 *
 *   npm run screenshot                 writes docs/demo.png
 *   npm run screenshot -- other.png    writes other.png
 */
import { openPage } from '../test/node/helpers/chromium.js';
import { demoUrl, interrupt, runStartScript } from '../test/node/helpers/start-script.js';

const target = process.argv[2] ?? 'docs/demo.png';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const script = runStartScript(['--port', '0', '--seed', '2024']);
try {
  const url = await demoUrl(script);
  await pause(8000);
  const page = await openPage(url, { width: 1280, height: 1000 });
  try {
    await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to connect');
    await pause(6000);
    for (const kind of ['task', 'workflow', 'container']) await page.evaluate(`document.querySelector('button[data-start=${kind}]').click()`);
    await pause(6000);
    await page.screenshot(target);
    console.log(`wrote ${target}`);
  } finally {
    await page.close();
  }
} finally {
  await interrupt(script);
}
