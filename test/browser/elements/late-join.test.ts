/**
 * What a user sees of a run whatever the page missed: the page joins a run (a workflow of 5
 * phases and a task of 4 steps, both announcing their plan; a container) before it starts, after
 * each phase or step, and after it ended, with and without snapshots, and the element must say
 * only what is true: positions, pending entries, status, times, names and ARIA values.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/index.js';
import { httpOriginOf, referenceSnapshotLoader, type ContainerEvent, type ProgressEvent, type TaskEvent, type WorkflowEvent } from '../../../src/client/index.js';
import type { ContainerStatusElement, TaskProgressElement, WorkflowTrackerElement } from '../../../src/index.js';
import { configureProgress, getProgressClient, resetProgress } from '../../../src/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { liveText, part, parts, progressbar, text, ts, waitForStatus } from './support.js';

const PHASES = [
  { phaseId: 'plan', phase: 'Plan' },
  { phaseId: 'build', phase: 'Build' },
  { phaseId: 'test', phase: 'Test' },
  { phaseId: 'package', phase: 'Package' },
  { phaseId: 'deploy', phase: 'Deploy' },
];
const STEPS = [
  { stepId: 'lint', step: 'Lint' },
  { stepId: 'build', step: 'Build' },
  { stepId: 'test', step: 'Test' },
  { stepId: 'publish', step: 'Publish' },
];

/** The events of an execution that started a minute ago, with its plan, its name and its start on every event. */
function workflowRun(projectId: string, executionId: string): WorkflowEvent[] {
  const startedAt = ts(-60_000);
  const base = { projectId, workflowId: 'release', executionId, workflow: 'Release pipeline', startedAt };
  const events: WorkflowEvent[] = [
    { type: 'workflow_execution_created', ...base, timestamp: ts(-61_000), phases: PHASES },
    { type: 'workflow_execution_started', ...base, timestamp: startedAt, phases: PHASES },
  ];
  for (const p of PHASES) {
    events.push({ type: 'workflow_phase_started', ...base, timestamp: ts(), ...p });
    events.push({ type: 'workflow_phase_completed', ...base, timestamp: ts(), ...p });
  }
  events.push({ type: 'workflow_execution_completed', ...base, timestamp: ts(), output: 'v1.0.0' });
  return events;
}

/** The events of a task that started a minute ago, with its plan; `startedAt` on every event unless `withStart` is false. */
function taskRun(projectId: string, taskId: string, withStart = true): TaskEvent[] {
  const startedAt = ts(-60_000);
  const base = { projectId, taskId, task: { name: 'Nightly build' }, ...(withStart ? { startedAt } : {}) };
  const events: TaskEvent[] = [
    { type: 'task_queued', ...base, timestamp: ts(-61_000), steps: STEPS },
    { type: 'task_started', ...base, timestamp: startedAt, steps: STEPS },
  ];
  STEPS.forEach((s, i) => {
    events.push({ type: 'step_progress', ...base, timestamp: ts(), ...s, status: 'running', progress: i * 25, message: `Running ${s.step.toLowerCase()}` });
    events.push({ type: 'step_progress', ...base, timestamp: ts(), ...s, status: 'completed', progress: (i + 1) * 25, message: `${s.step} done` });
  });
  events.push({ type: 'task_completed', ...base, timestamp: ts() });
  return events;
}

function containerRun(projectId: string, containerId: string): ContainerEvent[] {
  const startedAt = ts(-30_000);
  const base = { projectId, containerId, image: 'node:20-alpine' };
  return [
    { type: 'container_created', ...base, timestamp: ts(-31_000) },
    { type: 'container_started', ...base, timestamp: startedAt },
    { type: 'container_stopped', ...base, timestamp: ts(), exitCode: 0, startedAt },
  ];
}

const statuses = (el: Element, name: string) => parts(el, name).map((p) => p.dataset.status);
const phaseLine = (el: Element) => text(el, '[part~="phase-line"]');
const valueNow = (el: Element) => progressbar(el).getAttribute('aria-valuenow');

