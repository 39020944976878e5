import { expect, fixture, html } from '@open-wc/testing';
import '../../../src/elements/define/task-progress.js';
import { initialTaskState, type TaskState } from '../../../src/client/index.js';
import type { TaskProgressElement } from '../../../src/elements/index.js';
import { getProgressClient, resetProgress, resetProgressStrings, setProgressStrings } from '../../../src/elements/index.js';
import { uniqueId, waitFor } from '../helpers/progress-server.js';
import { liveText, MARKUP, onSharedServer, part, parts, progressbar, record, task, text, ts, waitForStatus, waitForText } from './support.js';

describe('<task-progress>', () => {
  const shared = onSharedServer();

  afterEach(() => resetProgressStrings());

  async function follow(projectId: string, taskId: string, extra = html``) {
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id=${taskId} output-lines="5">${extra}</task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await waitFor(() => !part(el, 'connection'), 'the connection notice to go', 10000);
    return el;
  }

  it('follows a completed run from the server: every step status, output, artifacts, ARIA and events', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'build-42');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="build-42" output-lines="5"></task-progress>`);
    const log = record<CustomEvent<{ state: TaskState }>>(el, 'task-progress-change', 'task-complete', 'task-fail', 'task-cancel');

    // Connecting, then waiting: named, indeterminate bar.
    expect(text(el, '[part~="label"]')).to.equal('Task build-42');
    expect(text(el, '[part~="status"]')).to.equal('Connecting…');
    expect(el.shadowRoot!.querySelector('[role="group"]')!.getAttribute('aria-label')).to.equal('Task build-42');
    const bar = progressbar(el);
    expect(bar.getAttribute('aria-label')).to.equal('Task build-42');
    expect(bar.getAttribute('aria-valuemin')).to.equal('0');
    expect(bar.getAttribute('aria-valuemax')).to.equal('100');
    expect(bar.hasAttribute('aria-valuenow')).to.equal(false);
    await expect(el).to.be.accessible();
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await waitForStatus(el, 'Waiting for events');

    await shared().publish(t.queued());
    await waitForStatus(el, 'Queued');
    expect(liveText(el)).to.equal('Task build-42: Queued');

    // Running without a percent: indeterminate.
    await shared().publish(t.started());
    await waitForStatus(el, 'Running');
    expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('Running');
    expect(progressbar(el).hasAttribute('data-busy')).to.equal(true);
    await expect(el).to.be.accessible();

    await shared().publish(
      t.step('checkout', 'completed', { progress: 10, message: 'cloned repository' }),
      t.step('build', 'running', { progress: 40, message: 'compiling 12 files' }),
      t.step('lint', 'pending'),
      t.output('npm run build\n> tsc -p .\n'),
      t.artifact('dist/app.js', 'file', 2048),
    );
    await waitForText(el, 'dist/app.js');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('40');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('40%, Running, build');
    const steps = parts(el, 'step');
    expect(steps.map((s) => text(s))).to.deep.equal(['checkout Completed cloned repository', 'build Running compiling 12 files', 'lint Pending']);
    expect(steps.map((s) => s.getAttribute('aria-current'))).to.deep.equal([null, 'step', null]);
    expect(part(el, 'step-current')).to.equal(steps[1]);
    expect(text(el, '[part~="steps"]')).to.contain('build');
    expect(part(el, 'steps')!.tagName).to.equal('OL');
    expect(text(el, '[part~="output"]')).to.equal('npm run build > tsc -p .');
    expect(text(el, '[part~="artifact"]')).to.equal('dist/app.js file, 2 kB');
    expect(text(el, '[part~="time"]')).to.match(/^Elapsed \d+ sec$/);
    expect(liveText(el)).to.match(/^Task build-42: Running(, build)?$/);
    await expect(el).to.be.accessible();

    // A new percent alone is not announced.
    await waitFor(() => liveText(el) === 'Task build-42: Running, build', 'the step to be announced', 5000);
    await shared().publish(t.step('build', 'running', { progress: 55 }));
    await waitFor(() => progressbar(el).getAttribute('aria-valuenow') === '55', 'percent 55');
    expect(liveText(el)).to.equal('Task build-42: Running, build');

    await shared().publish(
      t.step('build', 'completed', { progress: 70 }),
      t.step('lint', 'skipped', { message: 'no linter configured' }),
      t.step('test', 'failed', { message: '1 test failed, retrying' }),
      t.step('test', 'running', { progress: 90 }),
      t.output('all tests passed\n'),
    );
    await waitForText(el, 'all tests passed');
    expect(parts(el, 'step').map((s) => s.dataset.status)).to.deep.equal(['completed', 'completed', 'skipped', 'running']);
    expect(parts(el, 'step-skipped')).to.have.length(1);
    await waitFor(() => liveText(el) === 'Task build-42: Running, test', 'the new step to be announced', 5000);

    await shared().publish(t.step('test', 'completed', { progress: 100 }), t.completed(61500));
    await waitForStatus(el, 'Completed');
    expect(text(el, '[part~="status"]')).to.equal('Completed');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('100');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('100%, Completed');
    expect(text(el, '[part~="time"]')).to.equal('Took 1 min, 1 sec');
    expect(el.shadowRoot!.querySelector('[aria-current]')).to.equal(null);
    expect(liveText(el)).to.equal('Task build-42: Completed');
    expect(el.state?.status).to.equal('completed');
    await expect(el).to.be.accessible();

    expect(log.names().filter((n) => n === 'task-complete')).to.have.length(1);
    expect(log.names()).not.to.include('task-fail');
    expect(log.names()).not.to.include('task-cancel');
    expect(log.names().filter((n) => n === 'task-progress-change').length).to.be.greaterThan(3);
    const complete = log.events.find((e) => e.type === 'task-complete')!;
    expect(complete.bubbles).to.equal(true);
    expect(complete.composed).to.equal(true);
    expect(complete.detail.state.status).to.equal('completed');
    expect(complete.detail.state.duration).to.equal(61500);
  });

  it('shows a failed run: error, the percent reached, task-fail', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await follow(projectId, 't');
    const log = record<CustomEvent<{ error?: string }>>(el, 'task-fail', 'task-complete');
    await shared().publish(t.started(), t.step('deploy', 'running', { progress: 30 }), t.step('deploy', 'failed', { message: 'permission denied' }), t.failed('exit status 2'));
    await waitForStatus(el, 'Failed');
    expect(text(el, '[part~="error"]')).to.equal('Error: exit status 2');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('30');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('30%, Failed');
    expect(text(el, '[part~="step-failed"]')).to.equal('deploy Failed permission denied');
    expect(liveText(el)).to.equal('Task t: Failed');
    await expect(el).to.be.accessible();
    expect(log.names()).to.deep.equal(['task-fail']);
    expect(log.events[0]!.detail.error).to.equal('exit status 2');
  });

  it('shows a completion whose duration is too long for Intl.DurationFormat', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await follow(projectId, 't');
    const log = record(el, 'task-complete');
    await shared().publish(t.started());
    await waitForStatus(el, 'Running');
    await shared().publish(t.completed(1e19));
    await waitForStatus(el, 'Completed');
    expect(text(el, '[part~="time"]')).to.match(/^Took 2,777,777,777,777\s*hr/);
    expect(log.names()).to.deep.equal(['task-complete']);
  });

  it('shows a cancelled run and fires task-cancel', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await follow(projectId, 't');
    const log = record(el, 'task-cancel', 'task-complete', 'task-fail');
    await shared().publish(t.queued(), t.cancelled());
    await waitForStatus(el, 'Cancelled');
    expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
    expect(progressbar(el).hasAttribute('data-busy')).to.equal(false);
    await expect(el).to.be.accessible();
    expect(log.names()).to.deep.equal(['task-cancel']);
  });

  it('renders server text as text: step names, messages, output, artifact paths, errors', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await follow(projectId, 't');
    await shared().publish(
      t.started(),
      t.step(MARKUP, 'running', { message: MARKUP, progress: 5 }),
      t.output(`${MARKUP}\n`),
      t.artifact(MARKUP, MARKUP, 1),
      t.failed(MARKUP),
    );
    await waitForStatus(el, 'Failed');
    const root = el.shadowRoot!;
    expect(root.querySelectorAll('img, b')).to.have.length(0);
    expect(text(el, '[part~="step"]')).to.contain(MARKUP);
    expect(text(el, '[part~="output"]')).to.equal(MARKUP);
    expect(text(el, '[part~="artifact"]')).to.contain(MARKUP);
    expect(text(el, '[part~="error"]')).to.equal(`Error: ${MARKUP}`);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('keeps a bounded output tail and says how many earlier lines were dropped', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t" output-lines="3"></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await shared().publish(t.started(), t.output(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n'));
    await waitForText(el, 'line 10');
    expect(el.shadowRoot!.querySelector('[part~="output"]')!.textContent).to.equal('line 8\nline 9\nline 10');
    expect(text(el)).to.contain('7 earlier lines not shown');
    await shared().publish(t.output('line 11\n'));
    await waitForText(el, 'line 11');
    expect(text(el)).to.contain('8 earlier lines not shown');
    el.outputLines = 10;
    await el.updateComplete;
    expect(text(el)).to.contain('1 earlier line not shown');
    expect(text(el, '[part~="heading"]')).to.equal('Output');
    expect(el.shadowRoot!.querySelector('section:has([part~="output"])')!.getAttribute('aria-labelledby')).to.equal(part(el, 'heading')!.id);
    el.outputLines = 0;
    await el.updateComplete;
    expect(part(el, 'output')).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('renders a state set by the app, without ids and without any socket', async () => {
    resetProgress();
    const el = await fixture<TaskProgressElement>(html`<task-progress label="Nightly build"></task-progress>`);
    el.state = {
      ...initialTaskState('p', 'nightly'),
      status: 'running',
      progress: 62.4,
      startedAt: ts(-65000),
      currentStepId: 'b',
      steps: [
        { id: 'a', name: 'fetch', status: 'completed' },
        { id: 'b', name: 'compile', status: 'running', message: 'module 5 of 8' },
      ],
    };
    await el.updateComplete;
    expect(text(el, '[part~="label"]')).to.equal('Nightly build');
    expect(progressbar(el).getAttribute('aria-label')).to.equal('Nightly build');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('62');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('62%, Running, compile');
    expect(text(el, '[part~="time"]')).to.match(/^Elapsed 1 min, [5-9] sec$/);
    expect(part(el, 'step-current')!.textContent).to.contain('compile');
    // A state the page set, on an element that follows nothing, cannot go out of date.
    expect(part(el, 'connection') === null).to.equal(true);
    expect(getProgressClient()).to.equal(undefined);
    await expect(el).to.be.accessible();

    el.state = { ...el.state, status: 'completed', progress: 100, currentStepId: undefined, duration: 90000 };
    await el.updateComplete;
    expect(text(el, '[part~="time"]')).to.equal('Took 1 min, 30 sec');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('100');
  });

  it('shows an app-set state until live events replace it', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    el.state = { ...initialTaskState(projectId, 't'), status: 'queued' };
    await el.updateComplete;
    expect(text(el, '[part~="status"]')).to.equal('Queued');
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await shared().publish(t.started(), t.step('compile', 'running', { progress: 20 }));
    await waitForText(el, 'compile');
    expect(text(el, '[part~="status"]')).to.equal('Running');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('20');
  });

  it('has a compact layout: status, bar and the current step only', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await follow(projectId, 't');
    el.layout = 'compact';
    await shared().publish(t.started(), t.step('a', 'completed'), t.step('compile', 'running', { progress: 50, message: 'half way' }), t.artifact('x.bin', 'file'));
    await waitForText(el, 'half way');
    expect(el.getAttribute('layout')).to.equal('compact');
    expect(text(el, '[part~="message"]')).to.equal('compile: half way');
    expect(part(el, 'steps')).to.equal(null);
    expect(part(el, 'artifacts')).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('keeps the elapsed time moving while the task runs', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    el.state = { ...initialTaskState('p', 't'), status: 'running', startedAt: ts(-5000) };
    await el.updateComplete;
    const first = text(el, '[part~="time"]');
    expect(first).to.match(/^Elapsed [5-9] sec$/);
    await waitFor(() => text(el, '[part~="time"]') !== first, 'the elapsed time to move', 4000);
  });

  it('takes its words from setProgressStrings() and its strings property, numbers from Intl', async () => {
    setProgressStrings({ locale: 'de-DE', taskStatus: { waiting: 'Warten', queued: 'Wartend', running: 'Läuft', completed: 'Fertig', failed: 'Fehlgeschlagen', cancelled: 'Abgebrochen' } });
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    el.state = {
      ...initialTaskState('p', 't'),
      status: 'running',
      progress: 40,
      artifacts: [{ path: 'out.tar', type: 'archive', size: 1_234_567 }],
    };
    await el.updateComplete;
    expect(text(el, '[part~="status"]')).to.equal('Läuft');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.match(/^40\s%, Läuft$/);
    expect(text(el, '[part~="artifact"]')).to.match(/1,2\sMB/);

    el.strings = { taskStatus: { ...el.strings?.taskStatus!, running: 'En cours' } as never, taskLabel: (id) => `Tâche ${id}` };
    await el.updateComplete;
    expect(text(el, '[part~="status"]')).to.equal('En cours');
    expect(text(el, '[part~="label"]')).to.equal('Tâche t');

    // A global change re-renders live elements.
    el.strings = undefined;
    await el.updateComplete;
    setProgressStrings({ taskStatus: { waiting: 'W', queued: 'Q', running: 'R', completed: 'C', failed: 'F', cancelled: 'X' } });
    await waitFor(() => text(el, '[part~="status"]') === 'R', 'the new strings');
  });
});
