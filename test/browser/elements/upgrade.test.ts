// No definition is imported up front: the elements are created before their tags are defined.
import { expect, fixtureCleanup } from '@open-wc/testing';
import { initialContainerState, initialTaskState, initialWorkflowState } from '../../../src/client/index.js';
import { configureProgress, resetProgress } from '../../../src/elements/shared/configure.js';
import type { TaskProgressElement } from '../../../src/elements/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { part, progressbar, task, text, waitForStatus } from './support.js';

describe('elements created before their definition', () => {
  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });

  it('honour the properties and attributes set before the upgrade', async () => {
    const server = await TestServer.shared();
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const box = document.createElement('div');
    document.body.append(box);
    try {
      const live = document.createElement('task-progress') as TaskProgressElement;
      const props = live as unknown as Record<string, unknown>;
      props.projectId = projectId;
      props.taskId = 'late';
      props.layout = 'compact';
      const shown = document.createElement('workflow-tracker') as unknown as Record<string, unknown>;
      shown.state = { ...initialWorkflowState('p', 'wf', 'x'), status: 'paused' };
      shown.label = 'Paused before upgrade';
      const byAttribute = document.createElement('container-status');
      byAttribute.setAttribute('label', 'From an attribute');
      (byAttribute as unknown as Record<string, unknown>).state = { ...initialContainerState('p', 'c'), status: 'running' };
      const idle = document.createElement('task-progress') as unknown as Record<string, unknown>;
      idle.state = { ...initialTaskState('p', 't'), status: 'completed', progress: 100 };
      box.append(live, shown as unknown as HTMLElement, byAttribute, idle as unknown as HTMLElement);
      expect(customElements.get('task-progress')).to.equal(undefined);

      await import('../../../src/index.js');
      await Promise.all([...box.children].map((el) => (el as TaskProgressElement).updateComplete));

      expect(live.taskId).to.equal('late');
      expect(live.getAttribute('layout')).to.equal('compact');
      expect(client.getSubscriptionCount()).to.equal(1);
      await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
      await server.publish(task(projectId, 'late').started());
      await waitForStatus(live, 'Running');

      expect(text(shown as unknown as Element, '[part~="status"]')).to.equal('Paused');
      expect(text(shown as unknown as Element, '[part~="label"]')).to.equal('Paused before upgrade');
      expect(text(byAttribute, '[part~="label"]')).to.equal('From an attribute');
      expect(text(byAttribute, '[part~="status"]')).to.equal('Running');
      expect(progressbar(idle as unknown as Element).getAttribute('aria-valuenow')).to.equal('100');
      expect(part(idle as unknown as Element, 'connection')).to.equal(null);
    } finally {
      box.remove();
    }
    expect(client.getSubscriptionCount()).to.equal(0);
  });
});
