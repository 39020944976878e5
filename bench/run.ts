/**
 * `npm run bench`: every benchmark, one after the other, then one table of results.
 *
 *   node --import tsx --expose-gc bench/run.ts [names…] [--quick] [--flood N]
 *
 * names: size routing fanout sse e2e sse-e2e memory recovery tabs redis peer-size peer-fanout peer-e2e task-log
 * task-log-model output-store (default: all).
 * The peer-* benchmarks measure socket.io, partysocket, Shoelace and Material Web beside ours;
 * task-log measures `<task-log>` in Chromium beside xterm.js 6 and a plain `<pre>` fed the same
 * stream (throughput, memory, DOM, scrolling, search, late join, size: bench/task-log.ts);
 * task-log-model and output-store the log's model and the server's output store in Node.
 * `--quick` runs fewer rounds (a smoke run; its figures are noisier; task-log: small logs). `--flood N`: the e2e and
 * peer-e2e floods give each task N steps of progress (default 10; 100 for a long flood, where the
 * elements coalesce more). Benchmarks print figures; they never fail a build: the exit code is 0
 * unless a benchmark could not run at all.
 */
import { parseArgs } from 'node:util';
import { E2E_DEFAULTS, runEndToEnd } from './e2e.js';
import { FANOUT_DEFAULTS, runFanout } from './fanout.js';
import { runSseFanout, SSE_FANOUT_DEFAULTS } from './fanout-sse.js';
import { MEMORY_DEFAULTS, runMemory } from './memory.js';
import { runOutputStore } from './output-store.js';
import { PEER_E2E_DEFAULTS, runPeerEndToEnd } from './peer-e2e.js';
import { PEER_FANOUT_DEFAULTS, runPeerFanout } from './peer-fanout.js';
import { runPeerSize } from './peer-size.js';
import { RECOVERY_DEFAULTS, runRecovery } from './recovery.js';
import { REDIS_DEFAULTS, runRedis } from './redis.js';
import { ROUTING_DEFAULTS, runRouting } from './routing.js';
import { runSize } from './size.js';
import { runSseEndToEnd, SSE_E2E_DEFAULTS } from './sse-e2e.js';
import { runTabs, TABS_DEFAULTS } from './tabs.js';
import { runTaskLog, TASK_LOG_DEFAULTS, TASK_LOG_QUICK } from './task-log.js';
import { runTaskLogModel, TASK_LOG_MODEL_DEFAULTS } from './task-log-model.js';
import { printTable, type ResultRow } from './stats.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { quick: { type: 'boolean', default: false }, flood: { type: 'string' } } });
const quick = values.quick === true;
const perTask = values.flood === undefined ? E2E_DEFAULTS.perTask : Number(values.flood);
if (!Number.isInteger(perTask) || perTask < 1 || perTask > 1000) {
  console.error(`--flood takes a whole number of steps per task, 1 to 1000 (got ${values.flood})`);
  process.exit(2);
}
const e2eDefaults = { ...E2E_DEFAULTS, perTask };

const benchmarks: Record<string, () => Promise<ResultRow[]>> = {
  size: () => runSize(),
  routing: () => runRouting(quick ? { ...ROUTING_DEFAULTS, runs: 3, runMs: 150 } : ROUTING_DEFAULTS),
  fanout: () => runFanout(quick ? { ...FANOUT_DEFAULTS, rounds: 2 } : FANOUT_DEFAULTS),
  sse: () => runSseFanout(quick ? { ...SSE_FANOUT_DEFAULTS, rounds: 2 } : SSE_FANOUT_DEFAULTS),
  e2e: () => runEndToEnd(quick ? { ...e2eDefaults, rounds: 1, latencySamples: 10, diagnostics: false } : e2eDefaults),
  memory: () => runMemory(quick ? { ...MEMORY_DEFAULTS, cycles: 1000, repeats: 1 } : MEMORY_DEFAULTS),
  recovery: () => runRecovery(quick ? { ...RECOVERY_DEFAULTS, repeats: 2 } : RECOVERY_DEFAULTS),
  tabs: () => runTabs(quick ? { ...TABS_DEFAULTS, rounds: 1 } : TABS_DEFAULTS),
  redis: () => runRedis(quick ? { ...REDIS_DEFAULTS, rounds: 2, latencySamples: 100, resumeRepeats: 2 } : REDIS_DEFAULTS),
  'peer-size': () => runPeerSize(),
  'peer-fanout': () => runPeerFanout(quick ? { ...PEER_FANOUT_DEFAULTS, rounds: 2 } : PEER_FANOUT_DEFAULTS),
  'sse-e2e': () => runSseEndToEnd(quick ? { ...SSE_E2E_DEFAULTS, rounds: 1, loads: 2 } : SSE_E2E_DEFAULTS),
  'peer-e2e': () => runPeerEndToEnd(quick ? { ...PEER_E2E_DEFAULTS, perTask, rounds: 1, longPerTask: 0 } : { ...PEER_E2E_DEFAULTS, perTask }),
  'task-log': () => runTaskLog(quick ? TASK_LOG_QUICK : TASK_LOG_DEFAULTS),
  'task-log-model': () => runTaskLogModel(quick ? { lines: 100_000 } : TASK_LOG_MODEL_DEFAULTS),
  'output-store': () => runOutputStore(),
};

const unknown = positionals.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
const selected = positionals.length > 0 ? positionals : Object.keys(benchmarks);

if (typeof globalThis.gc !== 'function') {
  console.warn('note: start Node with --expose-gc for the Node heap figures (npm run bench does)');
}

console.log(`progress-elements benchmarks: ${selected.join(', ')}${quick ? ' (quick)' : ''}`);
console.log(`node ${process.version}, ${new Date().toISOString()}\n`);

const rows: ResultRow[] = [];
const failures: string[] = [];
const started = performance.now();
for (const name of selected) {
  const t0 = performance.now();
  console.log(`== ${name}`);
  try {
    const result = await benchmarks[name]!();
    rows.push(...result);
    printTable(result);
  } catch (error) {
    failures.push(name);
    console.error(`${name} could not run:`, error);
  }
  console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

console.log(`== results (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
printTable(rows);
if (failures.length > 0) {
  console.error(`\nnot run: ${failures.join(', ')}`);
  process.exitCode = 1;
}
