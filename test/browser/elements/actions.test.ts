/**
 * Acting on a run from its element (`actions`): the buttons a run's state allows, Cancel
 * confirmed in place, the `progress-action` event, the request through the page's client to the
 * reference server's own endpoints (carried out for the tests' scripted runs,
 * test/browser/scripted-actions.ts),
 * what the run's live events then say, refusals, keyboard use, axe in every state, and the token.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import '../../../src/index.js';
import type { TaskProgressElement, WorkflowTrackerElement } from '../../../src/index.js';
import type { ProgressActionEventDetail } from '../../../src/elements/index.js';
import { DOUBLE_CLICK_MS } from '../../../src/elements/shared/press-guard.js';
import { configureProgress, getProgressClient, resetProgress, type ProgressConfig } from '../../../src/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import type { RecordedAction } from '../scripted-actions.js';
import { liveText, part, parts, record, task, text, waitForStatus, workflow } from './support.js';

type Card = TaskProgressElement | WorkflowTrackerElement;

// Every module the page loads is listed (the default keeps 250 entries; the test page loads more).
performance.setResourceTimingBufferSize(100_000);

/** Whether a part is shown (a boolean, so that a failure prints no DOM node: printing one can stall the runner). */
const has = (el: Element, name: string) => part(el, name) !== null;
const button = (el: Element, action: string) => part(el, `action-${action}`) as HTMLButtonElement | null;
/** What the action buttons say, in order. */
const buttons = (el: Element) => parts(el, 'action').map((b) => text(b));
const names = (el: Element) => parts(el, 'action').map((b) => b.getAttribute('aria-label'));
const actionError = (el: Element) => text(el, '[part~="action-error"]');
/**
 * Moves the page's `performance.now()` past the double-click time, which the action bar counts
 * on: a click after it is a click of its own. Undone after each test.
 */
function afterDoubleClickTime(): void {
  const now = performance.now();
  const shift = DOUBLE_CLICK_MS + 100;
  const real = Object.getPrototypeOf(performance).now as () => number;
  const before = Object.prototype.hasOwnProperty.call(performance, 'now') ? performance.now : undefined;
  performance.now = () => (before ?? real).call(performance) + shift;
  if (performance.now() < now + shift) throw new Error('the clock did not move');
}
const realClock = (): void => void delete (performance as { now?: unknown }).now;

/** The action of the focused button inside the element ('none' when focus is elsewhere): compared as text, so that a failure prints no DOM node. */
const focused = (el: Element) => (el.shadowRoot!.activeElement as HTMLElement | null)?.dataset.action ?? 'none';

async function waitForButtons(el: Card, expected: string[], what = `buttons ${expected.join(', ')}`): Promise<void> {
  try {
    await waitFor(() => JSON.stringify(buttons(el)) === JSON.stringify(expected), what, 10000);
  } catch {
    throw new Error(`timed out waiting for ${what}; the buttons say ${JSON.stringify(buttons(el))}`);
  }
  await el.updateComplete;
}

