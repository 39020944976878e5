/**
 * The clients of bench/drain.ts, in a process of their own (so that the servers' work and the
 * clients' do not share one event loop): the kit's ProgressClient over `ws`, one project each.
 * Driven over IPC: `connect` (resolves once all are connected and receiving), `report` (the times
 * of their reconnects and resumes after `since`, and what they received), `close`.
 */
import WebSocket from 'ws';
import { ProgressClient } from '../src/client/index.js';

export type DrainClientsCommand =
  | { id: number; cmd: 'connect'; url: string; count: number; projectId: string }
  | { id: number; cmd: 'report'; since: number; published: number; timeoutMs: number }
  | { id: number; cmd: 'close' };

export interface DrainClientsReport {
  /** ms after `since` of each client's first socket opened since then. */
  reconnects: number[];
  /** ms after `since` of each client's first resync (live again, nothing missed) since then. */
  live: number[];
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Resyncs that were not `resumed` (events were missed). */
  resyncs: number;
}

interface Watcher {
  client: ProgressClient;
  got: number[];
  resyncs: { at: number; reason: string }[];
  connected: number[];
}

const watchers: Watcher[] = [];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

function watch(url: string, projectId: string): Watcher {
  const client = new ProgressClient({ url, WebSocket, reconnectDelay: 250, maxReconnectDelay: 5000, lingerTime: 0 });
  const watcher: Watcher = { client, got: [], resyncs: [], connected: [] };
  client.onResync((reason) => watcher.resyncs.push({ at: Date.now(), reason }));
  client.onConnectionState((e) => {
    if (e.type === 'connected') watcher.connected.push(Date.now());
  });
  client.subscribeToProgress({ projectId, onEvent: (e) => watcher.got.push(Number((e as { output?: string }).output)) });
  return watcher;
}

function report(since: number, published: number): DrainClientsReport {
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const w of watchers) {
    // Events published before a client connected are not its: it counts from the first it received.
    const distinct = new Set(w.got);
    lost += published - (w.got[0] ?? published) - distinct.size;
    duplicated += w.got.length - distinct.size;
    if (w.got.some((n, i) => i > 0 && n <= w.got[i - 1]!)) outOfOrder++;
  }
  return {
    reconnects: watchers.map((w) => (w.connected.find((at) => at >= since) ?? NaN) - since),
    live: watchers.map((w) => (w.resyncs.find((r) => r.at >= since)?.at ?? NaN) - since),
    lost,
    duplicated,
    outOfOrder,
    resyncs: watchers.reduce((n, w) => n + w.resyncs.filter((r) => r.reason !== 'resumed').length, 0),
  };
}

process.once('disconnect', () => process.exit(0));
process.on('message', (command: DrainClientsCommand) => {
  void (async () => {
    switch (command.cmd) {
      case 'connect': {
        for (let i = 0; i < command.count; i++) watchers.push(watch(command.url, command.projectId));
        const ok = await until(() => watchers.every((w) => w.client.isConnected() && w.got.length > 0), 60_000);
        process.send!({ id: command.id, ok });
        break;
      }
      case 'report': {
        // Every client back (resumed since `since`) and caught up with what was published, or the timeout.
        await until(
          () => watchers.every((w) => w.resyncs.some((r) => r.at >= command.since) && w.got.length >= command.published),
          command.timeoutMs,
        );
        process.send!({ id: command.id, report: report(command.since, command.published) });
        break;
      }
      case 'close':
        for (const w of watchers.splice(0)) w.client.close();
        process.send!({ id: command.id });
        break;
    }
  })();
});
