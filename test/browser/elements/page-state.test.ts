import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/index.js';
import { initialTaskState, type ContainerState, type TaskState, type WorkflowState } from '../../../src/client/index.js';
import type { ContainerStateInput, ContainerStatusElement, TaskProgressElement, TaskStateInput, WorkflowStateInput, WorkflowTrackerElement } from '../../../src/index.js';
import { resetProgress } from '../../../src/index.js';
import { part, parts, progressbar, text } from './support.js';

/** States a page sets itself, without a socket: whatever they hold, the elements render something sensible. */
describe('a state set by the page', () => {
  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });

  it('shows a percent that is not a number as unknown, and one out of range clamped to 0-100', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    const running = { ...initialTaskState('p', 't'), status: 'running' } as const;
    // The share of the track the indicator fills, once its transition is over.
    const indicatorShare = () => {
      const indicator = part(el, 'indicator')!;
      indicator.getAnimations().forEach((a) => a.finish());
      return indicator.getBoundingClientRect().width / progressbar(el).getBoundingClientRect().width;
    };

    for (const progress of [NaN, Infinity]) {
      el.state = { ...running, progress };
      await el.updateComplete;
      expect(progressbar(el).hasAttribute('aria-valuenow'), `${progress}: aria-valuenow`).to.equal(false);
      expect(progressbar(el).hasAttribute('data-indeterminate'), `${progress}: indeterminate`).to.equal(true);
      expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('Running');
      await expect(el).to.be.accessible();
    }

    el.state = { ...running, progress: 250 };
    await el.updateComplete;
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('100');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('100%, Running');
    expect(indicatorShare()).to.be.closeTo(1, 0.01);

    el.state = { ...running, progress: -5 };
    await el.updateComplete;
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('0');
    expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('0%, Running');
    expect(indicatorShare()).to.equal(0);
    await expect(el).to.be.accessible();
  });

  it('renders a partial state, and a status it does not know as it is, in all three elements', async () => {
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress output-lines="5"></task-progress>
      <task-progress layout="compact"></task-progress>
      <workflow-tracker></workflow-tracker>
      <container-status></container-status>
    </div>`);
    const [detailed, compact, wf, ct] = [...box.children] as [TaskProgressElement, TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement];

    // Only what a page might have at hand: no step, phase, output or artifact lists, no counts.
    for (const el of [detailed, compact]) el.state = { taskId: 't', status: 'running', progress: 10, currentStepId: 'a', error: null } as unknown as TaskState;
    wf.state = { executionId: 'x', status: 'failed', totalPhases: 3, currentPhaseId: 'a', error: 'boom' } as unknown as WorkflowState;
    ct.state = { containerId: 'c', status: 'running' } as unknown as ContainerState;
    await Promise.all([detailed, compact, wf, ct].map((el) => el.updateComplete));
    expect(text(detailed, '[part~="status"]')).to.equal('Running');
    expect(progressbar(detailed).getAttribute('aria-valuenow')).to.equal('10');
    expect(text(compact, '[part~="status"]')).to.equal('Running');
    expect(text(wf, '[part~="status"]')).to.equal('Failed');
    expect(text(wf, '[part~="error"]')).to.equal('Error: boom');
    expect(text(ct, '[part~="status"]')).to.equal('Running');

    for (const el of [detailed, compact, wf, ct]) el.state = { ...el.state!, status: 'paused-by-operator' } as never;
    await Promise.all([detailed, compact, wf, ct].map((el) => el.updateComplete));
    for (const el of [detailed, compact, wf, ct]) {
      expect(text(el, '[part~="status"]'), el.localName).to.equal('paused-by-operator');
      expect(part(el, 'status')!.dataset['tone'], el.localName).to.equal('neutral');
      await expect(el).to.be.accessible();
    }
  });

  it('takes partial states typed as inputs: steps and phases without ids are never all current, and pending ones are listed', async () => {
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress></task-progress>
      <workflow-tracker></workflow-tracker>
      <container-status></container-status>
    </div>`);
    const [taskEl, flowEl, ctEl] = [...box.children] as [TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement];
    // Type-checked as they are: no cast.
    const taskState: TaskStateInput = { status: 'running', name: 'Import', steps: [{ name: 'Fetch', status: 'completed' }, { name: 'Parse', status: 'running' }, { name: 'Load' }] };
    const flowState: WorkflowStateInput = { status: 'running', name: 'Nightly', phases: [{ name: 'One', status: 'completed' }, { name: 'Two', status: 'running' }, { name: 'Three' }] };
    const ctState: ContainerStateInput = { status: 'running', image: 'redis:7' };
    taskEl.state = taskState;
    flowEl.state = flowState;
    ctEl.state = ctState;
    await Promise.all([taskEl, flowEl, ctEl].map((el) => el.updateComplete));
    // No current step or phase said: none is marked.
    expect(taskEl.shadowRoot!.querySelectorAll('[aria-current]')).to.have.length(0);
    expect(flowEl.shadowRoot!.querySelectorAll('[aria-current]')).to.have.length(0);
    expect(parts(taskEl, 'step').map((p) => p.dataset.status)).to.deep.equal(['completed', 'running', 'pending']);
    expect(parts(flowEl, 'phase-pending').map((p) => text(p))).to.deep.equal(['Three Pending']);
    expect(text(taskEl, '[part~="label"]')).to.equal('Import');
    expect(text(flowEl, '[part~="label"]')).to.equal('Nightly');
    expect(text(ctEl, '[part~="label"]')).to.equal('redis:7');

    // Said by name: that one alone.
    taskEl.state = { ...taskState, currentStepId: 'Parse' };
    flowEl.state = { ...flowState, currentPhaseId: 'Two' };
    await Promise.all([taskEl, flowEl].map((el) => el.updateComplete));
    expect([...taskEl.shadowRoot!.querySelectorAll('[aria-current]')].map((n) => text(n))).to.deep.equal(['Parse Running']);
    expect([...flowEl.shadowRoot!.querySelectorAll('[aria-current]')].map((n) => text(n))).to.deep.equal(['Two Running']);
    expect(text(flowEl, '[part~="phase-line"]')).to.equal('Phase 2: Two');
    for (const el of [taskEl, flowEl, ctEl]) await expect(el).to.be.accessible();
  });
});
