/**
 * Under `npm start` (the demo under Vite, the progress server on Vite's HTTP server), the socket
 * URLs the demo prints answer streams too: the project's under `/api`, and the all-projects path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoUrl, interrupt, runStartScript } from './helpers/start-script.js';
import { stream } from './helpers/sse-stream.js';
import { waitFor } from './helpers/fixtures.js';

test('npm start: the project URL under /api and the all-projects path stream the simulator\'s events', { timeout: 60_000 }, async (t) => {
  const script = runStartScript(['--port', '0', '--speed', '20', '--seed', '42']);
  t.after(() => interrupt(script));
  const origin = new URL(await demoUrl(script)).origin;
  await waitFor(() => /\/api\/progress\/subscribe\/(\S+) /.test(script.output()), 'the socket URL printed', 10_000);
  const project = /\/api\/progress\/subscribe\/(\S+) /.exec(script.output())![1]!;
  for (const path of [`/api/progress/subscribe/${project}?resume=1`, '/ws?resume=1']) {
    const client = await stream(t, `${origin}${path}`);
    assert.equal(client.status, 200, `${path}: ${client.raw().slice(0, 200)}`);
    assert.equal(client.headers['content-type'], 'text/event-stream; charset=utf-8', path);
    await waitFor(() => client.frames().length >= 3, `${path}: the session and events`, 15_000);
    assert.equal(client.frames()[0].type, 'session');
    const numbered = client.messages.filter((m) => m.id !== undefined);
    assert.ok(numbered.length >= 2 && numbered.every((m) => m.id === String(m.frame.seq)), path);
    client.cancel();
  }
  const refused = await fetch(`${origin}/api/progress/subscribe/${project}`);
  assert.equal(refused.status, 406);
  await refused.text();
});
