/**
 * The loopback clients of the fan-out benchmark, in a process of their own: opens groups of raw
 * `ws` clients, counts the events each receives (a frame holding an array counts its members),
 * and tells the parent when every client of a group has all it was told to expect.
 */
import WebSocket from 'ws';

interface Group {
  sockets: WebSocket[];
  counts: Int32Array;
  expected: number;
  complete: number;
  armed: boolean;
}

type Command =
  | { cmd: 'connect'; group: string; url: string; count: number }
  | { cmd: 'expect'; group: string; events: number }
  | { cmd: 'close' };

const groups = new Map<string, Group>();
const send = (message: object) => process.send!(message);

async function connect(name: string, url: string, count: number): Promise<void> {
  const group: Group = { sockets: [], counts: new Int32Array(count), expected: 0, complete: 0, armed: false };
  groups.set(name, group);
  const opened: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    group.sockets.push(ws);
    opened.push(
      new Promise((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
    );
    ws.on('message', (data) => {
      const value = JSON.parse(String(data)) as unknown;
      const n = Array.isArray(value) ? value.length : 1;
      if (!group.armed) return;
      const before = group.counts[i]!;
      group.counts[i] = before + n;
      if (before < group.expected && before + n >= group.expected && ++group.complete === count) {
        group.armed = false;
        send({ type: 'done', group: name });
      }
    });
    // Open in small steps so that the server's accept queue never overflows.
    if (i % 50 === 49) await Promise.all(opened.slice(-50));
  }
  await Promise.all(opened);
}

// The parent went away without saying goodbye: end too.
process.once('disconnect', () => process.exit(0));

process.on('message', (command: Command) => {
  void (async () => {
    switch (command.cmd) {
      case 'connect':
        await connect(command.group, command.url, command.count);
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
        for (const group of groups.values()) for (const ws of group.sockets) ws.terminate();
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
