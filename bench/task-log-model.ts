/**
 * The task log's model with a million lines: the heap it takes, how long reading them takes, how
 * long a literal search over all of them works, and how long opening and closing a group takes.
 *
 *   node --import tsx --expose-gc bench/task-log-model.ts [lines]
 */
import { LogModel } from '../src/elements/task-log/log-model.js';
import { LogSearch } from '../src/elements/task-log/log-search.js';

const LINES = Number(process.argv[2]) || 1_000_000;
const CHUNK_LINES = 200;
const STEPS = 10;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** The JS heap and the typed arrays' buffers (kept outside the heap), after a full collection. */
function heap(): { heap: number; buffers: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

/** A line of about 80 ASCII characters; one in 20 has SGR colours, one in 50 a URL. */
function line(n: number): string {
  const base = `2026-01-01T00:00:00Z step ${n % STEPS} compiling module_${n} of the project with flags -O2`;
  if (n % 20 === 0) return `\x1b[32m${base.slice(0, 40)}\x1b[0m${base.slice(40)}`;
  if (n % 50 === 1) return `${base.slice(0, 50)} https://example.com/b/${n}`;
  return base.padEnd(80, '.');
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

const before = heap();
const model = new LogModel();
let bytes = 0;
const t0 = performance.now();
const perStep = LINES / STEPS;
for (let n = 1; n <= LINES; n += CHUNK_LINES) {
  let text = '';
  for (let k = n; k < n + CHUNK_LINES && k <= LINES; k++) text += line(k) + '\n';
  bytes += Buffer.byteLength(text);
  const step = `step-${Math.floor((n - 1) / perStep)}`;
  model.append({ text, line: n, time: 1_767_225_600_000 + n, stepId: step });
}
const ingestMs = performance.now() - t0;
for (let s = 0; s < STEPS - 1; s++) model.setStep(`step-${s}`, { name: `Step ${s}`, status: 'completed' });
model.setStep(`step-${STEPS - 1}`, { name: `Step ${STEPS - 1}`, status: 'running' });
const after = heap();
const grownHeap = after.heap - before.heap;
const grownBuffers = after.buffers - before.buffers;
const grown = grownHeap + grownBuffers;

// Search: a literal, ignoring case and not, over every line.
const timeSearch = (query: { text: string; caseSensitive?: boolean; regex?: boolean }) => {
  const s = new LogSearch(model, query);
  let longest = 0;
  const start = performance.now();
  const gen = s.slices(6);
  for (;;) {
    const t = performance.now();
    const r = gen.next();
    longest = Math.max(longest, performance.now() - t);
    if (r.done) break;
  }
  return { ms: performance.now() - start, longest, count: s.count };
};
const literal = timeSearch({ text: 'module_99', caseSensitive: true });
const literalI = timeSearch({ text: 'MODULE_99' });
const regex = timeSearch({ text: 'module_\\d+5 of', regex: true });

// Toggling a step of 100,000 lines, and finding rows after it.
const stepRow = model.rowOfLine(Math.floor(LINES / 2))!.row;
const header = model.row(stepRow)!;
const id = header.kind === 'group' ? header.groupId : -1;
const toggles = 1000;
const t1 = performance.now();
for (let i = 0; i < toggles; i++) {
  model.toggle(id);
  model.row(model.rowCount - 1);
}
const toggleMs = (performance.now() - t1) / toggles;
const t2 = performance.now();
const lookups = 100_000;
let sum = 0;
for (let i = 0; i < lookups; i++) {
  const r = model.rowOfLine(1 + ((i * 7919) % LINES));
  sum += r ? r.row : 0;
  const row = model.row((i * 104729) % model.rowCount);
  sum += row ? row.depth : 0;
}
const lookupUs = ((performance.now() - t2) / lookups) * 1000;

console.log(`task-log model, ${LINES.toLocaleString('en')} lines in ${STEPS} steps`);
console.log(`  log size (UTF-8)         ${mb(bytes)}`);
console.log(`  heap growth              ${mb(grownHeap)} + typed arrays ${mb(grownBuffers)} = ${mb(grown)} (${(grown / bytes).toFixed(2)}x the log; ${(grown / LINES).toFixed(0)} bytes/line)`);
console.log(`  reading all chunks       ${ingestMs.toFixed(0)} ms`);
console.log(`  literal search           ${literal.ms.toFixed(0)} ms, ${literal.count} hits, longest slice ${literal.longest.toFixed(1)} ms`);
console.log(`  literal, ignoring case   ${literalI.ms.toFixed(0)} ms, ${literalI.count} hits, longest slice ${literalI.longest.toFixed(1)} ms`);
console.log(`  regular expression       ${regex.ms.toFixed(0)} ms, ${regex.count} hits, longest slice ${regex.longest.toFixed(1)} ms`);
console.log(`  toggle a step + last row ${(toggleMs * 1000).toFixed(1)} µs`);
console.log(`  line→row + row→what      ${lookupUs.toFixed(2)} µs (${sum > 0 ? 'ok' : '?'})`);
console.log(`  rows ${model.rowCount.toLocaleString('en')}, lines ${model.lineCount.toLocaleString('en')}`);
