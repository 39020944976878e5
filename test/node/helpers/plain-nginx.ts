/**
 * Debian's nginx as a plain reverse proxy in front of one backend, from a config the test writes:
 * nginx's defaults (proxy_buffering on), and WebSocket upgrades passed on only when asked
 * (`upgrades: true`); without them an upgrade reaches the backend as a plain GET, as behind a
 * proxy nobody configured for WebSocket. Unprivileged, in the foreground, stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.js';
import { NGINX } from './nginx.js';
import { stop, track } from './processes.js';

export interface PlainNginx {
  readonly port: number;
  readonly config: string;
  errors(): Promise<string>;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

export async function startPlainNginx(t: TestContext, backend: number, options: { upgrades: boolean }): Promise<PlainNginx> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'progress-plain-nginx-'));
  const upgrade = options.upgrades
    ? ['            proxy_set_header Upgrade $http_upgrade;', '            proxy_set_header Connection "upgrade";']
    : [];
  const config = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 256; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${dir}/client_body;`,
    `    proxy_temp_path ${dir}/proxy;`,
    `    fastcgi_temp_path ${dir}/fastcgi;`,
    `    uwsgi_temp_path ${dir}/uwsgi;`,
    `    scgi_temp_path ${dir}/scgi;`,
    '    server {',
    `        listen 127.0.0.1:${port};`,
    '        location / {',
    `            proxy_pass http://127.0.0.1:${backend};`,
    '            proxy_http_version 1.1;',
    ...upgrade,
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
  await writeFile(join(dir, 'nginx.conf'), config);
  const child = track(spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] }), `nginx :${port}`);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(async () => {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  });
  for (const end = Date.now() + 10000; !(await accepts(port)); ) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > end) throw new Error(`nginx on ${port} did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { port, config, errors: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '') };
}
