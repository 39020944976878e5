/** An upgrade to a path that is no endpoint of the reference server is answered with 404 at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './helpers/fixtures.js';
import { upgradeStatus } from './helpers/raw-upgrade.js';

test('an upgrade to a path that is no endpoint (/ws/demo, /, a subscribe path without a project) gets 404 at once; the endpoints upgrade', async (t) => {
  const server = await startServer(t);
  const origin = `http://127.0.0.1:${server.port}`;
  for (const path of ['/ws/demo', '/', '/api/ws', '/progress/subscribe/']) assert.equal(await upgradeStatus(origin + path, 2000), 404, path);
  for (const path of ['/ws', '/progress/subscribe/p1', '/api/progress/subscribe/p1']) assert.equal(await upgradeStatus(origin + path, 2000), 101, path);
});
