/** A bare WebSocket upgrade request (node:http), for the status a server answers it with. */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/**
 * Sends an upgrade request to `url` (http://host:port/path) and resolves with the status of the
 * answer: 101 when it was upgraded. Rejects when no answer comes within `timeoutMs`.
 */
export function upgradeStatus(url: string, timeoutMs = 2000, headers: Record<string, string> = {}): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to the upgrade of ${target.pathname} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.once('response', (response) => {
      clearTimeout(timer);
      response.resume();
      resolve(response.statusCode ?? 0);
      req.destroy();
    });
    req.once('upgrade', (_response, socket) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(101);
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
