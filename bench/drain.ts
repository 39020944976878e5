/**
 * Draining and publishing over HTTP, measured (`node --import tsx bench/drain.ts`):
 * - an instance with 1,000 clients (the kit's own, over `ws`) drained while events flow, its
 *   clients coming back through a round-robin TCP forwarder to a second instance on the same log
 *   (the drained one already out of the forwarder's list, as a load balancer takes it out): the
 *   most reconnects in any 100 ms, with a drain window of 10 s against closing all at once (window
 *   0); the time from the drain's start until every client is live again elsewhere (connected,
 *   resumed); events lost, twice delivered or out of order (all three should be 0);
 * - publishing throughput in events/s (step events of 100 tasks): `POST /progress/events` with
 *   one event per request and with batches of 100 (keep-alive, several requests in flight),
 *   against `server.publish` in the same process.
 * The servers, the forwarder and the publisher run in this process, the clients in another
 * (bench/drain-clients.ts), on loopback; the log is in memory (ProgressJournal), shared by both
 * instances as a Redis log would be.
 *
 * Options: --clients <n> (1000), --window <ms> (10000), --rate <events/s during the drain> (5).
 */
import { Agent, request } from 'node:http';
import type { TestContext } from 'node:test';
import { parseArgs } from 'node:util';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer, ProgressJournal, type ProgressServer } from '../src/server/index.js';
import { startForwarder } from '../test/node/helpers/tcp-forwarder.js';
import type { DrainClientsCommand, DrainClientsReport } from './drain-clients.js';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '1000' }, window: { type: 'string', default: '10000' }, rate: { type: 'string', default: '5' } },
});
const CLIENTS = Number(values.clients);
const WINDOW = Number(values.window);
const RATE = Number(values.rate);
const PROJECT = 'bench';
const BUCKET_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A numbered event of the drain runs (its `output`). */
const event = (n: number): ProgressEvent => ({ type: 'output', projectId: PROJECT, taskId: 'run', output: String(n), timestamp: new Date().toISOString() });
/** An event of the throughput runs: a step of one of 100 tasks. */
const step = (n: number): ProgressEvent => ({
  type: 'step_progress', projectId: PROJECT, taskId: `t${n % 100}`, stepId: 'build', step: 'Build', status: 'running', progress: n % 100, timestamp: new Date().toISOString(),
});

/** Cleanups, run in reverse order at the end (the forwarder takes them as a test's `after`). */
const cleanups: (() => unknown)[] = [];
const owner = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

/** The most of `times` (ms) that fall in any window of `width` ms (a client that never came back counts as NaN: none). */
function densest(times: readonly number[], width: number): number {
  const sorted = times.filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= width) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

interface DrainResult {
  window: number;
  clients: number;
  mostPer100ms: number;
  reconnectSpanMs: number;
  allLiveMs: number;
  published: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  resyncs: number;
}

/** The clients' process (bench/drain-clients.ts), driven over IPC. */
class Clients {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #gone: Error | undefined;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./drain-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (reply: Reply & { id: number }) => {
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
    this.#child.once('exit', (code) => {
      this.#gone = new Error(`the clients' process exited with ${code}`);
      for (const resolve of this.#waiting.values()) resolve({ error: this.#gone.message });
      this.#waiting.clear();
    });
  }

  ask(command: DistributiveOmit<DrainClientsCommand, 'id'>): Promise<Reply> {
    if (this.#gone) return Promise.resolve({ error: this.#gone.message });
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.send({ id, ...command });
    });
  }

  stop(): void {
    if (this.#child.connected) this.#child.disconnect();
  }
}

