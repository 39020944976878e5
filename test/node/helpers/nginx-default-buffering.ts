/**
 * Debian's nginx in front of one backend, with the deployment config of docs/deploy/nginx.conf
 * less its `proxy_buffering off;` line: nginx buffers proxied responses as it does by default,
 * so that only what a response says of itself (`X-Accel-Buffering: no`) lets a stream through
 * event by event. Stopped by its PID when the test ends.
 */
import { readFile } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { DEPLOY_CONFIG, deploymentConfig, runNginx } from './nginx.js';

/** Starts it; resolves with its `http://127.0.0.1:port` once it accepts connections. */
export async function startBufferingNginx(t: TestContext, backend: number): Promise<string> {
  const template = await readFile(DEPLOY_CONFIG, 'utf8');
  if (!/^\s*proxy_buffering off;\n/m.test(template)) throw new Error('docs/deploy/nginx.conf: no "proxy_buffering off;" line');
  const nginx = await runNginx(t, { site: (port) => deploymentConfig(template.replace(/^\s*proxy_buffering off;\n/m, ''), [backend], port) });
  return `http://127.0.0.1:${nginx.port}`;
}
