import { expect, fixture, html } from '@open-wc/testing';
import '../../../src/elements/define/container-status.js';
import { initialContainerState, type ContainerState } from '../../../src/client/index.js';
import type { ContainerStatusElement } from '../../../src/elements/index.js';
import { getProgressClient } from '../../../src/elements/index.js';
import { uniqueId, waitFor } from '../helpers/progress-server.js';
import { container, liveText, onSharedServer, MARKUP, part, record, text, ts, waitForStatus } from './support.js';

describe('<container-status>', () => {
  const shared = onSharedServer();

  it('follows a container through created, running, stopped, a failed stop and an error', async () => {
    const projectId = uniqueId('p');
    const c = container(projectId, 'sbx-1');
    const el = await fixture<ContainerStatusElement>(html`<container-status project-id=${projectId} container-id="sbx-1"></container-status>`);
    const log = record<CustomEvent<{ state: ContainerState; error?: string; exitCode?: number }>>(el, 'container-status-change', 'container-stop', 'container-fail');
    expect(text(el, '[part~="label"]')).to.equal('Container sbx-1');
    expect(text(el, '[part~="status"]')).to.equal('Connecting…');
    await expect(el).to.be.accessible();
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await waitForStatus(el, 'Waiting for events');

    await shared().publish(c.created('node:20-alpine'));
    await waitForStatus(el, 'Created');
    // The image names the container.
    expect(text(el, '[part~="label"]')).to.equal('node:20-alpine');
    expect(part(el, 'image') === null).to.equal(true);
    expect(liveText(el)).to.equal('node:20-alpine: Created');
    await expect(el).to.be.accessible();

    await shared().publish(c.started(ts(-3000)));
    await waitForStatus(el, 'Running');
    expect(text(el, '[part~="time"]')).to.match(/^Up [3-9] sec$/);
    const first = text(el, '[part~="time"]');
    await waitFor(() => text(el, '[part~="time"]') !== first, 'the uptime to move', 4000);
    await expect(el).to.be.accessible();

    await shared().publish(c.stopped(0));
    await waitForStatus(el, 'Stopped');
    expect(text(el, '[part~="time"]')).to.match(/^Took [3-9] sec$/);
    expect(text(el, '[part~="exit-code"]')).to.equal('Exit code 0');
    expect(part(el, 'exit-code')!.dataset.tone).to.equal('neutral');
    expect(part(el, 'status')!.dataset.tone).to.equal('neutral');
    await expect(el).to.be.accessible();

    // Started again, then stopped by a signal: a failure. The orchestrator's sandbox_* spelling is the same event.
    await shared().publish(c.started());
    await waitForStatus(el, 'Running');
    await shared().sendRaw(JSON.stringify({ type: 'sandbox_stopped', projectId, sandboxId: 'sbx-1', timestamp: ts(), exitCode: 137 }));
    await waitForStatus(el, 'Stopped');
    expect(text(el, '[part~="exit-code"]')).to.equal('Exit code 137');
    expect(part(el, 'exit-code')!.dataset.tone).to.equal('danger');
    expect(part(el, 'status')!.dataset.tone).to.equal('danger');
    expect(liveText(el)).to.equal('node:20-alpine: Stopped, Exit code 137');
    await expect(el).to.be.accessible();

    await shared().publish(c.error(MARKUP));
    await waitForStatus(el, 'Error');
    expect(el.shadowRoot!.querySelectorAll('img, b')).to.have.length(0);
    expect(text(el, '[part~="error"]')).to.equal(`Error: ${MARKUP}`);
    await expect(el).to.be.accessible();

    expect(log.names().filter((n) => n !== 'container-status-change')).to.deep.equal(['container-stop', 'container-fail', 'container-fail']);
    const fails = log.events.filter((e) => e.type === 'container-fail');
    expect(fails[0]!.detail.exitCode).to.equal(137);
    expect(fails[1]!.detail.error).to.equal(MARKUP);
    expect(fails.every((e) => e.bubbles && e.composed)).to.equal(true);
  });

  it('renders a state set by the app, and a compact layout without the facts', async () => {
    const el = await fixture<ContainerStatusElement>(html`<container-status label="Sandbox"></container-status>`);
    el.state = { ...initialContainerState('p', 'c'), status: 'stopped', image: 'python:3.12', exitCode: 1, error: 'ignored while stopped' };
    await el.updateComplete;
    expect(text(el, '[part~="label"]')).to.equal('Sandbox');
    expect(text(el, '[part~="status"]')).to.equal('Stopped');
    expect(text(el, '[part~="facts"]')).to.equal('Image python:3.12 Exit code 1');
    expect(part(el, 'connection') === null).to.equal(true);
    await expect(el).to.be.accessible();
    el.layout = 'compact';
    await el.updateComplete;
    expect(part(el, 'facts')).to.equal(null);
    await expect(el).to.be.accessible();
  });
});
