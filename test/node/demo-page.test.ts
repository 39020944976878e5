/**
 * The demo page in Chromium, as a visitor uses it: start runs with the buttons and see each end
 * in its element, cut the connection and see it come back, switch the theme.
 * With `DEMO_SCREENSHOT=docs/demo.png`, a second test saves a screenshot of the page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasChromium, openPage, type Page } from './helpers/chromium.js';
import { demoUrl, interrupt, runStartScript } from './helpers/start-script.js';

const ENDS = {
  task: ['Completed', 'Failed', 'Cancelled'],
  workflow: ['Completed', 'Failed'],
  container: ['Stopped', 'Error'],
};

const statusOf = (selector: string) => `document.querySelector('${selector}')?.shadowRoot?.querySelector('[part=status]')?.textContent`;
const click = (page: Page, selector: string) => page.evaluate(`document.querySelector('${selector}').click()`);
const text = (page: Page, selector: string) => page.evaluate<string>(`document.querySelector('${selector}')?.textContent ?? ''`);

test('the demo page: runs started with the buttons end in their elements; the connection recovers; themes apply', { skip: !hasChromium() && 'no Chromium' }, async (t) => {
  const script = runStartScript(['--port', '0', '--speed', '4']);
  t.after(() => interrupt(script));
  const page = await openPage(await demoUrl(script));
  t.after(() => page.close());

  await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to connect');
  await page.waitFor(`Number(document.querySelector('#server-sockets').textContent) === 1`, 'one socket for the whole page');

  for (const [kind, selector, idProperty] of [
    ['task', '#featured-task', 'taskId'],
    ['workflow', '#featured-workflow', 'executionId'],
    ['container', '#featured-container', 'containerId'],
  ] as const) {
    const before = await page.evaluate<string | null>(`document.querySelector('${selector}').${idProperty} ?? null`);
    await click(page, `button[data-start=${kind}]`);
    await page.waitFor(`(document.querySelector('${selector}').${idProperty} ?? null) !== ${JSON.stringify(before)}`, `the new ${kind} in ${selector}`);
    await page.waitFor(`${JSON.stringify(ENDS[kind])}.includes(${statusOf(selector)})`, `the ${kind} to end`, 30000);
    const status = await page.evaluate<string>(statusOf(selector));
    if (kind !== 'container' && status === 'Completed') {
      const now = await page.evaluate(`document.querySelector('${selector}').shadowRoot.querySelector('[role=progressbar]').getAttribute('aria-valuenow')`);
      assert.equal(now, '100', `a completed ${kind} shows a full bar`);
    }
  }
  const subscriptions = Number(await text(page, '#subscriptions'));
  assert.ok(subscriptions >= 8, `the elements subscribe over the one socket (${subscriptions})`);

  // Cut the connection: the page sees it, tries again, and recovers.
  await click(page, '#drop');
  await page.waitFor(`['reconnecting', 'connecting'].includes(document.querySelector('#connection-state').textContent)`, 'the page to notice', 5000);
  await page.waitFor(
    `[...document.querySelectorAll('task-progress, workflow-tracker, container-status')].some((e) => e.shadowRoot.querySelector('[part=connection]'))`,
    'an element to say it is not live',
    5000,
  );
  await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to reconnect', 20000);
  await page.waitFor(`Number(document.querySelector('#server-sockets').textContent) === 1`, 'one socket again');
  assert.match(await text(page, '#connection-log'), /reconnect attempt 1/);

  // Themes: custom properties and parts.
  await click(page, 'input[name=theme][value=ocean]');
  assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('#featured-task')).getPropertyValue('--progress-color').trim()`), '#00838f');
  assert.equal(
    await page.evaluate(`getComputedStyle(document.querySelector('#featured-task').shadowRoot.querySelector('[part=label]')).textTransform`),
    'uppercase',
  );
  assert.match(await text(page, '#theme-css'), /::part\(label\)/);
  await click(page, 'input[name=theme][value=default]');
  assert.match(await text(page, '#theme-css'), /No rules/);
});

test('a screenshot of the demo at real speed', { skip: !process.env.DEMO_SCREENSHOT && 'set DEMO_SCREENSHOT=path.png' }, async (t) => {
  const script = runStartScript(['--port', '0', '--seed', '2024']);
  t.after(() => interrupt(script));
  const page = await openPage(await demoUrl(script));
  t.after(() => page.close());
  await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to connect');
  await new Promise((resolve) => setTimeout(resolve, 12000));
  for (const kind of ['task', 'workflow', 'container']) await click(page, `button[data-start=${kind}]`);
  await new Promise((resolve) => setTimeout(resolve, 6000));
  await page.screenshot(process.env.DEMO_SCREENSHOT!);
});
