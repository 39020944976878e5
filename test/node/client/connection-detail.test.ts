/**
 * What a subscription is told of its socket beyond the state: when the next reconnect attempt is
 * due, and a way to try at once (what an element's "Retry now" button does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressClient, type ConnectionDetail, type ConnectionState } from '../../../src/client/index.js';
import { createProgressServer } from '../../../src/server/index.js';
import { NodeWebSocket, startServer, task, waitFor } from '../helpers/fixtures.js';

describe('subscription connection detail', () => {
  it('says when the next attempt is due while reconnecting, and reconnect() tries at once', async (t) => {
    const server = await startServer(t);
    const port = server.port;
    const seen: [ConnectionState, ConnectionDetail][] = [];
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, reconnectDelay: 60_000, maxReconnectDelay: 60_000, random: () => 0.5, heartbeatInterval: 0 });
    t.after(() => client.close());
    const sub = client.subscribeToTask({ projectId: 'p', taskId: 't', onConnectionChange: (state, detail) => seen.push([state, detail]) });
    await sub.ready;
    await server.close();
    await waitFor(() => seen.some(([s, d]) => s === 'reconnecting' && d.retryAt !== undefined), 'a scheduled attempt');
    const [, detail] = seen.find(([s]) => s === 'reconnecting')!;
    const wait = detail.retryAt! - Date.now();
    assert.ok(wait > 20_000 && wait <= 30_000, `the attempt is due in half the 60 s ceiling (random 0.5), got ${wait} ms`);

    // The server is back; the next attempt would be half a minute away: reconnect() does not wait for it.
    const back = await createProgressServer({ port, heartbeatInterval: 0 });
    t.after(() => back.close());
    const started = Date.now();
    await sub.reconnect();
    assert.equal(sub.getConnectionState(), 'connected');
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(seen.at(-1), ['connected', {}], 'connected: no attempt is due');
    const states: string[] = [];
    client.subscribeToTask({ projectId: 'p', taskId: 't', onState: (s) => states.push(s.status) });
    back.publish(task.started('p', 't'));
    await waitFor(() => states.includes('running'), 'an event after the retry');
  });
});
