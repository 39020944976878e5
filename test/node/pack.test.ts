/**
 * The packed package installs into an empty project and its Node entries work there:
 * `/client` (no DOM, no Lit) against `/server`, over a real socket.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

describe('npm pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'progress-pack-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs into an empty project where /client and /server work from Node', { timeout: 180_000 }, () => {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'a tarball');
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
    writeFileSync(
      join(app, 'check.mjs'),
      `
import { WebSocketManager, ProgressClient, AInTandemClient, isTaskEvent } from '@aintandem/progress-elements/client';
import { createProgressServer } from '@aintandem/progress-elements/server';
import WebSocket from 'ws';
if (typeof globalThis.document !== 'undefined') throw new Error('a DOM appeared');
const server = await createProgressServer();
const client = new AInTandemClient({ baseURL: server.url.replace('ws:', 'http:') + '/api', WebSocket });
const seen = [];
await client.subscribeToTask('p', 't', (e) => seen.push(isTaskEvent(e) && e.type));
server.publish({ type: 'step_progress', projectId: 'p', taskId: 't', status: 'running', progress: 5, timestamp: new Date().toISOString() });
while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
client.close();
await server.close();
console.log(JSON.stringify({ seen, classes: [typeof WebSocketManager, typeof ProgressClient] }));
`,
    );
    const out = execFileSync('node', ['check.mjs'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(JSON.parse(out.trim()), { seen: ['step_progress'], classes: ['function', 'function'] });
  });
});
