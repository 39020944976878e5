/**
 * The loopback clients of the Server-Sent Events fan-out benchmark, in a process of their own:
 * groups of WebSocket clients (`ws`) or stream clients (node:http, read with eventsource-parser,
 * as a browser's EventSource would), each counting the events it receives (a frame holding an
 * array counts its members), telling the parent when every client of a group has all it was told
 * to expect. Commands as bench/fanout-clients.ts takes them.
 */
import { request } from 'node:http';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';

export type SseFanoutTransport = 'ws' | 'sse';

export type SseFanoutCommand =
  | { cmd: 'connect'; group: string; url: string; count: number; transport: SseFanoutTransport }
  | { cmd: 'expect'; group: string; events: number }
  | { cmd: 'close' };

interface Group {
  closers: (() => void)[];
  counts: Int32Array;
  expected: number;
  complete: number;
  armed: boolean;
}

const groups = new Map<string, Group>();
const send = (message: object) => process.send!(message);
const eventsIn = (text: string): number => {
  const value = JSON.parse(text) as { type?: string } | unknown[];
  if (Array.isArray(value)) return value.length;
  return value.type === 'session' ? 0 : 1;
};

/** Opens one client; calls `received(n)` for each frame (n events) and resolves once it is open. */
function open(url: string, transport: SseFanoutTransport, received: (n: number) => void): { opened: Promise<void>; close: () => void } {
  if (transport === 'ws') {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (data) => received(eventsIn(String(data))));
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { opened, close: () => ws.terminate() };
  }
  const parser = createParser({ onEvent: (message) => message.event === undefined && received(eventsIn(message.data)) });
  const req = request(url, { headers: { accept: 'text/event-stream' }, agent: false });
  const opened = new Promise<void>((resolve, reject) => {
    req.once('response', (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`stream refused: ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
      resolve();
    });
    req.once('error', reject);
  });
  req.end();
  return { opened, close: () => req.destroy() };
}

async function connect(name: string, url: string, count: number, transport: SseFanoutTransport): Promise<void> {
  const group: Group = { closers: [], counts: new Int32Array(count), expected: 0, complete: 0, armed: false };
  groups.set(name, group);
  const opened: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const client = open(url, transport, (n) => {
      if (!group.armed || n === 0) return;
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

process.on('message', (command: SseFanoutCommand) => {
  void (async () => {
    switch (command.cmd) {
      case 'connect':
        await connect(command.group, command.url, command.count, command.transport);
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
