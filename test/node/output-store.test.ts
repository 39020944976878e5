/**
 * The output store in memory: line numbers decided per task across chunk boundaries, open lines,
 * `\r\n`, the limits per task and in all (and the order logs go in), reads from the end and of
 * ranges, and the plain-text download, streamed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { LINE_COST, MemoryOutputStore } from '../../src/server/memory-output-store.js';
import { plainLine, splitChunk, type OutputRead } from '../../src/server/output-store.js';
import { publishWithLines } from '../../src/server/output-publish.js';
import { ProgressJournal } from '../../src/server/journal.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const output = (projectId: string, taskId: string, text: string, extra: object = {}): ProgressEvent =>
  ({ type: 'output', projectId, taskId, timestamp: at(0), output: text, ...extra }) as ProgressEvent;
const ended = (projectId: string, taskId: string, type = 'task_completed'): ProgressEvent => ({ type, projectId, taskId, timestamp: at(0) }) as ProgressEvent;
const fields = (event: ProgressEvent) => {
  const { line, continues, col } = event as { line?: number; continues?: boolean; col?: number };
  return continues ? { line, continues, col } : { line, continues };
};
const texts = (read: OutputRead | undefined) => read!.lines.map((l) => `${l.n}:${l.text}`);

test('lines are numbered across chunk boundaries; a partial line stays open until its newline or the task ends', () => {
  const store = new MemoryOutputStore();
  assert.deepEqual(fields(store.numberOutput(output('p', 't', 'one\ntw'))), { line: 1, continues: undefined });
  assert.deepEqual(fields(store.numberOutput(output('p', 't', 'o\nthree\nfo'))), { line: 2, continues: true, col: 2 });
  let read = store.readNow('p', 't', { from: 1 });
  assert.deepEqual(texts(read), ['1:one', '2:two', '3:three', '4:fo']);
  assert.equal(read!.total, 4);
  assert.equal(read!.open, true);
  assert.equal(read!.complete, false);
  assert.deepEqual(fields(store.numberOutput(output('p', 't', 'ur'))), { line: 4, continues: true, col: 2 });
  assert.deepEqual(fields(store.numberOutput(output('p', 't', '\n'))), { line: 4, continues: true, col: 4 });
  assert.deepEqual(fields(store.numberOutput(output('p', 't', 'five'))), { line: 5, continues: undefined });
  // The end closes the open line.
  assert.deepEqual(store.numberOutput(ended('p', 't')), ended('p', 't'), 'not an output: as it was');
  read = store.readNow('p', 't', { from: 1 });
  assert.deepEqual(texts(read), ['1:one', '2:two', '3:three', '4:four', '5:five']);
  assert.deepEqual([read!.total, read!.open, read!.complete, read!.firstKept], [5, false, true, 1]);
  // Output after the end numbers on, and does not continue the closed line.
  assert.deepEqual(fields(store.numberOutput(output('p', 't', 'late\n'))), { line: 6, continues: undefined });
  // Another task, and the same task id in another project, number on their own.
  assert.deepEqual(fields(store.numberOutput(output('p', 'u', 'x\n'))), { line: 1, continues: undefined });
  assert.deepEqual(fields(store.numberOutput(output('q', 't', 'x\n'))), { line: 1, continues: undefined });
});

test('\\r\\n ends a line, even split across two chunks; a lone \\r stays in the text', () => {
  const store = new MemoryOutputStore();
  store.numberOutput(output('p', 't', 'a\r'));
  store.numberOutput(output('p', 't', '\nb\r\n10%\r20%\n'));
  store.numberOutput(output('p', 't', '\r'));
  store.numberOutput(output('p', 't', '\r\n'));
  assert.deepEqual(store.readNow('p', 't', { from: 1 })!.lines.map((l) => l.text), ['a', 'b', '10%\r20%', '\r']);
});

test("step_progress output is part of the log; a line keeps the time and step of the chunk that began it; other events add nothing", () => {
  const store = new MemoryOutputStore({ now: () => T0 + 999 });
  store.numberOutput({ type: 'step_progress', projectId: 'p', taskId: 't', timestamp: at(1), stepId: 'build', status: 'running', output: 'compiling' } as ProgressEvent);
  const numbered = store.numberOutput(output('p', 't', ' done\nlinking\n', { stepId: 'link', timestamp: at(2) }));
  assert.deepEqual(fields(numbered), { line: 1, continues: true, col: 'compiling'.length });
  store.numberOutput(output('p', 't', 'no time\n', { timestamp: 'not a time' }));
  store.numberOutput({ type: 'step_progress', projectId: 'p', taskId: 't', timestamp: at(3), status: 'completed', output: { result: 1 } } as ProgressEvent);
  store.numberOutput({ type: 'task_started', projectId: 'p', taskId: 't', timestamp: at(3) } as ProgressEvent);
  assert.deepEqual(store.readNow('p', 't', { from: 1 })!.lines, [
    { n: 1, text: 'compiling done', time: T0 + 1, stepId: 'build' },
    { n: 2, text: 'linking', time: T0 + 2, stepId: 'link' },
    { n: 3, text: 'no time', time: T0 + 999 },
  ]);
  assert.equal(store.readNow('p', 'nothing'), undefined, 'no log of a task without output');
  store.numberOutput(ended('p', 'quiet', 'task_failed'));
  assert.equal(store.readNow('p', 'quiet'), undefined, 'a task that ended without output has no log');
});

test('a line longer than maxLineLength is cut into lines of that length, the same however it came', () => {
  const store = new MemoryOutputStore({ maxLineLength: 4 });
  store.numberOutput(output('p', 'a', 'abcdefghij\r\n'));
  for (const c of 'abcdefghij\r\n') store.numberOutput(output('p', 'b', c));
  const lines = (id: string) => store.readNow('p', id, { from: 1 })!.lines.map((l) => l.text);
  assert.deepEqual(lines('a'), ['abcd', 'efgh', 'ij']);
  assert.deepEqual(lines('b'), lines('a'));
  // A trailing \r is not counted (it may be the first half of \r\n); a surrogate pair is not split.
  assert.deepEqual(splitChunk('', 'abcd\r\n', 4), { done: ['abcd'], open: '' });
  assert.deepEqual(splitChunk('', 'abc😀x', 4), { done: ['abc'], open: '😀x' });
});

test('reads: the end by default, from a line, counted from the end, and limited', () => {
  const store = new MemoryOutputStore();
  let text = '';
  for (let i = 1; i <= 3000; i++) text += `line ${i}\n`;
  store.numberOutput(output('p', 't', text + 'open'));
  const read = (options?: object) => {
    const r = store.readNow('p', 't', options)!;
    return [r.lines[0]?.n, r.lines.at(-1)?.n, r.lines.length];
  };
  assert.deepEqual(read(), [2502, 3001, 500], 'the last 500 lines, the open one last');
  assert.equal(store.readNow('p', 't')!.lines.at(-1)!.text, 'open');
  assert.deepEqual(read({ fromEnd: true, limit: 10 }), [2992, 3001, 10]);
  assert.deepEqual(read({ from: -3 }), [2999, 3001, 3]);
  assert.deepEqual(read({ from: -5000, limit: 2 }), [1, 2, 2], 'counted back past the first line: from the first');
  assert.deepEqual(read({ from: 1000, limit: 5 }), [1000, 1004, 5]);
  assert.deepEqual(read({ from: 2999, limit: 100 }), [2999, 3001, 3]);
  assert.deepEqual(read({ from: 4000 }), [undefined, undefined, 0]);
  assert.deepEqual(read({ from: 1, limit: 999999 }), [1, 3001, 3001], 'read limit (5000) above what there is');
  assert.deepEqual(read({ from: 1, limit: 0 }), [undefined, undefined, 0]);
  assert.equal(store.readNow('p', 't', { from: 1024, limit: 3 })!.lines[1]!.text, 'line 1025', 'across a block boundary');
});

test('per task: past maxLines or maxBytes the oldest lines go, and reads say which are no longer kept', () => {
  const store = new MemoryOutputStore({ maxLines: 2500 });
  for (let i = 1; i <= 4000; i++) store.numberOutput(output('p', 't', `line ${i}\n`));
  let read = store.readNow('p', 't', { from: 1, limit: 3 })!;
  assert.equal(read.firstKept, 1501);
  assert.equal(read.total, 4000);
  assert.deepEqual(texts(read), ['1501:line 1501', '1502:line 1502', '1503:line 1503']);
  assert.deepEqual(texts(store.readNow('p', 't', { limit: 1 })), ['4000:line 4000']);

  const lineSize = 10 + LINE_COST;
  const bytes = new MemoryOutputStore({ maxBytes: lineSize * 100 });
  for (let i = 0; i < 250; i++) bytes.numberOutput(output('p', 't', `${String(i).padStart(10, '0')}\n`));
  read = bytes.readNow('p', 't', { from: 1, limit: 1 })!;
  assert.equal(read.firstKept, 151);
  assert.equal(read.lines[0]!.text, '0000000150');
  assert.equal(bytes.bytes, lineSize * 100);
});

test('in all: past maxTotalBytes the logs of tasks that ended longest ago go first, then the oldest lines of the largest running ones', () => {
  const line = (i: number) => `${String(i).padStart(20, '0')}\n`; // 20 characters + LINE_COST
  const size = 20 + LINE_COST;
  const store = new MemoryOutputStore({ maxTotalBytes: size * 1000 });
  const fill = (taskId: string, count: number) => {
    let text = '';
    for (let i = 1; i <= count; i++) text += line(i);
    store.numberOutput(output('p', taskId, text));
  };
  fill('ended-first', 100);
  fill('ended-second', 100);
  fill('big', 500);
  fill('small', 200);
  store.numberOutput(ended('p', 'ended-second'));
  store.numberOutput(ended('p', 'ended-first'));
  assert.equal(store.bytes, size * 900);
  fill('new', 150); // 1050 lines: 50 too many
  const state = (taskId: string) => {
    const r = store.readNow('p', taskId, { from: 1, limit: 1 })!;
    return { firstKept: r.firstKept, total: r.total };
  };
  assert.deepEqual(state('ended-second'), { firstKept: 101, total: 100 }, 'ended first: gone whole, its numbers known');
  assert.deepEqual(state('ended-first'), { firstKept: 1, total: 100 }, 'ended later: kept');
  assert.deepEqual(state('big'), { firstKept: 1, total: 500 });
  fill('new2', 200); // 100 more than the ended log holds: from the largest running log
  assert.deepEqual(state('ended-first'), { firstKept: 101, total: 100 });
  // Down to 1/64 below the limit (984 lines), from the largest running log only.
  assert.deepEqual(state('big'), { firstKept: 67, total: 500 }, 'the largest lost its oldest lines');
  assert.deepEqual(state('small'), { firstKept: 1, total: 200 }, 'a smaller running log keeps its lines');
  assert.ok(store.bytes <= size * 1000);
  assert.deepEqual(state('new2'), { firstKept: 1, total: 200 });
});

test('past maxTasks the log of the task that ended longest ago is forgotten, else the one written least recently', () => {
  const store = new MemoryOutputStore({ maxTasks: 3 });
  for (const id of ['a', 'b', 'c']) store.numberOutput(output('p', id, 'x\n'));
  store.numberOutput(ended('p', 'b'));
  store.numberOutput(output('p', 'a', 'y\n'));
  store.numberOutput(output('p', 'd', 'x\n'));
  assert.equal(store.readNow('p', 'b'), undefined);
  assert.equal(store.tasks, 3);
  store.numberOutput(output('p', 'e', 'x\n'));
  assert.equal(store.readNow('p', 'c'), undefined, 'c was written least recently');
  assert.ok(store.readNow('p', 'a'));
  assert.equal(store.bytes, 4 * (1 + LINE_COST), 'a has two lines, d and e one each');
});

test('the download is the whole kept log as plain text, in chunks, without escapes', async () => {
  assert.equal(plainLine('\x1b[1;31mred\x1b[0m plain\tTab\x07'), 'red plain\tTab');
  assert.equal(plainLine('\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\'), 'link');
  assert.equal(plainLine('\x1b]0;title\x07after'), 'after');
  assert.equal(plainLine('10%\r50%\r100%\r'), '100%', 'a rewritten line gives its last text');
  assert.equal(plainLine('\x1b(Bx\x1b=\x00\x7f\x9b'), 'x');

  const store = new MemoryOutputStore({ maxLines: 2500 });
  let text = '';
  for (let i = 1; i <= 3000; i++) text += `\x1b[32m${i}\x1b[0m ok\r\n`;
  store.numberOutput(output('p', 't', text + '\x1b[1mopen'));
  assert.equal(await store.download('p', 'none'), undefined);
  const chunks: string[] = [];
  for await (const chunk of (await store.download('p', 't'))!) chunks.push(chunk);
  assert.ok(chunks.length >= 3, `read page by page (${chunks.length} chunks)`);
  const lines = chunks.join('').split('\n');
  assert.equal(lines.pop(), '', 'every line ends with \\n');
  assert.equal(lines.length, 2501);
  assert.equal(lines[0], '501 ok');
  assert.equal(lines[2499], '3000 ok');
  assert.equal(lines[2500], 'open');
});

test('the download goes on past lines trimmed while it runs', async () => {
  const store = new MemoryOutputStore({ maxLines: 3000 });
  for (let i = 1; i <= 3000; i++) store.numberOutput(output('p', 't', `${i}\n`));
  const got: string[] = [];
  for await (const chunk of (await store.download('p', 't'))!) {
    got.push(...chunk.split('\n').filter(Boolean));
    // 1500 more lines arrive while the client reads: lines up to 1500 are trimmed.
    if (got.length === 1000) for (let i = 3001; i <= 4500; i++) store.numberOutput(output('p', 't', `${i}\n`));
  }
  assert.deepEqual([got[999], got[1000], got.at(-1), got.length], ['1000', '1501', '4500', 1000 + 3000]);
});

test('publishWithLines: the frame on the log carries the line fields; an invalid event adds no line', async () => {
  const store = new MemoryOutputStore();
  const log = new ProgressJournal();
  const frames: string[] = [];
  log.tail({ entry: (e) => frames.push(e.text), lost: () => {} });
  await publishWithLines(log, store, output('p', 't', 'a\nb'));
  await publishWithLines(log, store, output('p', 't', 'c\n'));
  await assert.rejects(publishWithLines(log, store, { type: 'output', projectId: 'p', taskId: 't', output: 'no timestamp\n' } as never), TypeError);
  await publishWithLines(log, store, output('p', 't', 'd\n'));
  assert.deepEqual(frames.map((f) => [JSON.parse(f).line, JSON.parse(f).continues]), [[1, undefined], [2, true], [3, undefined]]);
  assert.deepEqual(texts(store.readNow('p', 't', { from: 1 })), ['1:a', '2:bc', '3:d']);
});

/** The lines of a whole text by the rules, written plainly. */
function expectedLines(text: string, max: number): string[] {
  const pieces = text.split('\n');
  const last = pieces.pop()!;
  const out: string[] = [];
  for (const piece of [...pieces.map((p) => ({ p, closed: true })), { p: last, closed: false }]) {
    let rest = piece.p;
    while ((rest.endsWith('\r') ? rest.length - 1 : rest.length) > max) {
      const cut = /[\ud800-\udbff]/.test(rest[max - 1]!) && max > 1 ? max - 1 : max;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    if (piece.closed) out.push(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    else if (rest !== '') out.push(rest);
  }
  return out;
}

test('property: however a text is cut into chunks, the stored lines are the same', () => {
  const text = fc.array(fc.oneof(fc.constantFrom('\n', '\r', '\r\n', 'ab', '\x1b[1m', '😀', 'é'), fc.string({ maxLength: 12 })), { maxLength: 40 }).map((p) => p.join(''));
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 2, max: 9 }), fc.boolean(), (whole, cuts, max, end) => {
      const positions = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
      const store = new MemoryOutputStore({ maxLineLength: max });
      let from = 0;
      for (const to of [...positions, whole.length]) {
        store.numberOutput(output('p', 'split', whole.slice(from, to)));
        from = to;
      }
      store.numberOutput(output('p', 'whole', whole));
      if (end) for (const id of ['split', 'whole']) store.numberOutput(ended('p', id));
      const lines = (id: string) => store.readNow('p', id, { from: 1, limit: 5000 })?.lines.map((l) => l.text) ?? [];
      assert.deepEqual(lines('split'), lines('whole'));
      assert.deepEqual(lines('whole'), expectedLines(whole, max));
    }),
    { numRuns: 500 },
  );
});
