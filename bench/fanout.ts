/**
 * Fan-out of the reference server: events per second delivered to 1,000 loopback clients, against
 * the same clients receiving a raw `ws` broadcast of the same frames. The servers run here; the
 * clients run in a child process (bench/fanout-clients.ts), so the two do not share a core.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { createProgressServer, ProgressJournal } from '../src/server/index.js';
import { floodEvents, inChunks } from './events.js';
import { ClientProcess } from './fanout-client-process.js';
import { fmt, row, withTimeout, type ResultRow } from './stats.js';

export interface FanoutOptions {
  rounds: number;
  clients: number;
  /** Events published per run (to every client). */
  events: number;
  /** Events published per turn of the event loop. */
  chunk: number;
}

export const FANOUT_DEFAULTS: FanoutOptions = { rounds: 5, clients: 1000, events: 200, chunk: 10 };

type Mode = 'reference' | 'referenceBatch' | 'raw';

export async function runFanout(options: FanoutOptions = FANOUT_DEFAULTS): Promise<ResultRow[]> {
  const reference = await createProgressServer({ heartbeatInterval: 0 });
  const referenceBatch = await createProgressServer({ heartbeatInterval: 0 });
  const raw = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => raw.once('listening', () => resolve()));
  const rawPort = (raw.address() as { port: number }).port;
  const clients = new ClientProcess();
  const log = (text: string) => console.log(`  fanout: ${text}`);
  try {
    await clients.request({ cmd: 'connect', group: 'reference', url: reference.urlFor(), count: options.clients }, 'connected', 'reference');
    await clients.request({ cmd: 'connect', group: 'referenceBatch', url: `${referenceBatch.urlFor()}?batch=1`, count: options.clients }, 'connected', 'referenceBatch');
    await clients.request({ cmd: 'connect', group: 'raw', url: `ws://127.0.0.1:${rawPort}/`, count: options.clients }, 'connected', 'raw');
    if (reference.clientCount !== options.clients || referenceBatch.clientCount !== options.clients || raw.clients.size !== options.clients) {
      throw new Error(`clients connected: ${reference.clientCount}, ${referenceBatch.clientCount}, ${raw.clients.size}`);
    }

    const rates: Record<Mode, number[]> = { reference: [], referenceBatch: [], raw: [] };
    const cpuPerDelivery: Record<Mode, number[]> = { reference: [], referenceBatch: [], raw: [] };
    const modes: Mode[] = ['reference', 'raw', 'referenceBatch'];
    for (let round = 0; round < options.rounds; round++) {
      const events = floodEvents(`fan-${round}`, 50, Math.ceil(options.events / 50)).slice(0, options.events);
      // The raw broadcast sends the very frames the reference server sends: numbered by a journal.
      const journal = new ProgressJournal();
      const frames = events.map((event) => journal.append(event).frame);
      for (let j = 0; j < modes.length; j++) {
        const mode = modes[(round + j) % modes.length]!;
        await clients.request({ cmd: 'expect', group: mode, events: events.length }, 'armed', mode);
        const done = clients.expect('done', mode);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        let publish: Promise<{ publishMs: number }>;
        if (mode === 'raw') {
          publish = inChunks(
            frames.length,
            (i) => {
              const frame = frames[i]!;
              for (const ws of raw.clients) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
            },
            options.chunk,
          );
        } else {
          const server = mode === 'reference' ? reference : referenceBatch;
          publish = inChunks(events.length, (i) => void server.publish(events[i]!), options.chunk);
        }
        const { publishMs } = await publish;
        await withTimeout(done, 60000, `${mode}: every client receiving every event`);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const deliveries = events.length * options.clients;
        rates[mode].push((deliveries / ms) * 1000);
        cpuPerDelivery[mode].push((cpu.user + cpu.system) / deliveries);
        log(`round ${round + 1} ${mode.padEnd(14)} ${fmt((deliveries / ms) * 1000, 0).padStart(9)} deliveries/s (${deliveries} in ${fmt(ms, 0)} ms; publish loop ${fmt(publishMs, 0)} ms; server cpu ${fmt((cpu.user + cpu.system) / 1000, 0)} ms)`);
      }
    }
    const ratio = (a: Mode, b: Mode) => rates[a].map((v, i) => v / rates[b][i]!);
    const cpuRatio = (a: Mode, b: Mode) => cpuPerDelivery[a].map((v, i) => v / cpuPerDelivery[b][i]!);
    const B = `fan-out (${options.clients} clients)`;
    return [
      row(B, 'raw ws broadcast, same frames', rates.raw, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'reference server, single-event frames', rates.reference, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'reference server, batch frames (batch=1)', rates.referenceBatch, { unit: ' deliveries/s', digits: 0 }),
      row(B, 'reference (single frames) / raw broadcast', ratio('reference', 'raw'), { target: '>= 0.8', ok: (m) => m >= 0.8 }),
      row(B, 'reference (batch frames) / raw broadcast', ratio('referenceBatch', 'raw'), { target: '(context)' }),
      row(B, 'server CPU per delivery: reference (single) / raw', cpuRatio('reference', 'raw')),
      row(B, 'server CPU per delivery, raw broadcast', cpuPerDelivery.raw, { unit: ' µs' }),
    ];
  } finally {
    await clients.close();
    await reference.close();
    await referenceBatch.close();
    for (const ws of raw.clients) ws.terminate();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  }
}