interface Reply {
  error?: string;
  ok?: boolean;
  report?: DrainClientsReport;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function drainRun(window: number): Promise<DrainResult> {
  const journal = new ProgressJournal({ size: 100_000 });
  // Every client comes from loopback through the forwarder: no per-address limits.
  const limits = { heartbeatInterval: 0, maxConnectionsPerAddress: Infinity, connectionAttempts: { burst: Infinity } };
  const drained = await createProgressServer({ log: journal, ...limits });
  const other = await createProgressServer({ log: journal, ...limits });
  cleanups.push(() => other.close(), () => drained.close());
  const port = (s: ProgressServer) => Number(new URL(s.urlFor()).port);
  const forwarder = await startForwarder(owner, [port(drained)]);
  const clients = new Clients();
  cleanups.push(() => clients.stop());

  let published = 0;
  let publishing = true;
  const publishLoop = (async () => {
    while (publishing) {
      await other.publish(event(published++));
      await sleep(1000 / RATE);
    }
  })();
  cleanups.push(() => {
    publishing = false;
    return publishLoop;
  });
  const connected = await clients.ask({ cmd: 'connect', url: `${forwarder.url}/ws`, count: CLIENTS, projectId: PROJECT });
  if (!connected.ok) throw new Error(connected.error ?? 'the clients did not all connect');

  // The load balancer takes the instance out first; then it drains.
  forwarder.backends = [port(other)];
  const since = Date.now();
  await drained.drain({ window });
  // Events keep flowing for a second after the last socket was closed.
  await sleep(1000);
  publishing = false;
  await publishLoop;
  const { report, error } = await clients.ask({ cmd: 'report', since, published, timeoutMs: 60_000 });
  if (!report) throw new Error(error ?? 'no report from the clients');
  const { reconnects, live, lost, duplicated, outOfOrder, resyncs } = report;
  const result: DrainResult = {
    window,
    clients: CLIENTS,
    mostPer100ms: densest(reconnects, BUCKET_MS),
    reconnectSpanMs: Math.max(...reconnects) - Math.min(...reconnects),
    allLiveMs: Math.max(...live),
    published,
    lost,
    duplicated,
    outOfOrder,
    resyncs,
  };
  await cleanUp();
  return result;
}

/** POSTs `bodies` to the server's publish endpoint, `inFlight` at a time; resolves with the events published. */
async function postAll(origin: string, key: string, bodies: readonly string[], inFlight: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  let next = 0;
  let events = 0;
  const one = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${origin}/progress/events`, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${res.statusCode}: ${text}`));
          events += (JSON.parse(text) as { seqs: number[] }).seqs.length;
          resolve();
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < bodies.length) await one(bodies[next++]!);
    }),
  );
  agent.destroy();
  return events;
}

interface Throughput {
  how: string;
  events: number;
  ms: number;
}

async function publishThroughput(): Promise<Throughput[]> {
  const key = 'bench-publisher-key';
  const results: Throughput[] = [];
  const measure = async (how: string, run: (server: ProgressServer) => Promise<number>) => {
    const server = await createProgressServer({ log: new ProgressJournal({ size: 10_000 }), heartbeatInterval: 0, publishKey: key });
    await run(server); // warm-up
    const t0 = performance.now();
    const events = await run(server);
    results.push({ how, events, ms: performance.now() - t0 });
    await server.close();
  };
  const httpOrigin = (server: ProgressServer) => server.urlFor().replace(/^ws/, 'http').replace(/\/ws$/, '');
  await measure('HTTP, one event per request (16 in flight)', (server) =>
    postAll(httpOrigin(server), key, Array.from({ length: 5000 }, (_, i) => JSON.stringify(step(i))), 16),
  );
  await measure('HTTP, 100 events per request (4 in flight)', (server) =>
    postAll(httpOrigin(server), key, Array.from({ length: 500 }, (_, r) => JSON.stringify(Array.from({ length: 100 }, (_, i) => step(r * 100 + i)))), 4),
  );
  await measure('server.publish in the same process', async (server) => {
    const seqs = await Promise.all(Array.from({ length: 50_000 }, (_, i) => server.publish(step(i))));
    return seqs.length;
  });
  return results;
}

try {
  const runs = [await drainRun(WINDOW), await drainRun(0)];
  console.log(`Draining an instance with ${CLIENTS} clients while ${RATE} events/s are published:`);
  console.table(runs);
  const throughput = await publishThroughput();
  console.log('Publishing:');
  console.table(throughput.map((r) => ({ how: r.how, events: r.events, 'events/s': Math.round((r.events / r.ms) * 1000) })));
} finally {
  await cleanUp();
}
