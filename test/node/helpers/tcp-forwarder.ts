/**
 * A TCP forwarder on loopback for the multi-server tests: an ordinary load balancer (new
 * connections go round-robin to the backends that accept them, no stickiness), and a network
 * fault (a pause that holds every byte both ways with the connections left open, a cut, an
 * offline period that refuses new connections).
 */
import { connect, createServer, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface Forwarder {
  readonly port: number;
  /** `ws://127.0.0.1:port` */
  readonly url: string;
  /** Ports new connections go to, in turn; a backend that refuses is skipped. */
  backends: number[];
  /** Holds every byte, both ways, until `resume()`; connections stay open (a stuck network). */
  pause(): void;
  resume(): void;
  /** Cuts every connection (no close frame, no FIN handshake: destroyed). */
  cut(): void;
  /** Cuts every connection and refuses new ones until `online()`. */
  offline(): void;
  online(): void;
  /** Date.now() and the backend port of every connection forwarded. */
  readonly accepted: { at: number; backend: number }[];
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes held while paused, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startForwarder(t: TestContext, backends: number[]): Promise<Forwarder> {
  const pairs = new Set<Pair>();
  let paused = false;
  let refusing = false;
  let turn = 0;
  const accepted: { at: number; backend: number }[] = [];

  const server = createServer((client) => {
    client.on('error', () => {});
    if (refusing || forwarder.backends.length === 0) {
      client.destroy();
      return;
    }
    client.pause();
    tryBackend(client, 0);
  });

  function tryBackend(client: Socket, tried: number): void {
    const list = forwarder.backends;
    if (tried >= list.length || client.destroyed) {
      client.destroy();
      return;
    }
    const backend = list[turn++ % list.length]!;
    const upstream = connect(backend, '127.0.0.1');
    const onError = () => {
      upstream.destroy();
      tryBackend(client, tried + 1);
    };
    upstream.once('error', onError);
    upstream.once('connect', () => {
      upstream.off('error', onError);
      upstream.on('error', () => {});
      accepted.push({ at: Date.now(), backend });
      link(client, upstream);
    });
  }

  function link(client: Socket, upstream: Socket): void {
    const pair: Pair = { client, upstream, toUpstream: [], toClient: [] };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket, held: Buffer[]) => {
      from.on('data', (chunk) => {
        if (paused) held.push(chunk);
        else to.write(chunk);
      });
    };
    forward(client, upstream, pair.toUpstream);
    forward(upstream, client, pair.toClient);
    const end = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
    if (paused) upstream.pause();
    else client.resume();
  }

  const forwarder: Forwarder = {
    port: 0,
    url: '',
    backends: [...backends],
    accepted,
    get open() {
      return pairs.size;
    },
    pause() {
      paused = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      paused = false;
      for (const pair of pairs) {
        for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
        for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    cut() {
      for (const { client, upstream } of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
    },
    offline() {
      refusing = true;
      forwarder.cut();
    },
    online() {
      refusing = false;
    },
    async close() {
      forwarder.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  Object.assign(forwarder, { port, url: `ws://127.0.0.1:${port}` });
  t.after(() => forwarder.close());
  return forwarder;
}
