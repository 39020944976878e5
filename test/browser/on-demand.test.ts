// What a client loads only when asked for: the page's module requests (the test server serves
// every source module as a file of its own) say which code came.
import { expect } from '@open-wc/testing';
import { ProgressClient, RunActionError, type ProgressEvent } from '../../src/client/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';

const ts = () => new Date().toISOString();
const started = (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_started', projectId, taskId, timestamp: ts() });

/** The source modules of the client the page has requested so far, by path under src/client/. */
const loaded = (): string[] =>
  performance
    .getEntriesByType('resource')
    .map((e) => /\/src\/client\/(.+)$/.exec(new URL(e.name).pathname)?.[1])
    .filter((name): name is string => name !== undefined);

const ON_DEMAND = ['sharing/tab-share.ts', 'sharing/shared-connection.ts', 'snapshot-sync.ts', 'run-actions.ts', 'run-action-request.ts'];

describe('code a client loads on demand', () => {
  // First: the modules stay unloaded only until a test below asks for them.
  it('a client without shareTabs, a snapshot loader or an action loads none of their code, and receives its events', async () => {
    const server = await TestServer.shared();
    const client = new ProgressClient({ url: server.projectUrl, lingerTime: 0 });
    const projectId = uniqueId('p');
    const got: string[] = [];
    const sub = client.subscribeToTask({ projectId, taskId: 't', onEvent: (e) => got.push(e.type) });
    await sub.ready;
    await server.publish(started(projectId, 't'));
    await waitFor(() => got.length === 1, 'the event');
    expect(loaded()).to.include('progress-client.ts');
    expect(loaded().filter((name) => ON_DEMAND.includes(name))).to.deep.equal([]);
    client.close();
  });

  it('a snapshot loader brings the snapshot code, and the late-join snapshot is still asked for once the socket is open', async () => {
    const server = await TestServer.shared();
    const projectId = uniqueId('p');
    const asked: string[] = [];
    const client: ProgressClient = new ProgressClient({
      url: server.projectUrl,
      lingerTime: 0,
      snapshotLoader: async () => {
        asked.push(client.getConnectionState(projectId));
        return undefined;
      },
    });
    const sub = client.subscribeToTask({ projectId, taskId: 't', onEvent: () => {} });
    await sub.ready;
    await waitFor(() => asked.length === 1, 'the late-join snapshot');
    expect(asked).to.deep.equal(['connected']);
    expect(loaded()).to.include('snapshot-sync.ts');
    expect(loaded()).not.to.include('sharing/tab-share.ts');
    client.close();
  });

  it('shareTabs brings the tab share: the first connection waits for it, and this tab holds the socket', async () => {
    const server = await TestServer.shared();
    const client = new ProgressClient({ url: server.projectUrl, lingerTime: 0, shareTabs: { key: uniqueId('share') } });
    const projectId = uniqueId('p');
    const got: string[] = [];
    const sub = client.subscribeToTask({ projectId, taskId: 't', onEvent: (e) => got.push(e.type) });
    await sub.ready;
    await server.publish(started(projectId, 't'));
    await waitFor(() => got.length === 1, 'the event through the shared socket');
    expect(loaded()).to.include('sharing/tab-share.ts');
    expect(client.getStats().tabs).to.equal('holding');
    client.close();
  });

  it('the first action brings the action code, and is answered as before', async () => {
    const client = new ProgressClient({ url: 'ws://127.0.0.1:9/ws' });
    expect(loaded()).not.to.include('run-actions.ts');
    const error = await client.cancelTask('p', 't').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RunActionError);
    expect((error as RunActionError).code).to.equal('not_configured');
    expect(loaded()).to.include('run-actions.ts');
    client.close();
  });
});
