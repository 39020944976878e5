/**
 * A stream through a real nginx that buffers proxied responses (its default): each event reaches
 * the client at once, because the stream says `X-Accel-Buffering: no`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressServer } from '../../src/server/index.js';
import { task } from './helpers/fixtures.js';
import { startBufferingNginx } from './helpers/nginx-default-buffering.js';
import { stream } from './helpers/sse-stream.js';

test('through nginx with proxy buffering on, each event arrives before the next is published', async (t) => {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  t.after(() => server.close());
  const proxy = await startBufferingNginx(t, server.port);
  const client = await stream(t, `${proxy}/progress/subscribe/p1?resume=1`);
  assert.equal(client.status, 200);
  assert.equal(client.headers['content-type'], 'text/event-stream; charset=utf-8');
  const session = await client.next();
  assert.equal(session.frame.type, 'session');
  for (let i = 0; i < 5; i++) {
    const seq = await server.publish(task.step('p1', 't1', `s${i}`, 'running', i * 10));
    // Small events: a buffering proxy would hold them until its buffer fills or the response ends.
    const message = await client.next(() => true, 3000);
    assert.equal(message.id, String(seq));
  }
});

test('through nginx with proxy buffering on, a client that does not read is still shed: nginx does not spool the stream to disk', async (t) => {
  let shed = 0;
  const server = await createProgressServer({ heartbeatInterval: 0, maxBufferedBytes: 1024 * 1024, observe: { shed: () => shed++ } });
  t.after(() => server.close());
  const proxy = await startBufferingNginx(t, server.port);
  const slow = await stream(t, `${proxy}/progress/subscribe/p1?resume=1`);
  await slow.next();
  slow.pause();
  const big = 'x'.repeat(32 * 1024);
  let bytes = 0;
  // Kernel buffers on both sides of nginx take tens of MB first; nginx buffering the response
  // would take up to proxy_max_temp_file_size (1 GB) on disk instead.
  while (shed === 0) {
    await server.publish(task.output('p1', 't1', big));
    bytes += big.length;
    await new Promise((resolve) => setImmediate(resolve));
    if (bytes > 192 * 1024 * 1024) assert.fail(`not shed after ${bytes} bytes: something between holds the stream`);
  }
  slow.resume();
  assert.deepEqual(await slow.closed, { code: 1013, reason: 'too slow' });
});
