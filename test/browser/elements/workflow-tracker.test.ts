import { expect, fixture, html } from '@open-wc/testing';
import '../../../src/elements/define/workflow-tracker.js';
import { aintandemSnapshotLoader, initialWorkflowState, type WorkflowState } from '../../../src/client/index.js';
import type { WorkflowTrackerElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient } from '../../../src/elements/index.js';
import { uniqueId, waitFor } from '../helpers/progress-server.js';
import { liveText, MARKUP, onSharedServer, part, parts, progressbar, record, text, ts, waitForStatus, waitForText, workflow } from './support.js';

describe('<workflow-tracker>', () => {
  const shared = onSharedServer();

  async function connected(projectId: string): Promise<void> {
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
  }

  /**
   * The page's client, with AInTandem's REST API for snapshots: `GET …/workflows/executions/{id}`
   * answers `body` for `executionId` (the documented shape: no workflowId), 404 for others.
   */
  function withRestExecution(executionId: string, body: object): void {
    const rest = (async (input: string | URL | Request) =>
      String(input).endsWith(`/workflows/executions/${executionId}`) ? new Response(JSON.stringify(body)) : new Response('', { status: 404 })) as typeof fetch;
    configureProgress({ url: shared().projectUrl, lingerTime: 50, snapshotLoader: aintandemSnapshotLoader('http://orchestrator.invalid/api', { fetch: rest }) });
  }

  it('follows an execution through created, running, paused, resumed and completed', async () => {
    const projectId = uniqueId('p');
    const w = workflow(projectId, 'release', 'exec-1', 3);
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id="exec-1"></workflow-tracker>`);
    const log = record<CustomEvent<{ state: WorkflowState }>>(el, 'workflow-tracker-change', 'workflow-complete', 'workflow-fail');
    expect(text(el, '[part~="status"]')).to.equal('Connecting…');
    expect(text(el, '[part~="label"]')).to.equal('Workflow exec-1');
    expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
    await expect(el).to.be.accessible();
    await connected(projectId);

    await shared().publish(w.created());
    await waitForStatus(el, 'Created');
    // The workflow's id, once known, names the element.
    expect(text(el, '[part~="label"]')).to.equal('Workflow release');
    await expect(el).to.be.accessible();

    await shared().publish(w.started(), w.phaseStarted('plan', 'Plan the release'));
    await waitForStatus(el, 'Running');
    await waitForText(el, 'Plan the release');
    expect(text(el, '[part~="phase-line"]')).to.equal('Phase 1 of 3: Plan the release');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('0');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('0%, Running, Phase 1 of 3');
    expect(part(el, 'phase-current')!.getAttribute('aria-current')).to.equal('step');
    expect(part(el, 'phases')!.tagName).to.equal('OL');
    await waitFor(() => liveText(el) === 'Workflow release: Running, Plan the release', 'the phase announced', 5000);
    await expect(el).to.be.accessible();

    await shared().publish(w.phaseCompleted('plan', 'Plan the release', { tickets: 4 }), w.phaseStarted('build', 'Build'));
    await waitFor(() => text(el, '[part~="phase-line"]') === 'Phase 2 of 3: Build', 'phase 2');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('33');
    const phases = parts(el, 'phase');
    expect(phases.map((p) => p.dataset.status)).to.deep.equal(['completed', 'running']);
    expect(text(phases[0]!)).to.match(/^Plan the release Completed Took \d+ sec$/);
    expect(text(phases[1]!)).to.match(/^Build Running Elapsed \d+ sec$/);
    expect(phases.map((p) => p.getAttribute('aria-current'))).to.deep.equal([null, 'step']);

    await shared().publish(w.paused());
    await waitForStatus(el, 'Paused');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('33');
    expect(progressbar(el).hasAttribute('data-busy')).to.equal(false);
    await waitFor(() => liveText(el) === 'Workflow release: Paused, Build', 'paused announced', 5000);
    await expect(el).to.be.accessible();

    await shared().publish(w.resumed());
    await waitForStatus(el, 'Running');

    await shared().publish(w.phaseCompleted('build', 'Build'), w.phaseStarted('ship', 'Ship'), w.phaseCompleted('ship', 'Ship'), w.completed({ version: '1.4.0' }));
    await waitForStatus(el, 'Completed');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('100');
    expect(text(el, '[part~="phase-line"]')).to.equal('Phase 3 of 3');
    expect(text(el, '[part~="output"]')).to.equal('{"version":"1.4.0"}');
    expect(text(el, '[part~="time"]')).to.match(/^Took \d+ sec$/);
    expect(el.shadowRoot!.querySelector('[aria-current]') === null).to.equal(true);
    expect(liveText(el)).to.equal('Workflow release: Completed');
    await expect(el).to.be.accessible();

    expect(log.names().filter((n) => n === 'workflow-complete')).to.have.length(1);
    expect(log.names()).not.to.include('workflow-fail');
    const done = log.events.find((e) => e.type === 'workflow-complete')!;
    expect(done.bubbles && done.composed).to.equal(true);
    expect(done.detail.state.output).to.deep.equal({ version: '1.4.0' });
  });

  it('shows a failed execution: the failed phase and the error, as text', async () => {
    const projectId = uniqueId('p');
    const w = workflow(projectId, 'wf', 'exec-f');
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id="exec-f"></workflow-tracker>`);
    const log = record<CustomEvent<{ error?: string }>>(el, 'workflow-fail', 'workflow-complete');
    await connected(projectId);
    await shared().publish(w.created(), w.started(), w.phaseStarted('p1', MARKUP));
    await waitForStatus(el, 'Running');
    // Without a known number of phases the bar is indeterminate.
    expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
    expect(text(el, '[part~="phase-line"]')).to.equal(`Phase 1: ${MARKUP}`);
    await expect(el).to.be.accessible();

    await shared().publish(w.failed(MARKUP));
    await waitForStatus(el, 'Failed');
    expect(el.shadowRoot!.querySelectorAll('img, b')).to.have.length(0);
    expect(text(el, '[part~="error"]')).to.equal(`Error: ${MARKUP}`);
    expect(part(el, 'phase-failed')!.textContent).to.contain(MARKUP);
    // The phase that failed stays marked, and is announced with the status.
    expect(part(el, 'phase-failed')!.getAttribute('aria-current')).to.equal('step');
    expect(liveText(el)).to.equal(`Workflow wf: Failed, ${MARKUP}`);
    await expect(el).to.be.accessible();
    expect(log.names()).to.deep.equal(['workflow-fail']);
    expect(log.events[0]!.detail.error).to.equal(MARKUP);
  });

  it('with workflow-id alone, follows the latest execution of that workflow', async () => {
    const projectId = uniqueId('p');
    const first = workflow(projectId, 'nightly', 'run-1');
    const second = workflow(projectId, 'nightly', 'run-2');
    const other = workflow(projectId, 'weekly', 'run-x');
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} workflow-id="nightly"></workflow-tracker>`);
    await connected(projectId);
    await shared().publish(first.created(ts(-1000)), first.started(), other.created(), other.started(), other.failed('not mine'));
    await waitForStatus(el, 'Running');
    expect(el.state?.executionId).to.equal('run-1');
    expect(text(el, '[part~="label"]')).to.equal('Workflow nightly');

    await shared().publish(second.created(), second.started(), second.phaseStarted('a', 'Second run phase'));
    await waitForText(el, 'Second run phase');
    expect(el.state?.executionId).to.equal('run-2');

    // A late event of the older execution does not take the view back.
    await shared().publish(first.completed(), second.phaseCompleted('a', 'Second run phase'), second.completed());
    await waitForStatus(el, 'Completed');
    expect(el.state?.executionId).to.equal('run-2');
  });

  it('joining late with execution-id alone, shows the REST execution (which names no workflow), then takes the workflow from a live event', async () => {
    const projectId = uniqueId('p');
    const executionId = uniqueId('exec');
    const start = ts(-60_000);
    withRestExecution(executionId, {
      id: executionId, status: 'running', currentPhase: 'b', totalPhases: 3, progress: 33, startTime: start,
      phases: [
        { phaseId: 'a', name: 'Plan', status: 'completed', startTime: start, endTime: ts(-30_000) },
        { phaseId: 'b', name: 'Build', status: 'running', startTime: ts(-30_000) },
      ],
    });
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id=${executionId}></workflow-tracker>`);
    await waitForStatus(el, 'Running');
    // The workflow is not known yet: the execution names the element.
    expect(text(el, '[part~="label"]')).to.equal(`Workflow ${executionId}`);
    expect(text(el, '[part~="phase-line"]')).to.equal('Phase 2 of 3: Build');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('33');
    expect(parts(el, 'phase').map((p) => p.dataset.status)).to.deep.equal(['completed', 'running']);
    await expect(el).to.be.accessible();

    await connected(projectId);
    const w = workflow(projectId, 'release', executionId, 3);
    await shared().publish(w.phaseCompleted('b', 'Build'), w.phaseStarted('c', 'Ship'));
    await waitFor(() => text(el, '[part~="phase-line"]') === 'Phase 3 of 3: Ship', 'the live phase over the REST ones');
    expect(text(el, '[part~="label"]')).to.equal('Workflow release');
    expect(el.state?.workflowId).to.equal('release');
    expect(parts(el, 'phase').map((p) => p.dataset.status)).to.deep.equal(['completed', 'completed', 'running']);
  });

  it('shows an execution cancelled (as the REST API says) as Cancelled, and fires workflow-cancel, not workflow-fail', async () => {
    const projectId = uniqueId('p');
    const executionId = uniqueId('exec');
    withRestExecution(executionId, {
      id: executionId, status: 'cancelled', totalPhases: 3, startTime: ts(-50_000), endTime: ts(-8_000), duration: 42_000,
      phases: [
        { phaseId: 'a', name: 'Plan', status: 'completed', duration: 20_000 },
        { phaseId: 'b', name: 'Build', status: 'skipped' },
        { phaseId: 'c', name: 'Ship', status: 'pending' },
      ],
    });
    const el = document.createElement('workflow-tracker');
    const log = record<CustomEvent<{ state: WorkflowState }>>(document.body, 'workflow-cancel', 'workflow-fail', 'workflow-complete');
    el.projectId = projectId;
    el.executionId = executionId;
    await fixture<WorkflowTrackerElement>(html`<div>${el}</div>`);
    try {
      await waitForStatus(el, 'Cancelled');
    } finally {
      log.stop();
    }
    expect(part(el, 'status')!.dataset.tone).to.equal('warning');
    expect(part(el, 'error')).to.equal(null);
    expect(text(el, '[part~="time"]')).to.equal('Took 42 sec');
    expect(progressbar(el).hasAttribute('data-busy')).to.equal(false);
    expect(progressbar(el).getAttribute('aria-valuetext')).to.match(/Cancelled/);
    expect(liveText(el)).to.equal(`Workflow ${executionId}: Cancelled`);
    await expect(el).to.be.accessible();
    // Once, bubbling out of the element and composed, with the state.
    expect(log.names()).to.deep.equal(['workflow-cancel']);
    const cancelled = log.events[0]!;
    expect(cancelled.bubbles && cancelled.composed).to.equal(true);
    expect(cancelled.target).to.equal(el);
    expect(cancelled.detail.state.status).to.equal('cancelled');
    expect(cancelled.detail.state.executionId).to.equal(executionId);
  });

  it('renders a cancelled state set by the page', async () => {
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker></workflow-tracker>`);
    el.state = { ...initialWorkflowState('p', 'wf', 'x'), status: 'cancelled', totalPhases: 2, duration: 3000, phases: [{ id: 'a', name: 'Fetch', status: 'completed' }] };
    await el.updateComplete;
    expect(text(el, '[part~="status"]')).to.equal('Cancelled');
    expect(part(el, 'status')!.dataset.tone).to.equal('warning');
    expect(text(el, '[part~="time"]')).to.equal('Took 3 sec');
    await expect(el).to.be.accessible();
  });

  it('renders a state set by the app, in both layouts', async () => {
    const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker></workflow-tracker>`);
    el.state = {
      ...initialWorkflowState('p', 'wf', 'x'),
      status: 'running',
      totalPhases: 4,
      currentPhaseId: 'c',
      startedAt: ts(-3000),
      phases: [
        { id: 'a', name: 'Fetch', status: 'completed', duration: 1200 },
        { id: 'b', name: 'Check', status: 'skipped' },
        { id: 'c', name: 'Compile', status: 'running', startedAt: ts(-1000) },
      ],
    };
    await el.updateComplete;
    expect(text(el, '[part~="label"]')).to.equal('Workflow wf');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('50');
    expect(text(el, '[part~="phase-line"]')).to.equal('Phase 3 of 4: Compile');
    expect(parts(el, 'phase')).to.have.length(3);
    expect(text(parts(el, 'phase')[0]!)).to.equal('Fetch Completed Took 1 sec');
    await expect(el).to.be.accessible();

    el.layout = 'compact';
    await el.updateComplete;
    expect(part(el, 'phases')).to.equal(null);
    expect(text(el, '[part~="phase-line"]')).to.equal('Phase 3 of 4: Compile');
    await expect(el).to.be.accessible();
  });
});