describe('joining a run at any moment', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.shared();
  });

  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });

  function configure(snapshots: boolean): void {
    configureProgress({
      url: server.projectUrl,
      lingerTime: 50,
      persist: false,
      ...(snapshots ? { snapshotLoader: referenceSnapshotLoader(httpOriginOf(server.url)) } : {}),
    });
  }

  /** Publishes the events one at a time, each after the element showed the one before (so no two land in one render). */
  async function play(el: Element, events: ProgressEvent[], check: (i: number) => void = () => undefined): Promise<void> {
    for (let i = 0; i < events.length; i++) {
      const before = (el as { state?: object }).state;
      await server.publish(events[i]!);
      await waitFor(() => (el as { state?: object }).state !== before, `event ${i} shown`, 5000);
      await (el as TaskProgressElement).updateComplete;
      check(i);
    }
  }

  describe('<workflow-tracker>: 5 phases announced by a plan', () => {
    // After `k` events: 0 = before the execution exists, 2 = started, 2 + 2i = after phase i, 13 = after it ended.
    const joins = [
      { k: 0, what: 'before it starts' },
      ...PHASES.map((p, i) => ({ k: 4 + 2 * i, what: `after phase ${i + 1} (${p.phase})` })),
      { k: 3, what: 'in the middle of phase 1' },
      { k: 13, what: 'after it ended' },
    ];

    for (const snapshots of [true, false]) {
      for (const { k, what } of joins) {
        it(`${what}, ${snapshots ? 'with' : 'without'} snapshots`, async () => {
          configure(snapshots);
          const projectId = uniqueId('lw');
          // Execution ids are global on the server: one of its own for each test.
          const executionId = uniqueId('e');
          const run = workflowRun(projectId, executionId);
          await server.publish(...run.slice(0, k));
          const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id=${executionId}></workflow-tracker>`);
          await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
          const done = Math.max(0, Math.floor((k - 2) / 2)); // phases completed before the join
          const seenFromStart = k === 0;

          if (k > 0 && snapshots) {
            // The snapshot: the whole plan, where the execution is, its name, its own start.
            await waitFor(() => el.state !== undefined, 'the snapshot', 5000);
            await el.updateComplete;
            expect(text(el, '[part~="label"]')).to.equal('Release pipeline');
            expect(el.shadowRoot!.querySelector('[role="group"]')!.getAttribute('aria-label')).to.equal('Release pipeline');
            expect(parts(el, 'phase')).to.have.length(5);
            if (k === 13) {
              expect(text(el, '[part~="status"]')).to.equal('Completed');
              expect(phaseLine(el)).to.equal('Phase 5 of 5');
              expect(valueNow(el)).to.equal('100');
              expect(text(el, '[part~="time"]')).to.match(/^Took 1 min/);
            } else {
              expect(text(el, '[part~="status"]')).to.equal('Running');
              const at = k % 2 === 1 ? done + 1 : done; // the phase under way, or the last one done
              expect(phaseLine(el)).to.equal(`Phase ${at} of 5: ${PHASES[at - 1]!.phase}`);
              expect(statuses(el, 'phase')).to.deep.equal(PHASES.map((_, i) => (i < done ? 'completed' : i === done && k % 2 === 1 ? 'running' : 'pending')));
              expect(parts(el, 'phase-pending')).to.have.length(5 - done - (k % 2));
              expect(valueNow(el)).to.equal(String(done * 20));
              expect(progressbar(el).getAttribute('aria-valuetext')).to.equal(`${done * 20}%, Running, Phase ${at} of 5`);
              expect(text(el, '[part~="time"]')).to.match(/^Elapsed 1 min/);
            }
          } else if (k > 0) {
            // Nothing said yet: nothing shown, and nothing false.
            await el.updateComplete;
            expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
            expect(part(el, 'phase-line') === null).to.equal(true);
            expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
          }
          await expect(el).to.be.accessible();

          // The rest of the run, event by event.
          await play(el, run.slice(k), (i) => {
            const state = el.state!;
            const line = phaseLine(el);
            if (seenFromStart || snapshots) {
              // The list is whole: the plan's five, in order, and positions from it.
              expect(parts(el, 'phase'), `event ${k + i}`).to.have.length(5);
              if (state.currentPhaseId) {
                const at = PHASES.findIndex((p) => p.phaseId === state.currentPhaseId) + 1;
                expect(line, `event ${k + i}`).to.equal(`Phase ${at} of 5: ${PHASES[at - 1]!.phase}`);
              }
            } else {
              // Joined late without a snapshot: the phases before it are unknown, so no position and no percent.
              expect(line, `event ${k + i}`).not.to.match(/\d/);
              if (state.currentPhaseId) expect(line).to.equal(`Phase ${PHASES.find((p) => p.phaseId === state.currentPhaseId)!.phase}`);
              if (state.status !== 'completed') expect(progressbar(el).hasAttribute('aria-valuenow'), `event ${k + i}`).to.equal(false);
            }
            // A status off waiting as soon as a phase event says the execution runs.
            if (state.phases!.some((p) => p.status !== 'pending')) expect(['Running', 'Completed']).to.include(text(el, '[part~="status"]'));
            if (state.status === 'running') expect(text(el, '[part~="time"]'), 'counted from its own start').to.match(/^Elapsed 1 min/);
          });
          if (k < run.length) {
            await waitForStatus(el, 'Completed');
            expect(valueNow(el)).to.equal('100');
            expect(text(el, '[part~="time"]')).to.match(/^Took 1 min/);
            expect(liveText(el)).to.equal('Release pipeline: Completed');
            expect(text(el, '[part~="label"]')).to.equal('Release pipeline');
            // Joined late and completed: its last phase or nothing, never another position.
            if (seenFromStart || snapshots) expect(phaseLine(el)).to.equal('Phase 5 of 5');
            else expect(part(el, 'phase-line') === null).to.equal(true);
            expect(text(el, '[part~="output"]')).to.equal('v1.0.0');
          } else if (!snapshots) {
            expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
          }
          await expect(el).to.be.accessible();
        });
      }
    }

    it('joined late, with the number of phases on the events: the total, yet no position until it ends at its last', async () => {
      configure(false);
      const projectId = uniqueId('lw');
      const run = workflowRun(projectId, uniqueId('e')).map((e) => ({ ...e, totalPhases: 5 }));
      await server.publish(...run.slice(0, 6));
      const el = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} workflow-id="release"></workflow-tracker>`);
      await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
      await play(el, run.slice(6, 7));
      expect(phaseLine(el)).to.equal('Phase Test');
      expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
      expect(progressbar(el).getAttribute('aria-valuetext')).to.equal('Running, Phase Test');
      await play(el, run.slice(7));
      expect(phaseLine(el)).to.equal('Phase 5 of 5');
      expect(valueNow(el)).to.equal('100');
    });
  });

  describe('<task-progress>: 4 steps announced by a plan', () => {
    // After `k` events: 0 = before it is queued, 2 = started, 2 + 2i = after step i, 11 = after it ended.
    const joins = [{ k: 0, what: 'before it starts' }, ...STEPS.map((s, i) => ({ k: 4 + 2 * i, what: `after step ${i + 1} (${s.step})` })), { k: 11, what: 'after it ended' }];

    for (const snapshots of [true, false]) {
      for (const { k, what } of joins) {
        it(`${what}, ${snapshots ? 'with' : 'without'} snapshots`, async () => {
          configure(snapshots);
          const projectId = uniqueId('lt');
          const run = taskRun(projectId, 't1');
          await server.publish(...run.slice(0, k));
          const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t1"></task-progress>`);
          await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
          const done = Math.max(0, Math.floor((k - 2) / 2));
          const whole = k === 0 || snapshots;

          if (k > 0 && snapshots) {
            await waitFor(() => el.state !== undefined, 'the snapshot', 5000);
            await el.updateComplete;
            expect(text(el, '[part~="label"]')).to.equal('Nightly build');
            expect(statuses(el, 'step')).to.deep.equal(STEPS.map((_, i) => (i < done ? 'completed' : 'pending')));
            // A completed step says what it ended with, not what it was doing.
            if (done > 0) expect(text(parts(el, 'step')[0]!)).to.equal('Lint Completed Lint done');
            if (k === 11) {
              expect(text(el, '[part~="status"]')).to.equal('Completed');
              expect(text(el, '[part~="time"]')).to.match(/^Took 1 min/);
            } else {
              expect(text(el, '[part~="status"]')).to.equal('Running');
              expect(valueNow(el)).to.equal(String(done * 25));
              expect(el.shadowRoot!.querySelector('[aria-current]') === null, 'between steps, none is current').to.equal(true);
              expect(text(el, '[part~="time"]')).to.match(/^Elapsed 1 min/);
            }
          } else if (k > 0) {
            await el.updateComplete;
            expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
            expect(part(el, 'steps') === null).to.equal(true);
            expect(part(el, 'time') === null, 'no time counted from the join').to.equal(true);
          }
          await expect(el).to.be.accessible();

          await play(el, run.slice(k), (i) => {
            const state = el.state!;
            if (whole) expect(parts(el, 'step'), `event ${k + i}`).to.have.length(4);
            else expect(parts(el, 'step-pending'), 'no plan was seen: no pending steps made up').to.have.length(0);
            // One current step at most: the one running.
            const current = parts(el, 'step-current');
            expect(current.length, `event ${k + i}`).to.be.at.most(1);
            if (state.currentStepId) expect(text(current[0]!)).to.match(new RegExp(`^${STEPS.find((s) => s.stepId === state.currentStepId)!.step} Running`));
            if (state.steps!.some((s) => s.status !== 'pending')) expect(['Running', 'Completed']).to.include(text(el, '[part~="status"]'));
            if (state.status === 'running') expect(text(el, '[part~="time"]')).to.match(/^Elapsed 1 min/);
          });
          if (k < run.length) {
            await waitForStatus(el, 'Completed');
            expect(valueNow(el)).to.equal('100');
            expect(text(el, '[part~="time"]')).to.match(/^Took 1 min/);
            expect(liveText(el)).to.equal('Nightly build: Completed');
            expect(text(el, '[part~="steps"]')).not.to.contain('Running');
          }
          await expect(el).to.be.accessible();
        });
      }
    }

    it('joined late to a task whose start no event gives: no duration, but when it finished', async () => {
      configure(false);
      const projectId = uniqueId('lt');
      const run = taskRun(projectId, 't2', false);
      await server.publish(...run.slice(0, 6));
      const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t2"></task-progress>`);
      await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
      await play(el, run.slice(6, 7));
      expect(text(el, '[part~="status"]')).to.equal('Running');
      expect(part(el, 'time') === null, 'no elapsed time counted from the join').to.equal(true);
      await play(el, run.slice(7));
      await waitForStatus(el, 'Completed');
      const ended = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(el.state!.endedAt!));
      expect(text(el, '[part~="time"]')).to.equal(`Finished ${ended}`);
      expect(text(el)).not.to.contain('0 sec');
    });
  });

  describe('<container-status>', () => {
    const joins = [
      { k: 0, what: 'before it starts' },
      { k: 2, what: 'while it runs' },
      { k: 3, what: 'after it stopped' },
    ];
    for (const snapshots of [true, false]) {
      for (const { k, what } of joins) {
        it(`${what}, ${snapshots ? 'with' : 'without'} snapshots`, async () => {
          configure(snapshots);
          const projectId = uniqueId('lc');
          const run = containerRun(projectId, 'c1');
          await server.publish(...run.slice(0, k));
          const el = await fixture<ContainerStatusElement>(html`<container-status project-id=${projectId} container-id="c1"></container-status>`);
          await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
          if (k > 0 && snapshots) {
            await waitFor(() => el.state !== undefined, 'the snapshot', 5000);
            await el.updateComplete;
            expect(text(el, '[part~="label"]')).to.equal('node:20-alpine');
            if (k === 2) {
              expect(text(el, '[part~="status"]')).to.equal('Running');
              expect(text(el, '[part~="time"]')).to.match(/^Up 3\d sec$/);
            } else {
              expect(text(el, '[part~="status"]')).to.equal('Stopped');
              expect(text(el, '[part~="time"]')).to.match(/^Took 3\d sec$/);
            }
          } else if (k > 0) {
            await el.updateComplete;
            expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
            expect(part(el, 'time') === null).to.equal(true);
          }
          await expect(el).to.be.accessible();
          await play(el, run.slice(k), () => {
            expect(text(el, '[part~="label"]')).to.equal('node:20-alpine');
            if (el.state!.status === 'running') expect(text(el, '[part~="time"]')).to.match(/^Up 3\d sec$/);
          });
          if (k < run.length) {
            await waitForStatus(el, 'Stopped');
            // Also when only the stop was seen: the stop event says when the container started.
            expect(text(el, '[part~="time"]'), 'how long it ran, from its own start').to.match(/^Took 3\d sec$/);
            expect(liveText(el)).to.equal('node:20-alpine: Stopped');
          }
          await expect(el).to.be.accessible();
        });
      }
    }
  });
});
