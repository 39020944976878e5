/**
 * Fan-out against socket.io 4: the same events, numbered as the reference server numbers them,
 * delivered to 1,000 loopback clients by a socket.io server (`io.to(room).emit`, clients on
 * `socket.io-client`) and by the reference server with single-event and with batch frames, side by
 * side in one run. socket.io writes one WebSocket frame per packet; its only batching is on the
 * long-polling transport, where one poll response carries every packet queued since the last one:
 * that runs as a fourth group. The servers run here; the clients run in the child process of the
 * fan-out benchmark (bench/fanout-clients.ts).
 */
import { createProgressServer, ProgressJournal } from '../src/server/index.js';
import { floodEvents, inChunks } from './events.js';
import { ClientProcess, type FanoutTransport } from './fanout-client-process.js';
import { startSocketIoServer } from './peer-socketio-server.js';
import { fmt, row, withTimeout, type ResultRow } from './stats.js';

export interface PeerFanoutOptions {
  rounds: number;
  clients: number;
  /** Events published per run (to every client). */
  events: number;
  /** Events published per turn of the event loop. */
  chunk: number;
  /** Also run socket.io's long-polling transport (its batching). */
  polling: boolean;
}

export const PEER_FANOUT_DEFAULTS: PeerFanoutOptions = { rounds: 5, clients: 1000, events: 200, chunk: 10, polling: true };

type Mode = 'reference' | 'referenceBatch' | 'socketio' | 'socketioPolling';

const PROJECT = 'fan';

export async function runPeerFanout(options: PeerFanoutOptions = PEER_FANOUT_DEFAULTS): Promise<ResultRow[]> {
  const reference = await createProgressServer({ heartbeatInterval: 0 });
  const referenceBatch = await createProgressServer({ heartbeatInterval: 0 });
  const socketio = await startSocketIoServer(['websocket']);
  const socketioPolling = options.polling ? await startSocketIoServer(['polling']) : undefined;
  const clients = new ClientProcess();
  const log = (text: string) => console.log(`  peer-fanout: ${text}`);
  try {
    const groups: { mode: Mode; url: string; transport: FanoutTransport; count: () => number }[] = [
      { mode: 'reference', url: reference.urlFor(), transport: 'ws', count: () => reference.clientCount },
      { mode: 'referenceBatch', url: `${referenceBatch.urlFor()}?batch=1`, transport: 'ws', count: () => referenceBatch.clientCount },
      { mode: 'socketio', url: `${socketio.url}?project=${PROJECT}`, transport: 'socket.io websocket', count: () => socketio.clientCount },
    ];
    if (socketioPolling) groups.push({ mode: 'socketioPolling', url: `${socketioPolling.url}?project=${PROJECT}`, transport: 'socket.io polling', count: () => socketioPolling.clientCount });
    for (const g of groups) {
      await clients.request({ cmd: 'connect', group: g.mode, url: g.url, count: options.clients, transport: g.transport }, 'connected', g.mode, 120000);
      if (g.count() !== options.clients) throw new Error(`${g.mode}: ${g.count()} clients connected, expected ${options.clients}`);
    }

    const modes = groups.map((g) => g.mode);
    const rates = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
    const cpuPerDelivery = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
    for (let round = 0; round < options.rounds; round++) {
      // The project of the reference servers' clients is the one of their URL; socket.io's clients joined the room PROJECT.
      const events = floodEvents(`peer-fan-${round}`, 50, Math.ceil(options.events / 50)).slice(0, options.events);
      // socket.io sends the very events the reference server sends: numbered by a journal.
      const journal = new ProgressJournal();
      const numbered = events.map((event) => JSON.parse(journal.append(event).frame) as unknown);
      for (let j = 0; j < modes.length; j++) {
        const mode = modes[(round + j) % modes.length]!;
        await clients.request({ cmd: 'expect', group: mode, events: events.length }, 'armed', mode);
        const done = clients.expect('done', mode);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        let publish: Promise<{ publishMs: number }>;
        if (mode === 'socketio' || mode === 'socketioPolling') {
          const server = mode === 'socketio' ? socketio : socketioPolling!;
          publish = inChunks(numbered.length, (i) => server.emit(PROJECT, numbered[i]), options.chunk);
        } else {
          const server = mode === 'reference' ? reference : referenceBatch;
          publish = inChunks(events.length, (i) => void server.publish(events[i]!), options.chunk);
        }
        const { publishMs } = await publish;
        await withTimeout(done, 120000, `${mode}: every client receiving every event`);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const deliveries = events.length * options.clients;
        rates[mode].push((deliveries / ms) * 1000);
        cpuPerDelivery[mode].push((cpu.user + cpu.system) / deliveries);
        log(`round ${round + 1} ${mode.padEnd(15)} ${fmt((deliveries / ms) * 1000, 0).padStart(9)} deliveries/s (${deliveries} in ${fmt(ms, 0)} ms; publish loop ${fmt(publishMs, 0)} ms; server cpu ${fmt((cpu.user + cpu.system) / 1000, 0)} ms)`);
      }
    }
    const ratio = (a: Mode, b: Mode) => rates[a].map((v, i) => v / rates[b][i]!);
    const cpuRatio = (a: Mode, b: Mode) => cpuPerDelivery[a].map((v, i) => v / cpuPerDelivery[b][i]!);
    const B = `peers: fan-out (${options.clients} clients)`;
    const d = { unit: ' deliveries/s', digits: 0 };
    const rows = [
      row(B, 'socket.io 4, WebSocket transport (one frame per event)', rates.socketio, d),
      row(B, 'reference server, single-event frames', rates.reference, d),
      row(B, 'reference server, batch frames (batch=1)', rates.referenceBatch, d),
      row(B, 'reference (single frames) / socket.io', ratio('reference', 'socketio'), { target: '(context)' }),
      row(B, 'reference (batch frames) / socket.io', ratio('referenceBatch', 'socketio'), { target: '(context)' }),
      row(B, 'server CPU per delivery, socket.io', cpuPerDelivery.socketio, { unit: ' µs' }),
      row(B, 'server CPU per delivery, reference (single frames)', cpuPerDelivery.reference, { unit: ' µs' }),
      row(B, 'server CPU per delivery, reference (batch frames)', cpuPerDelivery.referenceBatch, { unit: ' µs' }),
      row(B, 'server CPU per delivery: reference (single) / socket.io', cpuRatio('reference', 'socketio')),
      row(B, 'server CPU per delivery: reference (batch) / socket.io', cpuRatio('referenceBatch', 'socketio')),
    ];
    if (socketioPolling) {
      rows.push(
        row(B, "socket.io 4, long-polling transport (its batching: one response per poll)", rates.socketioPolling, d),
        row(B, 'reference (batch frames) / socket.io long-polling', ratio('referenceBatch', 'socketioPolling'), { target: '(context)' }),
        row(B, 'server CPU per delivery, socket.io long-polling', cpuPerDelivery.socketioPolling, { unit: ' µs' }),
      );
    }
    return rows;
  } finally {
    await clients.close();
    await reference.close();
    await referenceBatch.close();
    await socketio.close();
    await socketioPolling?.close();
  }
}
