/**
 * A step or phase the server last said was running, in a run that is over, runs no more, and one
 * still pending will not start: the cards never show them as running or pending (nor a time as
 * still counting). They say what they know: the run was cancelled, or it ended; the stage did not run.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../../src/elements/define/task-progress.js';
import '../../../src/elements/define/workflow-tracker.js';
import type { TaskProgressElement, WorkflowTrackerElement } from '../../../src/elements/index.js';
import { DEFAULT_STRINGS, getProgressClient } from '../../../src/elements/index.js';
import { uniqueId, waitFor } from '../helpers/progress-server.js';
import { nextFrame, onSharedServer, parts, task, ts, waitForStatus, workflow } from './support.js';

const statuses = (el: Element, name: string) => parts(el, name).map((p) => [p.dataset.status, p.querySelector('.stage-status')?.textContent?.trim()]);

describe('steps and phases of a run that is over', () => {
  const shared = onSharedServer();

  /** Events are published once the element's socket is there to hear them. */
  const connected = (projectId: string) => waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);

  it('a task cancelled while a step ran: that step shows Cancelled, not Running', async () => {
    const projectId = uniqueId('p');
    const taskId = uniqueId('t');
    const t = task(projectId, taskId);
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id=${taskId}></task-progress>`);
    await connected(projectId);
    await shared().publish(t.started(), t.step('build', 'completed'), t.step('test', 'running', { message: 'suite 3 of 9' }));
    await waitFor(() => parts(el, 'step').length === 2 && parts(el, 'step-running').length === 1, 'the step running');
    expect(statuses(el, 'step')).to.deep.equal([
      ['completed', 'Completed'],
      ['running', 'Running'],
    ]);
    await shared().publish(t.cancelled());
    await waitForStatus(el, 'Cancelled');
    expect(statuses(el, 'step')).to.deep.equal([
      ['completed', 'Completed'],
      ['cancelled', 'Cancelled'],
    ]);
    expect(parts(el, 'step-cancelled')).to.have.length(1);
    expect(parts(el, 'step-running')).to.have.length(0);
  });

  it("a page's translated steps, given whole before these words existed: a cut step says the run's own word for cancelled", async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    el.strings = {
      stepStatus: { pending: 'Ausstehend', running: 'Läuft', completed: 'Fertig', failed: 'Fehlgeschlagen', skipped: 'Übersprungen' },
      taskStatus: { ...DEFAULT_STRINGS.taskStatus, cancelled: 'Abgebrochen' },
    };
    el.state = { taskId: 't', status: 'cancelled', steps: [{ id: 'a', name: 'Fetch', status: 'running' }] };
    await nextFrame(el);
    expect(statuses(el, 'step')).to.deep.equal([['cancelled', 'Abgebrochen']]);
  });

  it('a task that failed or completed with a step left running: that step shows Ended; one still pending: Not run', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    for (const status of ['failed', 'completed'] as const) {
      el.state = { taskId: 't', status, steps: [{ id: 'a', name: 'Fetch', status: 'running' }, { id: 'b', name: 'Build', status: 'pending' }] };
      await nextFrame(el);
      expect(statuses(el, 'step'), status).to.deep.equal([
        ['ended', 'Ended'],
        ['not-run', 'Not run'],
      ]);
    }
    // While the task runs, a step to come is pending.
    el.state = { taskId: 't', status: 'running', steps: [{ id: 'a', name: 'Fetch', status: 'running' }, { id: 'b', name: 'Build', status: 'pending' }] };
    await nextFrame(el);
    expect(statuses(el, 'step')).to.deep.equal([
      ['running', 'Running'],
      ['pending', 'Pending'],
    ]);
  });

  it('an execution that completed with a phase left running (its end was missed): the phase shows Ended, with no time counting', async () => {
    const projectId = uniqueId('p');
    const executionId = uniqueId('exec');
    const w = workflow(projectId, 'release', executionId, 2);
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id=${executionId}></workflow-tracker>`);
    await connected(projectId);
    await shared().publish(w.started(), w.phaseStarted('a', 'Plan'));
    await waitFor(() => parts(el, 'phase-running').length === 1, 'the phase running');
    expect(statuses(el, 'phase')).to.deep.equal([['running', 'Running']]);
    await shared().publish(w.completed());
    await waitForStatus(el, 'Completed');
    expect(statuses(el, 'phase')).to.deep.equal([['ended', 'Ended']]);
    expect(parts(el, 'phase')[0]!.querySelector('.stage-detail')?.textContent?.trim(), 'no elapsed time').to.equal('');
  });

  it('a phase of an execution that is over shows no elapsed time even when it began long ago', async () => {
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker></workflow-tracker>`);
    el.state = { executionId: 'e', status: 'failed', phases: [{ id: 'a', name: 'Plan', status: 'running', startedAt: ts(-60_000) }] };
    await nextFrame(el);
    expect(statuses(el, 'phase')).to.deep.equal([['ended', 'Ended']]);
    expect(parts(el, 'phase')[0]!.textContent).not.to.match(/Elapsed/);
  });
});
