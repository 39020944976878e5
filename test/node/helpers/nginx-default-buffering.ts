/**
 * Debian's nginx in front of one backend, with the deployment config of docs/deploy/nginx.conf
 * less its `proxy_buffering off;` line: nginx buffers proxied responses as it does by default,
 * so that only what a response says of itself (`X-Accel-Buffering: no`) lets a stream through
 * event by event. Stopped by its PID when the test ends.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.js';
import { DEPLOY_CONFIG, NGINX, deploymentConfig } from './nginx.js';
import { stop, track } from './processes.js';

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Starts it; resolves with its `http://127.0.0.1:port` once it accepts connections. */
export async function startBufferingNginx(t: TestContext, backend: number): Promise<string> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'progress-nginx-buffering-'));
  const template = await readFile(DEPLOY_CONFIG, 'utf8');
  if (!/^\s*proxy_buffering off;\n/m.test(template)) throw new Error('docs/deploy/nginx.conf: no "proxy_buffering off;" line');
  const site = deploymentConfig(template.replace(/^\s*proxy_buffering off;\n/m, ''), [backend], port);
  const main = [
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
    '    include site.conf;',
    '}',
    '',
  ].join('\n');
  await writeFile(join(dir, 'site.conf'), site);
  await writeFile(join(dir, 'nginx.conf'), main);
  const child = track(spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' }), `nginx :${port}`);
  t.after(async () => {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  });
  for (const end = Date.now() + 10000; !(await accepts(port)); ) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    if (Date.now() > end) throw new Error(`nginx on ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return `http://127.0.0.1:${port}`;
}
