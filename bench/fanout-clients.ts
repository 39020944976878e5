/**
 * The loopback clients of the fan-out benchmarks, in a process of their own: opens groups of
 * clients (raw `ws` sockets, or socket.io clients as published), counts the events each receives
 * (a frame holding an array counts its members), and tells the parent when every client of a
 * group has all it was told to expect.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { FanoutCommand, FanoutTransport } from './fanout-client-process.js';

interface Group {
  closers: (() => void)[];
  counts: Int32Array;
  expected: number;
  complete: number;
  armed: boolean;
}

const groups = new Map<string, Group>();
const send = (message: object) => process.send!(message);

/** Opens one client; calls `received(n)` for each frame (n events) and resolves once it is open. */
function open(url: string, transport: FanoutTransport, received: (n: number) => void): { opened: Promise<void>; close: () => void } {
  if (transport === 'ws') {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (data) => {
      const value = JSON.parse(String(data)) as unknown;
      received(Array.isArray(value) ? value.length : 1);
    });
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { opened, close: () => ws.terminate() };
  }
  // One Manager per client (forceNew): io() would otherwise multiplex every client of a URL onto one connection.
  const socket: Socket = io(url, { transports: [transport === 'socket.io websocket' ? 'websocket' : 'polling'], forceNew: true, reconnection: false });
  socket.on('progress', (value: unknown) => received(Array.isArray(value) ? value.length : 1));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { opened, close: () => socket.disconnect() };
}

async function connect(name: string, url: string, count: number, transport: FanoutTransport): Promise<void> {
  const group: Group = { closers: [], counts: new Int32Array(count), expected: 0, complete: 0, armed: false };
  groups.set(name, group);
  const opened: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const client = open(url, transport, (n) => {
      if (!group.armed) return;
      const before = group.counts[i]!;
      group.counts[i] = before + n;
      if (before < group.expected && before + n >= group.expected && ++group.complete === count) {
        group.armed = false;
        send({ type: 'done', group: name });
      }
    });
    group.closers.push(client.close);
    opened.push(client.opened);
    // Open in small steps so that the server's accept queue never overflows.
    if (i % 50 === 49) await Promise.all(opened.slice(-50));
  }
  await Promise.all(opened);
}

// The parent went away without saying goodbye: end too.
process.once('disconnect', () => process.exit(0));

process.on('message', (command: FanoutCommand) => {
  void (async () => {
    switch (command.cmd) {
      case 'connect':
        await connect(command.group, command.url, command.count, command.transport ?? 'ws');
        send({ type: 'connected', group: command.group });
        break;
      case 'expect': {
        const group = groups.get(command.group)!;
        group.counts.fill(0);
        group.expected = command.events;
        group.complete = 0;
        group.armed = true;
        send({ type: 'armed', group: command.group });
        break;
      }
      case 'close':
        for (const group of groups.values()) for (const close of group.closers) close();
        groups.clear();
        send({ type: 'closed' });
        process.removeAllListeners('disconnect');
        process.disconnect();
        break;
    }
  })().catch((error) => {
    send({ type: 'error', message: String(error?.stack ?? error) });
  });
});
