import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../../src/index.js';
import { initialTaskState, initialWorkflowState } from '../../../src/client/index.js';
import type { TaskProgressElement, WorkflowTrackerElement } from '../../../src/index.js';
import { configureProgress, resetProgress } from '../../../src/index.js';
import { TestServer, waitFor } from '../helpers/progress-server.js';
import { notice, part } from './support.js';

const running = () => ({ ...initialTaskState('p', 't'), status: 'running' as const, steps: [{ id: 'a', name: 'compile', status: 'running' as const, message: 'working' }], currentStepId: 'a' });

describe('element styles', () => {
  afterEach(async () => {
    fixtureCleanup();
    resetProgress();
    document.documentElement.style.colorScheme = '';
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  });

  it('is themable through custom properties and ::part()', async () => {
    const style = document.createElement('style');
    style.textContent = 'task-progress.themed::part(bar) { block-size: 20px; } task-progress.themed::part(status) { text-transform: uppercase; }';
    document.head.append(style);
    try {
      const el = await fixture<TaskProgressElement>(html`<task-progress class="themed" style="--progress-color: rgb(1, 2, 3); --progress-background: rgb(250, 250, 250)"></task-progress>`);
      el.state = { ...running(), progress: 50 };
      await el.updateComplete;
      expect(getComputedStyle(part(el, 'indicator')!).backgroundColor).to.equal('rgb(1, 2, 3)');
      expect(getComputedStyle(el).backgroundColor).to.equal('rgb(250, 250, 250)');
      expect(part(el, 'bar')!.getBoundingClientRect().height).to.equal(20);
      expect(getComputedStyle(part(el, 'status')!).textTransform).to.equal('uppercase');
    } finally {
      style.remove();
    }
  });

  it('has a dark scheme that passes axe, including the connection notice and coloured output', async () => {
    const server = await TestServer.create();
    const url = server.projectUrl;
    await server.dispose();
    // A page that supports both schemes, on a system that prefers dark.
    document.documentElement.style.colorScheme = 'light dark';
    await emulateMedia({ colorScheme: 'dark' });
    configureProgress({ url, lingerTime: 50, reconnectDelay: 20, maxReconnectDelay: 20, maxReconnectAttempts: 1 });
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress output-lines="20"></task-progress>
      <task-progress project-id="p" task-id="t"></task-progress>
      <workflow-tracker></workflow-tracker>
    </div>`);
    const [plain, offline, flow] = [...box.children] as [TaskProgressElement, TaskProgressElement, WorkflowTrackerElement];
    // Every one of the 16 colours, as text and bold.
    const colours = Array.from({ length: 8 }, (_, i) => `\x1b[3${i}mcolour ${i}\x1b[0m \x1b[9${i}mbright ${i}\x1b[0m \x1b[1;3${i}mbold ${i}\x1b[0m`);
    plain.state = { ...running(), progress: 30, output: colours };
    offline.state = { ...running(), progress: 70 };
    flow.state = { ...initialWorkflowState('p', 'w', 'x'), status: 'paused', phases: [{ id: 'a', name: 'A', status: 'running' }], currentPhaseId: 'a' };
    await waitFor(() => notice(offline) === 'Connection lost', 'the connection notice', 10000);
    expect(getComputedStyle(plain).backgroundColor).to.equal('rgb(30, 31, 33)');
    for (const el of [plain, offline, flow]) await expect(el).to.be.accessible();

    // The same page in the light scheme: light cards, and the colours still readable.
    await emulateMedia({ colorScheme: 'light' });
    expect(getComputedStyle(plain).backgroundColor).to.equal('rgb(255, 255, 255)');
    for (const el of [plain, offline, flow]) await expect(el).to.be.accessible();
  });

  it('follows the page\'s color-scheme, not the system\'s: a light page gets light cards on a dark system', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    el.state = running();
    await el.updateComplete;
    // The page says nothing: it is light, and so are the elements.
    expect(getComputedStyle(el).backgroundColor).to.equal('rgb(255, 255, 255)');
    document.documentElement.style.colorScheme = 'light';
    expect(getComputedStyle(el).backgroundColor).to.equal('rgb(255, 255, 255)');
    document.documentElement.style.colorScheme = 'light dark';
    expect(getComputedStyle(el).backgroundColor).to.equal('rgb(30, 31, 33)');
    document.documentElement.style.colorScheme = 'dark';
    expect(getComputedStyle(el).backgroundColor).to.equal('rgb(30, 31, 33)');
  });

  it('uses the system font stack unless told otherwise, whatever the page\'s font', async () => {
    const box = await fixture<HTMLDivElement>(html`<div style="font-family: 'Times New Roman', serif"><task-progress></task-progress></div>`);
    const el = box.firstElementChild as TaskProgressElement;
    expect(getComputedStyle(el).fontFamily).to.match(/^system-ui/);
    el.style.setProperty('--progress-font-family', 'Georgia, serif');
    expect(getComputedStyle(el).fontFamily).to.equal('Georgia, serif');
  });

  it('sizes the indicator to the percent and follows its changes', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    const percent = () => getComputedStyle(part(el, 'indicator')!).getPropertyValue('--_percent').trim();
    el.state = { ...running(), progress: 25 };
    await el.updateComplete;
    expect(percent()).to.equal('25%');
    el.state = { ...running(), progress: 80.5 };
    await el.updateComplete;
    expect(percent()).to.equal('80.5%');
    el.state = { ...initialTaskState('p', 't'), status: 'queued' };
    await el.updateComplete;
    expect(percent()).to.equal('');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(part(el, 'indicator')!.getBoundingClientRect().width).to.equal(0);
  });

  it('stops the indeterminate animation for reduced motion', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    el.state = running();
    await el.updateComplete;
    expect(getComputedStyle(part(el, 'indicator')!).animationName).to.equal('progress-slide');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(getComputedStyle(part(el, 'indicator')!).animationName).to.equal('none');
    expect(part(el, 'bar')!.hasAttribute('aria-valuenow')).to.equal(false);
  });

  it('has rules for forced colours', async () => {
    const el = await fixture<TaskProgressElement>(html`<task-progress></task-progress>`);
    const rules = el.shadowRoot!.adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules]);
    const forced = rules.filter((r): r is CSSMediaRule => r instanceof CSSMediaRule && r.conditionText.includes('forced-colors: active'));
    expect(forced.length).to.be.greaterThan(0);
    expect(forced.map((r) => r.cssText).join('\n').toLowerCase()).to.contain('highlight');
  });
});