describe('actions on a run (`actions`)', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.create({ actions: true });
  });
  after(() => server.dispose());

  afterEach(async () => {
    realClock();
    fixtureCleanup();
    resetProgress();
    await server.holdActions(false);
    await server.stall(false);
    await emulateMedia({ colorScheme: 'light' });
    document.documentElement.style.colorScheme = '';
  });

  function configure(on = server, extra: Partial<ProgressConfig> = {}): void {
    configureProgress({ url: on.apiBase, lingerTime: 50, persist: false, ...extra });
  }

  /** The action requests the server was sent for one path. */
  async function sent(path: string, on = server): Promise<RecordedAction[]> {
    return (await on.actionRequests()).filter((r) => r.url.split('?')[0]!.endsWith(path));
  }

  /** A task named "Nightly build", queued and started, followed by an element with `actions`. */
  async function runningTask(on = server, projectId = uniqueId('act')) {
    const t = task(projectId, 'nightly');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="nightly" actions></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await on.publish({ ...t.queued(), task: 'Nightly build' }, { ...t.started(), task: 'Nightly build' });
    await waitForStatus(el, 'Running');
    await waitForButtons(el, ['Cancel']);
    return { el, projectId, t, path: `/api/projects/${projectId}/tasks/nightly/cancel` };
  }

  /** An execution of "Release pipeline", running its first phase, followed by an element with `actions`. */
  async function runningWorkflow(projectId = uniqueId('act')) {
    const executionId = uniqueId('exec');
    const w = workflow(projectId, 'release', executionId, 3);
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id=${executionId} actions></workflow-tracker>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await server.publish({ ...w.created(), workflow: 'Release pipeline' }, w.started(), w.phaseStarted('build', 'Build'));
    await waitForStatus(el, 'Running');
    await waitForButtons(el, ['Pause', 'Cancel']);
    return { el, w, executionId, path: (action: string) => `/api/workflows/executions/${executionId}/${action}` };
  }

  it('offers nothing without `actions`, and the page loads no action code', async () => {
    configure();
    const projectId = uniqueId('act');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await server.publish(task(projectId, 't').started());
    // Shown after a connection and an event's round trip: an action module asked for at the
    // element's first render would be loaded by now.
    await waitForStatus(el, 'Running');
    const loaded = performance.getEntriesByType('resource').map((e) => e.name);
    expect(loaded.filter((name) => name.includes('/src/elements/shared/'))).not.to.deep.equal([]);
    expect(loaded.filter((name) => /action-bar|run-actions|run-action-request/.test(name))).to.deep.equal([]);

    // Another element with `actions` loads them: the one without still offers nothing.
    const other = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t" actions></task-progress>`);
    await waitForButtons(other, ['Cancel']);
    await el.updateComplete;
    expect(has(el, 'actions'), 'actions shown').to.equal(false);
    // With `actions` set later, its buttons come.
    el.actions = true;
    await waitForButtons(el, ['Cancel']);
  });

  it('cancels a running task: confirmed in place, one request, then `task_cancelled` shows and fires', async () => {
    configure();
    const { el, path } = await runningTask();
    const log = record<CustomEvent<ProgressActionEventDetail>>(el, 'progress-action', 'task-cancel');
    expect(names(el)).to.deep.equal(['Cancel Nightly build']);
    expect(button(el, 'cancel')?.tagName).to.equal('BUTTON');
    expect(button(el, 'cancel')!.type).to.equal('button');
    await expect(el).to.be.accessible();

    // The first press asks for confirmation, in place, with a way out; nothing is sent.
    button(el, 'cancel')!.click();
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Confirm cancel', 'Don’t cancel']);
    expect(names(el)).to.deep.equal(['Confirm cancel Nightly build', 'Don’t cancel Nightly build']);
    expect(liveText(el)).to.equal('Nightly build: Press Confirm cancel to cancel it, or Don’t cancel');
    expect(log.names()).to.deep.equal([]);
    await expect(el).to.be.accessible();

    // The second press: the event, then the request; the button says so until the run's event comes.
    button(el, 'cancel')!.click();
    expect(log.names()).to.deep.equal(['progress-action']);
    const detail = log.events[0]!.detail;
    expect(detail.action).to.equal('cancel');
    expect(detail.state.kind).to.equal('task');
    expect(detail.state.status).to.equal('running');
    expect(log.events[0]!.bubbles && log.events[0]!.composed && log.events[0]!.cancelable).to.equal(true);
    await waitForStatus(el, 'Cancelled');
    expect(log.names()).to.deep.equal(['progress-action', 'task-cancel']);
    expect(log.events[1]!.detail.state.status).to.equal('cancelled');
    // The run ended: no buttons.
    expect(has(el, 'actions'), 'actions shown').to.equal(false);
    expect(liveText(el)).to.equal('Nightly build: Cancelled');
    const requests = await sent(path);
    expect(requests.map((r) => [r.method, r.status])).to.deep.equal([['POST', 202]]);
    await expect(el).to.be.accessible();
  });

  it('says the request is on its way and takes no second press meanwhile; a double press sends one request', async () => {
    configure();
    const { el, path } = await runningTask();
    const log = record(el, 'progress-action');
    await server.holdActions(true);
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'cancel')!.click();
    await waitFor(async () => (await sent(path)).length === 1, 'the request to reach the server');
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Cancelling…']);
    expect(button(el, 'cancel')!.getAttribute('aria-disabled')).to.equal('true');
    expect(names(el)).to.deep.equal(['Cancelling… Nightly build']);
    expect(liveText(el)).to.equal('Nightly build: Cancelling…');
    // Still in the tab order, so that focus is not lost.
    expect(button(el, 'cancel')!.tabIndex).to.equal(0);
    await expect(el).to.be.accessible();

    // Pressed again, and again with the keyboard: nothing more is sent, nothing more is fired.
    button(el, 'cancel')!.click();
    button(el, 'cancel')!.focus();
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'Space' });
    expect(log.events.length).to.equal(1);

    await server.holdActions(false);
    await waitForStatus(el, 'Cancelled');
    expect((await sent(path)).map((r) => r.status)).to.deep.equal([202]);

    // A Pause clicked twice in a row (a double click) sends one request too.
    const { el: tracker, path: of } = await runningWorkflow();
    await server.holdActions(true);
    const pause = button(tracker, 'pause')!;
    // Pause took the place of Cancel as the run started: a click within the double-click time of
    // that is none of its own.
    afterDoubleClickTime();
    pause.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    pause.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 2 }));
    await waitFor(async () => (await sent(of('pause'))).length === 1, 'the pause request');
    await server.holdActions(false);
    await waitForStatus(tracker, 'Paused');
    expect((await sent(of('pause'))).map((r) => r.status)).to.deep.equal([202]);
  });

  it('takes the second click of a double click on Cancel for no confirmation, nor a click within the double-click time of its turning', async () => {
    configure();
    const { el } = await runningTask();
    const log = record(el, 'progress-action');
    const cancel = button(el, 'cancel')!;
    cancel.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    cancel.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 2 }));
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Confirm cancel', 'Don’t cancel']);
    expect(log.events.length).to.equal(0);
    // Nor does a click counted as a first one within the double-click time of the button turning.
    cancel.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    expect(log.events.length).to.equal(0);
    // A click of its own, after that time, confirms.
    afterDoubleClickTime();
    cancel.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    expect(log.events.length).to.equal(1);
    await waitForStatus(el, 'Cancelled');
  });

  it('backs out of the confirmation with Don’t cancel or Escape, and focus stays on Cancel', async () => {
    configure();
    const { el, path } = await runningTask();
    const log = record(el, 'progress-action');
    button(el, 'cancel')!.focus();
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'keep')!.focus();
    button(el, 'keep')!.click();
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Cancel']);
    expect(focused(el)).to.equal('cancel');

    button(el, 'cancel')!.click();
    await el.updateComplete;
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Cancel']);
    expect(focused(el)).to.equal('cancel');
    expect(liveText(el)).to.equal('Nightly build: Running');

    // Nothing was sent; the next confirmed press is the first request.
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'cancel')!.click();
    await waitForStatus(el, 'Cancelled');
    expect(log.events.length).to.equal(1);
    expect((await sent(path)).length).to.equal(1);
  });

  it('pauses and resumes a workflow, then cancels it: the buttons follow its live status', async () => {
    configure();
    const { el, path } = await runningWorkflow();
    const log = record<CustomEvent<ProgressActionEventDetail>>(el, 'progress-action');
    expect(names(el)).to.deep.equal(['Pause Release pipeline', 'Cancel Release pipeline']);
    await expect(el).to.be.accessible();

    // Pause: no confirmation; the button waits for the server's event.
    const toggle = button(el, 'pause')!;
    toggle.click();
    expect(log.events.map((e) => [e.detail.action, e.detail.state.status])).to.deep.equal([['pause', 'running']]);
    await waitForStatus(el, 'Paused');
    await waitForButtons(el, ['Resume', 'Cancel']);
    // The same button turned into Resume.
    expect(button(el, 'resume') === toggle, 'the same button').to.equal(true);
    expect(names(el)).to.deep.equal(['Resume Release pipeline', 'Cancel Release pipeline']);
    await expect(el).to.be.accessible();

    button(el, 'resume')!.click();
    await waitForStatus(el, 'Running');
    await waitForButtons(el, ['Pause', 'Cancel']);

    // A phase goes on as before.
    await server.publish(workflowOf(el).phaseCompleted('build', 'Build'));
    await waitFor(() => part(el, 'phase-completed') !== null, 'the phase to complete');

    // Cancel: confirmed; the execution ends and the buttons go.
    button(el, 'cancel')!.click();
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Pause', 'Confirm cancel', 'Don’t cancel']);
    await expect(el).to.be.accessible();
    button(el, 'cancel')!.click();
    await waitFor(() => part(el, 'actions') === null, 'the buttons to go');
    // The wire has no event of its own for a cancelled execution: it ends with
    // `workflow_execution_failed` marked `status: "cancelled"`, which the reducers read as cancelled.
    expect(text(el, '[part~="status"]')).to.equal('Cancelled');
    expect(has(el, 'error'), 'no error shown for a cancel').to.equal(false);
    expect(has(el, 'connection'), 'connection shown').to.equal(false);
    expect(log.events.map((e) => e.detail.action)).to.deep.equal(['pause', 'resume', 'cancel']);
    for (const action of ['pause', 'resume', 'cancel']) expect((await sent(path(action))).map((r) => r.status), action).to.deep.equal([202]);
    await expect(el).to.be.accessible();
  });

  /** The wire events of the execution an element follows. */
  function workflowOf(el: WorkflowTrackerElement) {
    return workflow(el.projectId!, 'release', el.executionId!, 3);
  }

  it('refused as unknown (404): the error is shown and announced, and the state stays', async () => {
    configure();
    const projectId = uniqueId('act');
    // A state the page set for a task the server has never heard of.
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="ghost" actions></task-progress>`);
    el.state = { projectId, taskId: 'ghost', name: 'Ghost task', status: 'queued', progress: 40 };
    await waitForButtons(el, ['Cancel']);
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'cancel')!.click();
    await waitFor(() => actionError(el) !== '', 'the error');
    expect(actionError(el)).to.equal('Could not cancel: the server does not know this run (unknown task)');
    expect(liveText(el)).to.equal('Ghost task: Could not cancel: the server does not know this run (unknown task)');
    expect(text(el, '[part~="status"]')).to.equal('Queued');
    expect(el.shadowRoot!.querySelector('[role="progressbar"]')!.getAttribute('aria-valuenow')).to.equal('40');
    // The button is there to try again.
    expect(buttons(el)).to.deep.equal(['Cancel']);
    expect((await sent(`/api/projects/${projectId}/tasks/ghost/cancel`)).map((r) => r.status)).to.deep.equal([404]);
    await expect(el).to.be.accessible();

    // The run's first live event: what the server says replaces it all, and the refusal is no longer news.
    await server.publish({ ...task(projectId, 'ghost').started(), task: 'Ghost task' });
    await waitForStatus(el, 'Running');
    expect(has(el, 'action-error'), 'action-error shown').to.equal(false);
    expect(liveText(el)).to.equal('Ghost task: Running');
    expect(buttons(el)).to.deep.equal(['Cancel']);
  });

  it('refused as too late (409): the error is shown, the state stays, and the run’s own event wins', async () => {
    configure();
    const { el, t, path } = await runningTask();
    // The task completes on the server while its event has not reached the page yet.
    await server.stall(true);
    await server.publish(t.completed());
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'cancel')!.click();
    await waitFor(() => actionError(el) !== '', 'the error');
    expect(actionError(el)).to.equal('Could not cancel: the run cannot do that now (the task is completed)');
    expect(liveText(el)).to.contain('Could not cancel');
    expect(text(el, '[part~="status"]')).to.equal('Running');
    expect(buttons(el)).to.deep.equal(['Cancel']);
    await expect(el).to.be.accessible();

    // The event arrives: what the server says happened is what the element shows.
    await server.stall(false);
    await waitForStatus(el, 'Completed');
    expect(has(el, 'actions'), 'actions shown').to.equal(false);
    expect(liveText(el)).to.equal('Nightly build: Completed');
    expect((await sent(path)).map((r) => r.status)).to.deep.equal([409]);
  });

  it('refused for its token (401): the error is shown and announced, the state stays', async () => {
    const guarded = await TestServer.create({ actions: true, token: 'tk-first' });
    try {
      configure(guarded, { getToken: () => 'tk-first', tokenTransport: 'message' });
      const { el, path } = await runningTask(guarded);
      // The server no longer takes the page's token (it expired).
      await guarded.setToken('tk-second');
      const changes = record(el, 'task-progress-change');
      button(el, 'cancel')!.click();
      await el.updateComplete;
      button(el, 'cancel')!.click();
      await waitFor(() => actionError(el) !== '', 'the error');
      expect(actionError(el)).to.equal('Could not cancel: not signed in, or the sign-in expired (the token was refused)');
      expect(liveText(el)).to.equal('Nightly build: Could not cancel: not signed in, or the sign-in expired (the token was refused)');
      expect(text(el, '[part~="status"]')).to.equal('Running');
      // The run's state did not move (a late snapshot of the same running run may still land).
      expect(changes.events.map((e) => (e as CustomEvent<{ state: { status: string } }>).detail.state.status).filter((s) => s !== 'running')).to.deep.equal([]);
      expect((await sent(path, guarded)).map((r) => [r.status, r.authorization])).to.deep.equal([[401, 'Bearer tk-first']]);
      await expect(el).to.be.accessible();

      // The next live event still wins, and clears what was said of the refusal once the status moves.
      await guarded.publish(task(el.projectId!, 'nightly').failed('out of memory'));
      await waitForStatus(el, 'Failed');
      expect(has(el, 'actions'), 'actions shown').to.equal(false);
    } finally {
      await guarded.dispose();
    }
  });

  it('unanswered past `actionTimeout`: says so, changes nothing, and the run’s own event then tells what happened', async () => {
    configure(server, { actionTimeout: 300 });
    const { el, path } = await runningWorkflow();
    await server.holdActions(true);
    button(el, 'pause')!.click();
    await waitFor(async () => (await sent(path('pause'))).length === 1, 'the pause request');
    await waitFor(() => actionError(el) !== '', 'the error', 10000);
    expect(actionError(el)).to.equal('Could not pause: no answer from the server in time; the run’s updates will tell whether it happened');
    expect(liveText(el).startsWith(`Release pipeline: ${actionError(el)}`), liveText(el)).to.equal(true);
    expect(text(el, '[part~="status"]')).to.equal('Running');
    expect(buttons(el)).to.deep.equal(['Pause', 'Cancel']);
    await expect(el).to.be.accessible();

    // The backend took it after all: its event is what the element shows.
    await server.holdActions(false);
    await waitForStatus(el, 'Paused');
    expect(has(el, 'action-error'), 'action-error shown').to.equal(false);
    await waitForButtons(el, ['Resume', 'Cancel']);
  });

  it('leaves the request to the page that calls preventDefault(): nothing is sent', async () => {
    configure();
    const { el, path } = await runningTask();
    const seen: ProgressActionEventDetail[] = [];
    const takeOver = (event: CustomEvent<ProgressActionEventDetail>) => {
      seen.push(event.detail);
      event.preventDefault();
    };
    document.body.addEventListener('progress-action', takeOver);
    try {
      button(el, 'cancel')!.click();
      await el.updateComplete;
      button(el, 'cancel')!.click();
      await el.updateComplete;
    } finally {
      document.body.removeEventListener('progress-action', takeOver);
    }
    expect(seen.map((d) => [d.action, d.state.status])).to.deep.equal([['cancel', 'running']]);
    // Nothing on its way: the button is ready again.
    expect(buttons(el)).to.deep.equal(['Cancel']);
    expect(button(el, 'cancel')!.hasAttribute('aria-disabled')).to.equal(false);

    // Then without the listener: the element sends. Only that one request reaches the server.
    button(el, 'cancel')!.click();
    await el.updateComplete;
    button(el, 'cancel')!.click();
    await waitForStatus(el, 'Cancelled');
    expect((await sent(path)).length).to.equal(1);
  });

  it('works with the keyboard alone: Tab to the buttons, Enter and Space to press, Escape to back out', async () => {
    configure();
    const projectId = uniqueId('act');
    const box = await fixture<HTMLDivElement>(html`<div>
      <button id="start">start</button>
      <workflow-tracker project-id=${projectId} workflow-id="release" actions></workflow-tracker>
      <button id="after">after</button>
    </div>`);
    const el = box.querySelector('workflow-tracker')!;
    const w = workflow(projectId, 'release', uniqueId('exec'), 3);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await server.publish({ ...w.created(), workflow: 'Release pipeline' }, w.started());
    await waitForButtons(el, ['Pause', 'Cancel']);
    box.querySelector<HTMLButtonElement>('#start')!.focus();

    await sendKeys({ press: 'Tab' });
    expect(focused(el)).to.equal('pause');
    await sendKeys({ press: 'Space' });
    await waitForStatus(el, 'Paused');
    await waitForButtons(el, ['Resume', 'Cancel']);
    // Focus stayed on the button, which now resumes.
    expect(focused(el)).to.equal('resume');
    await sendKeys({ press: 'Enter' });
    await waitForStatus(el, 'Running');
    await waitForButtons(el, ['Pause', 'Cancel']);

    await sendKeys({ press: 'Tab' });
    expect(focused(el)).to.equal('cancel');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Pause', 'Confirm cancel', 'Don’t cancel']);
    expect(focused(el)).to.equal('cancel');
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Pause', 'Cancel']);
    expect(focused(el)).to.equal('cancel');

    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    await sendKeys({ press: 'Tab' });
    expect(focused(el)).to.equal('keep');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(buttons(el)).to.deep.equal(['Pause', 'Cancel']);
    expect(focused(el)).to.equal('cancel');

    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    await sendKeys({ press: 'Enter' });
    await waitFor(() => part(el, 'actions') === null, 'the execution to end');
    // Past the element, Tab goes on in the page.
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement?.id).to.equal('after');
  });

  it('passes axe in the dark scheme too: ready, confirming, on its way and refused', async () => {
    document.documentElement.style.colorScheme = 'light dark';
    await emulateMedia({ colorScheme: 'dark' });
    configure();
    const { el } = await runningTask();
    await expect(el).to.be.accessible();
    button(el, 'cancel')!.click();
    await el.updateComplete;
    await expect(el).to.be.accessible();
    await server.holdActions(true);
    button(el, 'cancel')!.click();
    await el.updateComplete;
    await expect(el).to.be.accessible();
    // Refused: a page-set state of an unknown run.
    const ghost = await fixture<TaskProgressElement>(html`<task-progress project-id="nowhere" task-id="ghost" actions></task-progress>`);
    ghost.state = { projectId: 'nowhere', taskId: 'ghost', status: 'queued' };
    await waitForButtons(ghost, ['Cancel']);
    await server.holdActions(false);
    button(ghost, 'cancel')!.click();
    await ghost.updateComplete;
    button(ghost, 'cancel')!.click();
    await waitFor(() => actionError(ghost) !== '', 'the error');
    await expect(ghost).to.be.accessible();
  });

  it('sends the token only in the Authorization header: never in a URL, an attribute or a console line', async () => {
    const token = `tk-${uniqueId('secret')}`;
    const guarded = await TestServer.create({ actions: true, token });
    const lines: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    methods.forEach((m, i) => {
      console[m] = (...args: unknown[]) => {
        lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${String(a.cause ?? '')}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        originals[i]!.apply(console, args);
      };
    });
    try {
      configure(guarded, { token, tokenTransport: 'message' });
      const { el: first, path } = await runningTask(guarded);
      const { el: second, path: secondPath } = await runningTask(guarded);
      button(first, 'cancel')!.click();
      await first.updateComplete;
      button(first, 'cancel')!.click();
      await waitForStatus(first, 'Cancelled');
      // A refusal too (the server took another token meanwhile), and its error.
      await guarded.setToken('tk-other');
      button(second, 'cancel')!.click();
      await second.updateComplete;
      button(second, 'cancel')!.click();
      await waitFor(() => actionError(second) !== '', 'the error');
      const refusal = await getProgressClient()!.cancelTask(second.projectId!, 'nightly').catch((error: Error) => error);
      expect(refusal).to.be.instanceOf(Error);
      console.error('the refusal:', refusal);

      const requests = [...(await sent(path, guarded)), ...(await sent(secondPath, guarded))];
      expect(requests.map((r) => r.status)).to.deep.equal([202, 401, 401]);
      for (const r of requests) {
        expect(r.authorization).to.equal(`Bearer ${token}`);
        expect(r.url).not.to.contain(token);
      }
      // Every URL the page fetched (the REST reads, the actions).
      const urls = performance.getEntriesByType('resource').map((e) => e.name);
      expect(urls.filter((u) => u.includes(guarded.apiBase.replace(/\/api$/, '')))).not.to.deep.equal([]);
      expect(urls.filter((u) => u.includes(token))).to.deep.equal([]);
      // No attribute anywhere in the page or the elements' shadow roots, no text either.
      const attributes: string[] = [];
      const walk = (root: ParentNode) => {
        for (const node of root.querySelectorAll('*')) {
          for (const a of node.attributes) attributes.push(a.value);
          if (node.shadowRoot) walk(node.shadowRoot);
        }
      };
      walk(document);
      expect(attributes.filter((a) => a.includes(token))).to.deep.equal([]);
      for (const el of [first, second]) expect(el.shadowRoot!.textContent).not.to.contain(token);
      expect(lines.length).to.be.greaterThan(0);
      expect(lines.filter((l) => l.includes(token))).to.deep.equal([]);
      expect(String((refusal as Error).message)).not.to.contain(token);
    } finally {
      methods.forEach((m, i) => (console[m] = originals[i]!));
      await guarded.dispose();
    }
  });
});
