/**
 * The demo page in Chromium, as a visitor uses it: start runs with the buttons and see each end
 * in its element, cut the connection and see it come back, switch the theme.
 * The page at a phone's width and a desktop's, light and dark, joined while runs are under way:
 * nothing wider than the screen, every button reachable, no part of a card outside it (the
 * screenshots go to `DEMO_SCREENSHOTS=<dir>` when it is set, to be looked at).
 * The README's screenshot of the page is saved by `npm run screenshot` (scripts/demo-screenshot.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasChromium, openPage, type Page } from './helpers/chromium.js';
import { demoUrl, interrupt, runStartScript } from './helpers/start-script.js';
import { DOUBLE_CLICK_MS } from '../../src/elements/shared/press-guard.js';

/**
 * A button that has just come or changed (Cancel becomes Pause as a run starts) takes no click for
 * DOUBLE_CLICK_MS, as the second click of a double click: a reader's click comes after it is seen.
 */
const readerPause = () => new Promise((resolve) => setTimeout(resolve, DOUBLE_CLICK_MS + 100));

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

  // A run held open (a paused workflow), so that its element has something that could go stale.
  const workflow = '#featured-workflow';
  const pause = `document.querySelector('${workflow}').shadowRoot.querySelector('[part~=action-pause]')`;
  const offered = `!!${pause} && ${pause}.getAttribute('aria-disabled') !== 'true'`;
  // The simulator's runs end at random: one that ended while the reader looked at it (its Pause
  // gone) is followed by another.
  for (let attempt = 1; ; attempt++) {
    const held = await page.evaluate<string | null>(`document.querySelector('${workflow}').executionId ?? null`);
    await click(page, 'button[data-start=workflow]');
    await page.waitFor(`(document.querySelector('${workflow}').executionId ?? null) !== ${JSON.stringify(held)}`, 'a new workflow');
    await page.waitFor(offered, 'Pause offered');
    await readerPause();
    if (await page.evaluate<boolean>(offered)) break;
    assert.ok(attempt < 5, 'five new workflows in a row ended before they could be paused');
  }
  await page.evaluate(`${pause}.click()`);
  await page.waitFor(`${statusOf(workflow)} === 'Paused'`, 'the workflow paused');
  const connectionOf = `document.querySelector('${workflow}').shadowRoot.querySelector('[part=connection]')?.dataset.connection`;
  assert.equal(await page.evaluate(connectionOf), 'live');

  // Cut the connection: the page sees it, the open run's element says it is not live, and both recover.
  await click(page, '#drop');
  await page.waitFor(`['reconnecting', 'connecting'].includes(document.querySelector('#connection-state').textContent)`, 'the page to notice', 5000);
  await page.waitFor(`${connectionOf} !== 'live'`, 'the paused workflow to say it is not live', 5000);
  // The outage lasts 3 s; the attempts back off (with jitter) from 1 s and go on over a stream after three.
  await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to reconnect', 30000);
  await page.waitFor(`Number(document.querySelector('#server-sockets').textContent) === 1`, 'one socket again');
  assert.match(await text(page, '#connection-log'), /reconnect attempt 1/);
  await page.waitFor(`${connectionOf} === 'live'`, 'the paused workflow live again');

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

