/**
 * Debian's nginx for a test, unprivileged and in the foreground, in front of the given backends,
 * with the deployment config of docs/deploy/nginx.conf (the file the README shows): its upstream
 * servers and its `listen` replaced, nothing else. Every response, 101 included, says which
 * backend answered (`x-progress-upstream`), so that a test can tell where each socket went.
 * Stopped by its PID when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.js';
import { stop, track } from './processes.js';

export const NGINX = '/usr/sbin/nginx';
export const DEPLOY_CONFIG = new URL('../../../docs/deploy/nginx.conf', import.meta.url);
/** The response header naming the backend (`127.0.0.1:port`) that served a request. */
export const UPSTREAM_HEADER = 'x-progress-upstream';

export interface TestNginx {
  readonly port: number;
  /** `ws://127.0.0.1:port` */
  readonly url: string;
  /** What nginx wrote to its error log. */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The deployment config with `backends` as its upstream servers (their options kept) and
 * `127.0.0.1:port` as its address. Throws when the file no longer has the parts it replaces.
 */
export function deploymentConfig(template: string, backends: readonly number[], port: number): string {
  const server = /^(\s*)server\s+\S+:\d+(\s[^;]*)?;\n/m;
  const first = server.exec(template);
  if (!first) throw new Error('docs/deploy/nginx.conf: no upstream server line');
  const [, indent, options = ''] = first;
  const lines = backends.map((backend) => `${indent}server 127.0.0.1:${backend}${options};\n`).join('');
  const upstream = template.replace(new RegExp(server.source, 'gm'), '').replace(/(upstream\s+\w+\s*\{\n)/, `$1${lines}`);
  const listen = /^(\s*)listen\s+80;$/m;
  if (!listen.test(upstream)) throw new Error('docs/deploy/nginx.conf: no "listen 80;" line');
  return upstream.replace(listen, `$1listen 127.0.0.1:${port};`);
}

/** Whether something accepts connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs nginx for a test on a free port with the `site` (server blocks) it makes for that port,
 * its process-wide settings kept inside a folder of its own; resolves once it accepts
 * connections, and stops it and removes the folder when the test ends.
 */
export async function runNginx(t: TestContext, options: { site: (port: number) => string; connections?: number; http?: readonly string[] }): Promise<TestNginx> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'progress-nginx-'));
  const main = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    `events { worker_connections ${options.connections ?? 256}; }`,
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${dir}/client_body;`,
    `    proxy_temp_path ${dir}/proxy;`,
    `    fastcgi_temp_path ${dir}/fastcgi;`,
    `    uwsgi_temp_path ${dir}/uwsgi;`,
    `    scgi_temp_path ${dir}/scgi;`,
    ...(options.http ?? []).map((line) => `    ${line}`),
    '    include site.conf;',
    '}',
    '',
  ].join('\n');
  await writeFile(join(dir, 'site.conf'), options.site(port));
  await writeFile(join(dir, 'nginx.conf'), main);
  const child: ChildProcess = track(
    spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] }),
    `nginx :${port}`,
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const nginx: TestNginx = {
    port,
    url: `ws://127.0.0.1:${port}`,
    errors: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    stop: () => stop(child),
  };
  t.after(async () => {
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  });
  for (const end = Date.now() + 10000; !(await accepts(port)); ) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${await nginx.errors()}`);
    if (Date.now() > end) throw new Error(`nginx on ${port} did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return nginx;
}

/** The deployment config in front of `backends`; every response, 101 included, names the backend that served it. */
export async function startNginx(t: TestContext, backends: readonly number[]): Promise<TestNginx> {
  const template = await readFile(DEPLOY_CONFIG, 'utf8');
  // Every socket through it holds two connections: the client's and the backend's.
  return runNginx(t, { site: (port) => deploymentConfig(template, backends, port), connections: 4096, http: [`add_header ${UPSTREAM_HEADER} $upstream_addr always;`] });
}
