/**
 * Fan-out of the reference server over Server-Sent Events: events per second delivered to 1,000
 * loopback stream clients, against the same server code delivering to 1,000 WebSocket clients.
 * The servers run here; the clients run in a child process (bench/fanout-sse-clients.ts), so the
 * two do not share a core. Single-event frames (the target) and batch frames (context).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProgressServer, type ProgressServer } from '../src/server/index.js';
import { floodEvents, inChunks } from './events.js';
import type { SseFanoutCommand } from './fanout-sse-clients.js';
import { fmt, row, withTimeout, type ResultRow } from './stats.js';

export interface SseFanoutOptions {
  rounds: number;
  clients: number;
  /** Events published per run (to every client). */
  events: number;
  /** Events published per turn of the event loop. */
  chunk: number;
}

export const SSE_FANOUT_DEFAULTS: SseFanoutOptions = { rounds: 5, clients: 1000, events: 200, chunk: 10 };

type Mode = 'ws' | 'sse' | 'wsBatch' | 'sseBatch';
const MODES: Mode[] = ['ws', 'sse', 'wsBatch', 'sseBatch'];

/** The child process of clients: commands out, answers waited for. */
class Clients {
  readonly #child: ChildProcess;
  #waiting: { type: string; group?: string | undefined; resolve: () => void }[] = [];
  #failure: Error | undefined;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./fanout-sse-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (reply: { type: string; group?: string; message?: string }) => {
      if (reply.type === 'error') this.#failure = new Error(`fan-out clients: ${reply.message}`);
      const i = this.#waiting.findIndex((w) => w.type === reply.type && (w.group === undefined || w.group === reply.group));
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve();
    });
  }

  expect(type: string, group?: string): Promise<void> {
    return new Promise<void>((resolve) => this.#waiting.push({ type, group, resolve }));
  }

  request(command: SseFanoutCommand, type: string, group?: string, timeout = 60000): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const answered = this.expect(type, group);
    this.#child.send(command);
    return withTimeout(answered, timeout, `fan-out clients: ${type}`);
  }

  async close(): Promise<void> {
    await this.request({ cmd: 'close' }, 'closed', undefined, 10000).catch(() => {});
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

export async function runSseFanout(options: SseFanoutOptions = SSE_FANOUT_DEFAULTS): Promise<ResultRow[]> {
  const servers = {} as Record<Mode, ProgressServer>;
  for (const mode of MODES) servers[mode] = await createProgressServer({ heartbeatInterval: 0 });
  const clients = new Clients();
  const log = (text: string) => console.log(`  fanout-sse: ${text}`);
  try {
    for (const mode of MODES) {
      const url = servers[mode].urlFor() + (mode.endsWith('Batch') ? '?batch=1' : '');
      const transport = mode.startsWith('sse') ? 'sse' : 'ws';
      await clients.request({ cmd: 'connect', group: mode, url: transport === 'sse' ? url.replace(/^ws/, 'http') : url, count: options.clients, transport }, 'connected', mode);
      if (servers[mode].clientCount !== options.clients) throw new Error(`${mode}: ${servers[mode].clientCount} clients connected`);
    }
    const rates: Record<Mode, number[]> = { ws: [], sse: [], wsBatch: [], sseBatch: [] };
    const cpuPerDelivery: Record<Mode, number[]> = { ws: [], sse: [], wsBatch: [], sseBatch: [] };
    for (let round = 0; round < options.rounds; round++) {
      const events = floodEvents(`fan-${round}`, 50, Math.ceil(options.events / 50)).slice(0, options.events);
      for (let j = 0; j < MODES.length; j++) {
        const mode = MODES[(round + j) % MODES.length]!;
        await clients.request({ cmd: 'expect', group: mode, events: events.length }, 'armed', mode);
        const done = clients.expect('done', mode);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const server = servers[mode];
        const { publishMs } = await inChunks(events.length, (i) => void server.publish(events[i]!), options.chunk);
        await withTimeout(done, 60000, `${mode}: every client receiving every event`);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const deliveries = events.length * options.clients;
        rates[mode].push((deliveries / ms) * 1000);
        cpuPerDelivery[mode].push((cpu.user + cpu.system) / deliveries);
        log(`round ${round + 1} ${mode.padEnd(8)} ${fmt((deliveries / ms) * 1000, 0).padStart(9)} deliveries/s (${deliveries} in ${fmt(ms, 0)} ms; publish loop ${fmt(publishMs, 0)} ms; server cpu ${fmt((cpu.user + cpu.system) / 1000, 0)} ms)`);
      }
    }
    const ratio = (a: Mode, b: Mode) => rates[a].map((v, i) => v / rates[b][i]!);
    const cpuRatio = (a: Mode, b: Mode) => cpuPerDelivery[a].map((v, i) => v / cpuPerDelivery[b][i]!);
    const B = `fan-out over SSE (${options.clients} clients)`;
    return [
      row(B, 'reference server over WebSocket, single-event frames', rates.ws, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'reference server over SSE, single-event frames', rates.sse, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'SSE / WebSocket (single frames)', ratio('sse', 'ws'), { target: '>= 0.8', ok: (m) => m >= 0.8 }),
      row(B, 'reference server over WebSocket, batch frames', rates.wsBatch, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'reference server over SSE, batch frames', rates.sseBatch, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'SSE / WebSocket (batch frames)', ratio('sseBatch', 'wsBatch'), { target: '(context)' }),
      row(B, 'server CPU per delivery: SSE / WebSocket (single)', cpuRatio('sse', 'ws')),
    ];
  } finally {
    await clients.close();
    for (const server of Object.values(servers)) await server.close();
  }
}