test('the demo page: the featured task and workflow take Cancel, Pause and Resume, carried out by the simulator', { skip: !hasChromium() && 'no Chromium' }, async (t) => {
  const script = runStartScript(['--port', '0', '--speed', '1']);
  t.after(() => interrupt(script));
  const page = await openPage(await demoUrl(script));
  t.after(() => page.close());
  await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to connect');
  const action = (selector: string, name: string) => `document.querySelector('${selector}').shadowRoot.querySelector('[part~=action-${name}]')`;
  // The simulator's own plan may pause and resume a run at any time: an action that went while the
  // reader looked at it is pressed once it is offered again, and stays so for the reader's pause.
  const press = async (selector: string, name: string) => {
    const offered = `!!${action(selector, name)} && ${action(selector, name)}.getAttribute('aria-disabled') !== 'true'`;
    for (;;) {
      await page.waitFor(offered, `${name} offered in ${selector}`, 30000);
      await readerPause();
      if (await page.evaluate<boolean>(offered)) break;
    }
    await page.evaluate(`${action(selector, name)}.click()`);
  };
  const errorOf = (selector: string) => `document.querySelector('${selector}').shadowRoot.querySelector('[part~=action-error]')?.textContent ?? ''`;

  // A new execution: paused, resumed, then cancelled (confirmed in place).
  const workflow = '#featured-workflow';
  const before = await page.evaluate<string | null>(`document.querySelector('${workflow}').executionId ?? null`);
  await click(page, 'button[data-start=workflow]');
  await page.waitFor(`(document.querySelector('${workflow}').executionId ?? null) !== ${JSON.stringify(before)}`, 'the new execution');
  await press(workflow, 'pause');
  await page.waitFor(`${statusOf(workflow)} === 'Paused'`, 'the execution paused');
  assert.equal(await page.evaluate(errorOf(workflow)), '', 'the pause was taken');
  await press(workflow, 'resume');
  await page.waitFor(`${statusOf(workflow)} === 'Running'`, 'the execution running again');
  assert.equal(await page.evaluate(errorOf(workflow)), '', 'the resume was taken');
  await press(workflow, 'cancel');
  await press(workflow, 'cancel');
  await page.waitFor(`${statusOf(workflow)} === 'Cancelled'`, 'the execution cancelled');
  assert.equal(await page.evaluate(errorOf(workflow)), '', 'no request was refused');

  // A new task, cancelled.
  const task = '#featured-task';
  const taskBefore = await page.evaluate<string | null>(`document.querySelector('${task}').taskId ?? null`);
  await click(page, 'button[data-start=task]');
  await page.waitFor(`(document.querySelector('${task}').taskId ?? null) !== ${JSON.stringify(taskBefore)}`, 'the new task');
  await press(task, 'cancel');
  await press(task, 'cancel');
  await page.waitFor(`${statusOf(task)} === 'Cancelled'`, 'the task cancelled');
  assert.equal(await page.evaluate(errorOf(task)), '', 'no request was refused');
});

/** What is wrong with the layout of the page as shown: overflow, unreachable buttons, parts outside their card. */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
  for (const el of document.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) problems.push((el.id || el.localName) + ' ends at ' + Math.round(r.right) + ' px, past the screen');
  }
  for (const button of document.querySelectorAll('button, input[type=radio]')) {
    button.scrollIntoView({ block: 'center' });
    const r = button.getBoundingClientRect();
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!(at === button || button.contains(at) || (at && at.control === button) || (at && at.contains(button)))) problems.push('cannot reach ' + (button.textContent.trim() || button.value));
  }
  for (const card of document.querySelectorAll('task-progress, workflow-tracker, container-status')) {
    const box = card.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const part of card.shadowRoot.querySelectorAll('[part]')) {
      const r = part.getBoundingClientRect();
      // The indeterminate indicator slides through its bar, which clips it.
      if (r.width > 0 && !part.matches('[part~=indicator]') && (r.left < box.left - 0.5 || r.right > box.right + 0.5)) problems.push(card.localName + ' ' + part.getAttribute('part') + ' outside its card');
      if (part.scrollWidth > part.clientWidth + 1 && getComputedStyle(part).overflowX !== 'visible' && !part.matches('[part~=connection]')) problems.push(card.localName + ' ' + part.getAttribute('part') + ' clipped');
    }
  }
  window.scrollTo(0, 0);
  return problems;
})()`;

test('the demo at 390 px and 1280 px, light and dark, joined while runs are under way: nothing wider than the screen, every button reachable', { skip: !hasChromium() && 'no Chromium' }, async (t) => {
  const script = runStartScript(['--port', '0', '--seed', '7', '--speed', '3']);
  t.after(() => interrupt(script));
  const url = await demoUrl(script);
  // Runs start as the server does: the page joins them late.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const dir = process.env.DEMO_SCREENSHOTS;
  if (dir) mkdirSync(dir, { recursive: true });
  for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
    const page = await openPage(url, size);
    try {
      await page.waitFor(`document.querySelector('#connection-state').textContent === 'connected'`, 'the page to connect');
      await page.waitFor(`[...document.querySelectorAll('task-progress, workflow-tracker')].filter((e) => e.state).length >= 3`, 'runs to show', 20000);
      for (const theme of ['default', 'dark']) {
        await click(page, `input[name=theme][value=${theme}]`);
        if (dir) await page.screenshot(join(dir, `demo-${size.width}-${theme}.png`));
        assert.deepEqual(await page.evaluate<string[]>(LAYOUT_PROBLEMS), [], `${size.width} px, ${theme}`);
      }
      // The cards are light or dark with the page, not with the system.
      assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('#featured-task')).colorScheme`), 'dark');
      await click(page, 'input[name=theme][value=ocean]');
      assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('#featured-task')).colorScheme`), 'light');
    } finally {
      await page.close();
    }
  }
});
