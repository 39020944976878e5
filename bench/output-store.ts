/**
 * The output store's costs, on its own (`npm run bench -- output-store`):
 *
 * - appending 1,000,000 lines of about 80 characters, in chunks of 20 lines, to the memory store
 *   (one task, its limits raised to keep every line; then with the default limits, which keep
 *   the last 200,000): time, and heap growth after a full GC;
 * - reading the last 200 lines of a 200,000-line task: the memory store, and the Redis store on
 *   a redis-server this script starts on a free port (and stops); and the Redis append rate.
 *
 * node --import tsx --expose-gc bench/output-store.ts
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressEvent } from '../src/protocol/events.js';
import { MemoryOutputStore } from '../src/server/memory-output-store.js';
import type { OutputStore } from '../src/server/output-store.js';
import { createRedisOutputStore } from '../src/server/redis-output-store.js';
import { fileURLToPath } from 'node:url';
import { fmt, printTable, row, single, summarize, type ResultRow } from './stats.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const LINES_PER_CHUNK = 20;

const gc = (globalThis as { gc?: () => void }).gc;
const B = 'output store (Node)';

/** A chunk of 20 lines of about 80 characters, numbered so that no two are the same. */
function chunkOf(first: number): string {
  let text = '';
  for (let i = first; i < first + LINES_PER_CHUNK; i++) {
    const head = `[${String(i).padStart(7, '0')}] step build: compiling module `;
    text += head + 'x'.repeat(80 - head.length - 9) + ` ${String(i % 1e8).padStart(8, '0')}\n`;
  }
  return text;
}

const event = (taskId: string, text: string): ProgressEvent =>
  ({ type: 'output', projectId: 'bench', taskId, timestamp: '2026-01-01T00:00:00.000Z', stepId: 'build', output: text }) as ProgressEvent;

/** The JS heap plus the memory of array buffers (where the typed arrays live), in MiB, after a full GC. */
function heapMb(): number {
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1048576;
}

async function appendMemory(label: string, store: MemoryOutputStore, lines: number): Promise<ResultRow[]> {
  const chunks = Array.from({ length: 50 }, (_, i) => chunkOf(i * LINES_PER_CHUNK));
  const before = heapMb();
  const start = performance.now();
  for (let n = 0; n < lines; n += LINES_PER_CHUNK) store.numberOutput(event('t', chunks[(n / LINES_PER_CHUNK) % chunks.length]!));
  const ms = performance.now() - start;
  const after = heapMb();
  const read = store.readNow('bench', 't', { limit: 1 })!;
  const kept = read.total - read.firstKept + 1;
  console.log(
    `  output-store: ${label}: ${fmt(lines, 0)} lines in ${fmt(ms, 0)} ms (${fmt((lines / ms) * 1000, 0)} lines/s), heap + array buffers +${fmt(after - before, 1)} MiB ` +
      `for ${fmt(kept, 0)} lines kept (${fmt(store.bytes / 1048576, 1)} MiB counted)`,
  );
  return [
    single(B, `memory, ${label}: append ${fmt(lines, 0)} lines (chunks of ${LINES_PER_CHUNK})`, `${fmt(ms, 0)} ms (${fmt((lines / ms) * 1000, 0)} lines/s)`),
    single(B, `memory, ${label}: heap + array buffers for ${fmt(kept, 0)} lines kept`, `+${fmt(after - before, 1)} MiB`),
  ];
}

async function lastLines(label: string, store: OutputStore, taskId: string, rounds: number): Promise<ResultRow> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    const read = await store.read('bench', taskId, { fromEnd: true, limit: 200 });
    times.push(performance.now() - start);
    if (read!.lines.length !== 200) throw new Error(`read ${read!.lines.length} lines`);
  }
  const s = summarize(times);
  console.log(`  output-store: ${label}: last 200 of 200,000 lines: median ${fmt(s.median, 3)} ms (min ${fmt(s.min, 3)}, max ${fmt(s.max, 3)}, ${s.n} reads)`);
  return row(B, `${label}: read the last 200 of 200,000 lines`, times, { unit: ' ms', digits: 3 });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing`);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'output-bench-'));
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (const end = Date.now() + 10000; ; ) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, stop };
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error('redis-server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runOutputStore(): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  rows.push(...(await appendMemory('every line kept', new MemoryOutputStore({ maxLines: 1_000_000, maxBytes: 512 * 1048576, maxTotalBytes: 512 * 1048576 }), 1_000_000)));
  rows.push(...(await appendMemory('default limits', new MemoryOutputStore(), 1_000_000)));

  const memory = new MemoryOutputStore();
  for (let n = 0; n < 200_000; n += LINES_PER_CHUNK) memory.numberOutput(event('r', chunkOf(n)));
  rows.push(await lastLines('memory', memory, 'r', 1000));

  const redis = await startRedis();
  try {
    const store = await createRedisOutputStore({ url: redis.url });
    try {
      const start = performance.now();
      // 50 chunks in flight at a time (pipelined), as a busy publisher would send them.
      for (let n = 0; n < 200_000; n += LINES_PER_CHUNK * 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => store.numberOutput(event('r', chunkOf(n + k * LINES_PER_CHUNK)))));
      }
      const ms = performance.now() - start;
      console.log(`  output-store: redis: appended 200,000 lines in ${fmt(ms, 0)} ms (${fmt((200_000 / ms) * 1000, 0)} lines/s, chunks of 20, 50 in flight)`);
      rows.push(single(B, 'redis: append 200,000 lines (chunks of 20, 50 in flight)', `${fmt(ms, 0)} ms (${fmt((200_000 / ms) * 1000, 0)} lines/s)`));
      const probe = new Redis(redis.url);
      const [lines, meta] = store.keys('bench', 'r');
      const bytes = Number(await probe.call('MEMORY', 'USAGE', lines, 'SAMPLES', '0')) + Number(await probe.call('MEMORY', 'USAGE', meta));
      probe.disconnect();
      rows.push(single(B, "redis: the task's keys for 200,000 lines", `${fmt(bytes / 1048576, 1)} MiB (${fmt(bytes / 200_000, 0)} bytes a line)`));
      rows.push(await lastLines('redis', store, 'r', 300));
    } finally {
      await store.close();
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`output store, Node ${process.version}`);
  printTable(await runOutputStore());
}
