/**
 * Debian's nginx as a plain reverse proxy in front of one backend, from a config the test writes:
 * nginx's defaults (proxy_buffering on), and WebSocket upgrades passed on only when asked
 * (`upgrades: true`); without them an upgrade reaches the backend as a plain GET, as behind a
 * proxy nobody configured for WebSocket. Unprivileged, in the foreground, stopped by its PID.
 */
import type { TestContext } from 'node:test';
import { runNginx } from './nginx.js';

export interface PlainNginx {
  readonly port: number;
  readonly config: string;
  errors(): Promise<string>;
}

export async function startPlainNginx(t: TestContext, backend: number, options: { upgrades: boolean }): Promise<PlainNginx> {
  const upgrade = options.upgrades
    ? ['        proxy_set_header Upgrade $http_upgrade;', '        proxy_set_header Connection "upgrade";']
    : [];
  let config = '';
  const site = (port: number): string =>
    (config = [
      'server {',
      `    listen 127.0.0.1:${port};`,
      '    location / {',
      `        proxy_pass http://127.0.0.1:${backend};`,
      '        proxy_http_version 1.1;',
      ...upgrade,
      '    }',
      '}',
      '',
    ].join('\n'));
  const nginx = await runNginx(t, { site });
  return { port: nginx.port, config, errors: nginx.errors };
}
