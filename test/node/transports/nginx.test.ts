/**
 * The client behind a real nginx with its defaults (proxy_buffering on), in front of the
 * reference server: without the upgrade headers (a proxy nobody set up for WebSocket) the client
 * goes on over a stream, live at once and each event as it is published (the server's
 * `X-Accel-Buffering: no` keeps nginx from holding them); with them it stays on WebSocket.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { performance } from 'node:perf_hooks';
import { WebSocketManager, type ProgressEvent } from '../../../src/client/index.js';
import { NodeWebSocket, startServer, task, waitFor } from '../helpers/fixtures.js';
import { startPlainNginx } from '../helpers/plain-nginx.js';

/** Live after a refused upgrade within this, ms (loopback). */
const BOUND = 1000;

function follow(t: TestContext, url: string) {
  const m = new WebSocketManager({ url, WebSocket: NodeWebSocket, reconnectDelay: 50 });
  t.after(() => m.disconnect());
  const seqs: number[] = [];
  m.on('*', (event: ProgressEvent) => seqs.push((event as { seq?: number }).seq ?? -1));
  return { m, seqs };
}

describe('behind nginx (proxy_buffering on)', () => {
  it(`without the upgrade headers: over a stream, live within ${BOUND} ms, every event as it comes, once and in order`, async (t) => {
    const server = await startServer(t);
    const nginx = await startPlainNginx(t, server.port, { upgrades: false });
    const started = performance.now();
    const { m, seqs } = follow(t, server.urlFor('p').replace(/:\d+\//, `:${nginx.port}/`));
    await m.connect();
    const live = performance.now() - started;
    t.diagnostic(`live over ${m.getStats().transport} ${live.toFixed(0)} ms after connect()`);
    assert.equal(m.getStats().transport, 'sse');
    assert.ok(live < BOUND, `live in ${live} ms`);
    // One at a time: each must come through before the next is published (nothing held by nginx).
    let slowest = 0;
    for (let i = 1; i <= 20; i++) {
      const sent = performance.now();
      await server.publish(task.step('p', 't', `s${i}`, 'running', i));
      await waitFor(() => seqs.length === i, `event ${i} through nginx`, 2000);
      slowest = Math.max(slowest, performance.now() - sent);
    }
    t.diagnostic(`slowest event through nginx: ${slowest.toFixed(1)} ms`);
    assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 1));
    m.disconnect();
    await waitFor(() => server.server.clientCount === 0, 'the stream closed at the server');
    assert.doesNotMatch(await nginx.errors(), /\[(error|crit|alert|emerg)\]/);
  });

  it('with the upgrade headers: stays on WebSocket', async (t) => {
    const server = await startServer(t);
    const nginx = await startPlainNginx(t, server.port, { upgrades: true });
    const { m, seqs } = follow(t, server.urlFor('p').replace(/:\d+\//, `:${nginx.port}/`));
    await m.connect();
    assert.equal(m.getStats().transport, 'websocket');
    await server.publish(task.started('p', 't'));
    await waitFor(() => seqs.length === 1, 'an event over the socket');
  });
});
