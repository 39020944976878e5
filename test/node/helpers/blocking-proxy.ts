/**
 * An HTTP proxy on loopback that does to WebSocket upgrades what proxies and firewalls in the
 * field do, and passes every other request (a stream of Server-Sent Events) as it is. Modes, for
 * the connections that start after the mode is set: `pass` (everything goes through), `refuse-403`
 * (an upgrade gets `403 Forbidden`), `reset` (an upgrade's TCP connection is reset), and
 * `drop-frames` (the upgrade goes through, 101 included, then every byte after it, both ways, is
 * dropped: a socket that looks open and stays silent). It reads no more than each connection's
 * first request head; the rest is bytes.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type ProxyMode = 'pass' | 'refuse-403' | 'reset' | 'drop-frames';

export interface BlockingProxy {
  readonly port: number;
  /** `ws://127.0.0.1:port`: the address of the server behind it. */
  readonly url: string;
  mode: ProxyMode;
  /** Where connections go. */
  backend: number;
  /** Upgrades seen, and streams (other requests) passed, since the start. */
  readonly upgrades: number;
  readonly requests: number;
  /**
   * Called as each connection's request head is read, before anything is passed on; when it
   * returns a promise, the request waits for it.
   */
  onRequest: ((upgrade: boolean) => void | Promise<void>) | undefined;
  /** Connections open now (client side). */
  readonly open: number;
  /** Cuts every connection. */
  cut(): void;
  close(): Promise<void>;
}

/** The longest request head read before deciding (a client that sends more is cut). */
const HEAD_LIMIT = 16 * 1024;

export async function startBlockingProxy(t: TestContext, backend: number, mode: ProxyMode = 'pass'): Promise<BlockingProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let upgrades = 0;
  let requests = 0;

  const server = createServer((client) => {
    sockets.add(client);
    clients.add(client);
    client.on('error', () => {});
    client.once('close', () => {
      sockets.delete(client);
      clients.delete(client);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > HEAD_LIMIT) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const text = head.subarray(0, end).toString('latin1');
      const upgrade = /^upgrade:\s*websocket\s*$/im.test(text);
      if (upgrade) upgrades++;
      else requests++;
      const mode = upgrade ? proxy.mode : 'pass';
      const hold = proxy.onRequest?.(upgrade);
      if (hold) void hold.then(() => decide(client, head, mode), () => client.destroy());
      else decide(client, head, mode);
    };
    client.on('data', onData);
  });

  function decide(client: Socket, head: Buffer, mode: ProxyMode): void {
    if (mode === 'refuse-403') {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 9\r\nconnection: close\r\n\r\nforbidden');
      return;
    }
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(proxy.backend, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => {});
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.once('close', () => {
      sockets.delete(upstream);
      end();
    });
    client.once('close', end);
    upstream.once('connect', () => {
      upstream.write(head);
      if (mode === 'pass') {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        return;
      }
      // drop-frames: the answer's head (101) goes through; nothing after it, either way.
      let answer = Buffer.alloc(0);
      let through = false;
      upstream.on('data', (chunk: Buffer) => {
        if (through) return;
        answer = Buffer.concat([answer, chunk]);
        const headEnd = answer.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        through = true;
        client.write(answer.subarray(0, headEnd + 4));
      });
      client.on('data', () => {});
      client.resume();
    });
  }

  const proxy: BlockingProxy = {
    port: 0,
    url: '',
    mode,
    backend,
    onRequest: undefined,
    get upgrades() {
      return upgrades;
    },
    get requests() {
      return requests;
    },
    get open() {
      return clients.size;
    },
    cut() {
      for (const socket of [...sockets]) socket.destroy();
    },
    async close() {
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  Object.assign(proxy, { port, url: `ws://127.0.0.1:${port}` });
  t.after(() => proxy.close());
  return proxy;
}
