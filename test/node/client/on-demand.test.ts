import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressClient } from '../../../src/client/index.js';
import { NodeWebSocket, startServer, task, waitFor } from '../helpers/fixtures.js';
import { quietFor } from '../../shared/quiet.js';

describe('code a client loads on demand', () => {
  it('a client closed before its snapshot code arrives opens no socket and asks for no snapshot', async (t) => {
    const server = await startServer(t);
    let loads = 0;
    const errors: unknown[] = [];
    const client = new ProgressClient({
      url: server.urlFor(),
      WebSocket: NodeWebSocket,
      lingerTime: 0,
      snapshotLoader: async () => (loads++, undefined),
      onListenerError: (error) => errors.push(error),
    });
    const sub = client.subscribeToTask({ projectId: 'p', taskId: 't', onEvent: () => {} });
    sub.ready.catch(() => undefined);
    assert.equal(client.getConnectionState('p'), 'connecting');
    client.close();
    // Long enough for the code and a connection to arrive, were they still wanted: proves none comes.
    await quietFor(300, 'no connection and no snapshot load after close()');
    assert.equal(server.clientCount, 0);
    assert.equal(loads, 0);
    assert.deepEqual(errors, []);
    assert.equal(client.getConnectionState(), 'disconnected');
  });

  it('a subscription that goes before the snapshot code arrives is not loaded for; the one that stays is, once connected', async (t) => {
    const server = await startServer(t);
    const asked: string[] = [];
    const client: ProgressClient = new ProgressClient({
      url: server.urlFor(),
      WebSocket: NodeWebSocket,
      lingerTime: 0,
      snapshotLoader: async (query) => {
        asked.push(`${query.kind === 'task' ? query.taskId : '?'}:${client.getConnectionState('p')}`);
        return undefined;
      },
    });
    t.after(() => client.close());
    const gone = client.subscribeToTask({ projectId: 'p', taskId: 'gone', onEvent: () => {} });
    const got: string[] = [];
    const stays = client.subscribeToTask({ projectId: 'p', taskId: 'stays', onEvent: (e) => got.push(e.type) });
    gone.unsubscribe();
    await stays.ready;
    await waitFor(() => asked.length === 1, 'the late-join snapshot');
    assert.deepEqual(asked, ['stays:connected']);
    server.publish(task.started('p', 'stays'));
    await waitFor(() => got.length === 1, 'the live event');
  });
});
