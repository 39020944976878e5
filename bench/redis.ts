/**
 * Several reference servers on one Redis against one server on the memory log, side by side in
 * one run, each server in a process of its own (bench/redis-instance.ts) and a real redis-server:
 *
 * - fan-out: the same events to the same number of loopback clients (bench/fanout-clients.ts),
 *   spread over 3 servers on Redis (published through one of them), or all on 1 server in memory;
 * - events per second into the log from one server (validated, appended, acknowledged), no
 *   socket listening;
 * - publish -> delivery latency (p50, p99) of lone events: published on one server, received on
 *   another through Redis, against the same on one server in memory;
 * - resume of 2,000 missed events from another server (read from the stream), against the same
 *   from the memory log.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { ProgressEvent } from '../src/protocol/events.js';
import { floodEvents, stepEvent } from './events.js';
import { fmt, row, sleep, withTimeout, type ResultRow } from './stats.js';

const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisBenchOptions {
  rounds: number;
  /** Loopback clients in all, on the one memory server or spread over the three. */
  clients: number;
  /** Events per fan-out round. */
  events: number;
  /** Events per round of the append-rate figure (no socket listening). */
  appends: number;
  /** Events published per turn of the event loop. */
  chunk: number;
  latencySamples: number;
  /** ms between two lone events. */
  latencyGapMs: number;
  /** Events missed by the resuming client. */
  missed: number;
  resumeRepeats: number;
}

