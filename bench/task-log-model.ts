/**
 * The task log's model with a million lines: the heap it takes, how long reading them takes, how
 * long a literal search over all of them works, and how long opening and closing a group takes.
 * In Node, on the model alone (bench/task-log.ts measures the element in Chromium).
 *
 *   node --import tsx --expose-gc bench/task-log-model.ts [lines]
 *   npm run bench -- task-log-model
 */
import { fileURLToPath } from 'node:url';
import { LogModel } from '../src/elements/task-log/log-model.js';
import { LogSearch } from '../src/elements/task-log/log-search.js';
import { logLine } from './log-lines.js';
import { fmt, printTable, single, type ResultRow } from './stats.js';

export interface TaskLogModelOptions {
  lines: number;
}

export const TASK_LOG_MODEL_DEFAULTS: TaskLogModelOptions = { lines: 1_000_000 };

const CHUNK_LINES = 200;
const STEPS = 10;

/** The JS heap and the typed arrays' buffers (kept outside the heap), after a full collection. */
function heap(gc: () => void): { heap: number; buffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function runTaskLogModel(options: TaskLogModelOptions = TASK_LOG_MODEL_DEFAULTS): Promise<ResultRow[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const LINES = options.lines;
  const before = heap(gc);
  let model: LogModel | undefined = new LogModel();
  let bytes = 0;
  const t0 = performance.now();
  const perStep = LINES / STEPS;
  for (let n = 1; n <= LINES; n += CHUNK_LINES) {
    let text = '';
    for (let k = n; k < n + CHUNK_LINES && k <= LINES; k++) text += logLine(k, STEPS) + '\n';
    bytes += Buffer.byteLength(text);
    const step = `step-${Math.floor((n - 1) / perStep)}`;
    model.append({ text, line: n, time: 1_767_225_600_000 + n, stepId: step });
  }
  const ingestMs = performance.now() - t0;
  for (let s = 0; s < STEPS - 1; s++) model.setStep(`step-${s}`, { name: `Step ${s}`, status: 'completed' });
  model.setStep(`step-${STEPS - 1}`, { name: `Step ${STEPS - 1}`, status: 'running' });
  const after = heap(gc);
  const grownHeap = after.heap - before.heap;
  const grownBuffers = after.buffers - before.buffers;
  const grown = grownHeap + grownBuffers;

  // Search: a literal, ignoring case and not, over every line.
  const timeSearch = (query: { text: string; caseSensitive?: boolean; regex?: boolean }) => {
    const s = new LogSearch(model!, query);
    let longest = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const gen = s.slices(6);
    for (;;) {
      const t = performance.now();
      const r = gen.next();
      longest = Math.max(longest, performance.now() - t);
      if (r.done) break;
    }
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, longest, count: s.count };
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
  const toggleUs = ((performance.now() - t1) / toggles) * 1000;
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
  const rows = model.rowCount;
  model = undefined;

  const B = `task-log model (Node, ${fmt(LINES, 0)} lines in ${STEPS} steps)`;
  const ratio = grown / bytes;
  return [
    single(B, 'log size (UTF-8)', mb(bytes)),
    single(B, 'heap + typed arrays / log size', `${fmt(ratio)}x (${mb(grownHeap)} + ${mb(grownBuffers)}; ${fmt(grown / LINES, 0)} bytes a line)`, '<= 2.5x', ratio <= 2.5),
    single(B, 'reading all chunks', `${fmt(ingestMs, 0)} ms`),
    single(B, `count a literal (${literal.count} matches)`, `${fmt(literal.ms, 0)} ms (CPU ${fmt(literal.cpuMs, 0)} ms; longest slice ${fmt(literal.longest, 1)} ms)`, '<= 150 ms', literal.ms <= 150),
    single(B, `count a literal ignoring case (${literalI.count} matches)`, `${fmt(literalI.ms, 0)} ms (longest slice ${fmt(literalI.longest, 1)} ms)`),
    single(B, `count a regular expression (${regex.count} matches)`, `${fmt(regex.ms, 0)} ms (longest slice ${fmt(regex.longest, 1)} ms)`),
    single(B, 'toggle a step of 100,000 lines + the last row', `${fmt(toggleUs, 1)} µs`),
    single(B, 'line -> row + row -> what', `${fmt(lookupUs)} µs${sum > 0 ? '' : ' (?)'}`),
    single(B, 'rows (steps collapsed but the running one)', fmt(rows, 0)),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printTable(await runTaskLogModel({ lines: Number(process.argv[2]) || TASK_LOG_MODEL_DEFAULTS.lines }));
}