export const REDIS_DEFAULTS: RedisBenchOptions = {
  rounds: 4,
  clients: 600,
  events: 1000,
  appends: 10000,
  chunk: 10,
  latencySamples: 300,
  latencyGapMs: 5,
  missed: 2000,
  resumeRepeats: 5,
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server without persistence on a free port; `stop()` ends it and removes its directory. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing (on Debian: apt-get install -y redis-server)`);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'bench-redis-'));
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (const end = Date.now() + 10000; ; ) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > end) throw new Error('redis-server did not start');
    await sleep(20);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A child process spoken to over IPC: requests answered by `id`. */
class Child {
  protected readonly child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (reply: any) => void; reject: (error: Error) => void }>();
  readonly ready: Promise<any>;

  constructor(script: string, env: NodeJS.ProcessEnv) {
    this.child = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: { id?: number; ready?: boolean; error?: string }) => {
        if (message.ready) resolve(message);
        if (message.id === undefined) return;
        const waiter = this.#waiting.get(message.id);
        this.#waiting.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message);
      });
      this.child.once('exit', (code) => {
        reject(new Error(`${script} exited with ${code}`));
        for (const waiter of this.#waiting.values()) waiter.reject(new Error(`${script} exited`));
      });
    });
  }

  request<T = any>(command: object, timeout = 120000): Promise<T> {
    const id = this.#next++;
    const answered = new Promise<T>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    this.child.send({ id, ...command });
    return withTimeout(answered, timeout, JSON.stringify(command).slice(0, 60));
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request({ cmd: 'close' }, 10000).catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

class Instance extends Child {
  port = 0;
  static async start(redisUrl: string | undefined): Promise<Instance> {
    const instance = new Instance('./redis-instance.ts', redisUrl ? { REDIS_URL: redisUrl } : {});
    instance.port = (await instance.ready).port;
    return instance;
  }
  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }
}

/** The fan-out benchmark's client process, with its own protocol (replies by `type` and `group`). */
class Clients {
  readonly #child = fork(fileURLToPath(new URL('./fanout-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  #waiting: { type: string; group?: string; resolve: () => void }[] = [];

  constructor() {
    this.#child.on('message', (reply: { type: string; group?: string; message?: string }) => {
      if (reply.type === 'error') console.error(`  redis: clients: ${reply.message}`);
      const i = this.#waiting.findIndex((w) => w.type === reply.type && (w.group === undefined || w.group === reply.group));
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve();
    });
  }

  expect(type: string, group?: string): Promise<void> {
    return new Promise((resolve) => this.#waiting.push({ type, group, resolve }));
  }

  request(command: object, type: string, group?: string): Promise<void> {
    const answered = this.expect(type, group);
    this.#child.send(command);
    return withTimeout(answered, 120000, `clients: ${type}`);
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ cmd: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A raw socket that collects the events it receives (array frames counted by member). */
function open(url: string): Promise<{ ws: WebSocket; events: any[]; first: Promise<any> }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const events: any[] = [];
  let resolveFirst!: (frame: any) => void;
  const first = new Promise<any>((resolve) => (resolveFirst = resolve));
  let seen = false;
  ws.on('message', (data) => {
    const value = JSON.parse(String(data));
    if (!seen) {
      seen = true;
      resolveFirst(value);
    }
    for (const message of Array.isArray(value) ? value : [value]) if (message.type !== 'session') events.push(message);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, events, first }));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}

export async function runRedis(options: RedisBenchOptions = REDIS_DEFAULTS): Promise<ResultRow[]> {
  const log = (text: string) => console.log(`  redis: ${text}`);
  const redis = await startRedis();
  const started: Child[] = [];
  let clients: Clients | undefined;
  try {
    const [memory, ...onRedis] = await Promise.all([Instance.start(undefined), Instance.start(redis.url), Instance.start(redis.url), Instance.start(redis.url)]);
    started.push(memory!, ...onRedis);
    const [r0, r1, r2] = onRedis as [Instance, Instance, Instance];

    // ---- fan-out -------------------------------------------------------------------------------
    clients = new Clients();
    const fanPath = '/progress/subscribe/fan';
    await clients.request({ cmd: 'connect', group: 'memory', url: memory!.url(fanPath), count: options.clients }, 'connected', 'memory');
    const third = Math.round(options.clients / 3);
    const groups = ['r0', 'r1', 'r2'];
    for (const [i, instance] of onRedis.entries()) {
      await clients.request({ cmd: 'connect', group: groups[i], url: instance.url(fanPath), count: i === 2 ? options.clients - 2 * third : third }, 'connected', groups[i]);
    }
    const rates = { memory: [] as number[], redis: [] as number[] };

    for (let round = 0; round < options.rounds; round++) {
      const events = floodEvents('fan', 50, Math.ceil(options.events / 50)).slice(0, options.events);
      for (const mode of round % 2 === 0 ? (['memory', 'redis'] as const) : (['redis', 'memory'] as const)) {
        const armed = mode === 'memory' ? ['memory'] : groups;
        for (const group of armed) await clients.request({ cmd: 'expect', group, events: events.length }, 'armed', group);
        const done = Promise.all(armed.map((group) => clients!.expect('done', group)));
        const t0 = performance.now();
        await (mode === 'memory' ? memory! : r0).request({ cmd: 'flood', events, chunk: options.chunk });
        await withTimeout(done, 120000, `${mode}: every client receiving every event`);
        const ms = performance.now() - t0;
        const rate = ((events.length * options.clients) / ms) * 1000;
        rates[mode].push(rate);
        log(`round ${round + 1} fan-out ${mode.padEnd(6)} ${fmt(rate, 0).padStart(9)} deliveries/s (${events.length} events to ${options.clients} clients in ${fmt(ms, 0)} ms)`);
      }
    }
    await clients.close();
    clients = undefined;

    // ---- events into the log, no socket listening ------------------------------------------------
    const appends = { memory: [] as number[], redis: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      const events = floodEvents('append', 50, Math.ceil(options.appends / 50)).slice(0, options.appends);
      for (const mode of round % 2 === 0 ? (['memory', 'redis'] as const) : (['redis', 'memory'] as const)) {
        const { storedMs } = await (mode === 'memory' ? memory! : r0).request<{ storedMs: number }>({ cmd: 'flood', events, chunk: 100 });
        appends[mode].push((events.length / storedMs) * 1000);
      }
    }
    log(`events into the log: memory ${fmt(appends.memory.at(-1)!, 0)}/s, Redis ${fmt(appends.redis.at(-1)!, 0)}/s`);

    // ---- latency -------------------------------------------------------------------------------
    const latency = { memory: [] as number[], redis: [] as number[] };
    const receiver = { memory: await open(memory!.url('/progress/subscribe/lat')), redis: await open(r1.url('/progress/subscribe/lat')) };
    for (const mode of ['memory', 'redis'] as const) {
      const socket = receiver[mode];
      const arrived: number[] = [];
      socket.ws.on('message', () => arrived.push(performance.timeOrigin + performance.now()));
      await (mode === 'memory' ? memory! : r0).request({ cmd: 'stamped', projectId: 'lat', count: options.latencySamples, gapMs: options.latencyGapMs });
      await until(() => socket.events.length >= options.latencySamples, `${mode}: the lone events`);
      latency[mode] = socket.events.map((event, i) => arrived[i]! - Number(event.output));
      socket.ws.terminate();
      log(`latency ${mode.padEnd(6)} p50 ${fmt(percentile(latency[mode], 50))} ms, p99 ${fmt(percentile(latency[mode], 99))} ms (${latency[mode].length} lone events)`);
    }

    // ---- resume of missed events ---------------------------------------------------------------
    const resume = { memory: [] as number[], redis: [] as number[] };
    for (let repeat = 0; repeat < options.resumeRepeats; repeat++) {
      for (const mode of repeat % 2 === 0 ? (['memory', 'redis'] as const) : (['redis', 'memory'] as const)) {
        const [publisher, resumer] = mode === 'memory' ? [memory!, memory!] : [r0, r2];
        const projectPath = `/progress/subscribe/resume-${repeat}`;
        const first = await open(publisher.url(`${projectPath}?resume=1&batch=1`));
        const session = await first.first;
        first.ws.terminate();
        const missed: ProgressEvent[] = Array.from({ length: options.missed }, (_, i) => stepEvent(`resume-${repeat}`, `t${i % 20}`, i, options.missed));
        await publisher.request({ cmd: 'flood', events: missed, chunk: 100 });
        const t0 = performance.now();
        const back = await open(resumer.url(`${projectPath}?resume=1&batch=1&epoch=${session.epoch}&since=${session.seq}`));
        const opened = await back.first;
        if (!opened.resumed) throw new Error(`${mode}: not resumed`);
        await until(() => back.events.length >= options.missed, `${mode}: the missed events`);
        const ms = performance.now() - t0;
        back.ws.terminate();
        resume[mode].push(ms);
        log(`resume ${mode.padEnd(6)} ${options.missed} missed events in ${fmt(ms, 1)} ms${mode === 'redis' ? ' (from another server)' : ''}`);
      }
    }

    const B = 'redis (3 servers) vs memory (1)';
    const ratios = (a: number[], b: number[]) => a.map((v, i) => v / b[i]!);
    return [
      row(B, `fan-out to ${options.clients} clients, 1 server on the memory log`, rates.memory, { unit: ' deliveries/s', digits: 0 }),
      row(B, `fan-out to ${options.clients} clients, 3 servers on one Redis`, rates.redis, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'fan-out: 3 servers on Redis / 1 on memory', ratios(rates.redis, rates.memory), { target: '(context)' }),
      row(B, 'events into the log from one server (no socket listening), memory', appends.memory, { unit: ' events/s', digits: 0 }),
      row(B, 'events into the log from one server (no socket listening), Redis', appends.redis, { unit: ' events/s', digits: 0 }),
      row(B, 'publish -> delivery p50, memory log', [percentile(latency.memory, 50)], { unit: ' ms' }),
      row(B, 'publish -> delivery p99, memory log', [percentile(latency.memory, 99)], { unit: ' ms' }),
      row(B, 'publish -> delivery p50, through Redis to another server', [percentile(latency.redis, 50)], { unit: ' ms' }),
      row(B, 'publish -> delivery p99, through Redis to another server', [percentile(latency.redis, 99)], { unit: ' ms' }),
      row(B, `resume of ${options.missed} missed events, memory log`, resume.memory, { unit: ' ms' }),
      row(B, `resume of ${options.missed} missed events, from another server on Redis`, resume.redis, { unit: ' ms' }),
      row(B, 'resume: Redis (another server) / memory', ratios(resume.redis, resume.memory), { target: '(context)' }),
    ];
  } finally {
    await clients?.close();
    await Promise.all(started.map((child) => child.close()));
    await redis.stop();
  }
}
