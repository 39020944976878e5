/** Line numbers of the task log: numbering, lines that come twice, earlier ranges loaded later, gaps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { rows, texts } from './rows.js';

const lines = (from: number, to: number, prefix = 'x') => {
  let t = '';
  for (let n = from; n <= to; n++) t += `${prefix}${n}\n`;
  return t;
};

describe('task log: line numbers, gaps and fills', () => {
  it('numbers lines from the chunk’s line, and goes on counting when a chunk has none', () => {
    const m = new LogModel();
    m.append({ text: 'a\nb', line: 10 });
    m.append({ text: 'c\nd\n' });
    assert.deepEqual(rows(m), ['(pending 1-9)', '10: a', '11: bc', '12: d']);
  });

  it('takes each line once when a resent chunk overlaps what came', () => {
    const m = new LogModel();
    m.append({ text: lines(1, 5), line: 1 });
    m.append({ text: lines(3, 8), line: 3 });
    m.append({ text: lines(8, 8), line: 8 });
    assert.deepEqual(texts(m), ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8']);
    assert.equal(m.lineCount, 8);
  });

  it('a chunk going on with an open line may number that line or the next one', () => {
    const m = new LogModel();
    m.append({ text: 'x1\nx2 part', line: 1 });
    m.append({ text: ' one\nx3\n', line: 2 });
    m.append({ text: 'x4 part', line: 4 });
    m.append({ text: ' two\nx5\n', line: 5 });
    assert.deepEqual(rows(m), ['1: x1', '2: x2 part one', '3: x3', '4: x4 part two', '5: x5']);
  });

  it('a resent chunk from an earlier line replaces the open line rather than repeating it', () => {
    const m = new LogModel();
    m.append({ text: 'x1\nx2\nx3 pa', line: 1 });
    m.append({ text: 'x2\nx3 partial\nx4\n', line: 2 });
    assert.deepEqual(rows(m), ['1: x1', '2: x2', '3: x3 partial', '4: x4']);
  });

  it('shows lines the server no longer keeps, and lines not loaded yet, as marker rows at their place', () => {
    const m = new LogModel();
    m.markExpired(1, 49_999);
    m.append({ text: lines(60_000, 60_001), line: 60_000 });
    assert.deepEqual(rows(m), ['(expired 1-49999)', '(pending 50000-59999)', '60000: x60000', '60001: x60001']);
    const gap = m.row(0)!;
    assert.ok(gap.kind === 'gap' && gap.from === 1 && gap.to === 49_999);
    // A permalink to a line in a gap goes to the gap's marker.
    assert.deepEqual(m.rowOfLine(20), { row: 0, visible: true });
    assert.deepEqual(m.rowOfLine(55_555), { row: 1, visible: true });
    assert.deepEqual(m.rowOfLine(60_001), { row: 3, visible: true });
  });

  it('a jump in the numbers leaves a marker of the lines between; a resync a marker that lines may be missing', () => {
    const m = new LogModel();
    m.append({ text: lines(1, 2), line: 1 });
    m.append({ text: lines(5, 5), line: 5 });
    m.markResync();
    m.append({ text: 'after resync\n' });
    assert.deepEqual(rows(m), ['1: x1', '2: x2', '(pending 3-4)', '5: x5', '(missing)', '6: after resync']);
  });

  it('after a resync, the numbers that come say what was missed: nothing, or which lines', () => {
    const m = new LogModel();
    m.append({ text: lines(1, 2), line: 1 });
    m.markResync();
    m.append({ text: lines(2, 3), line: 2 });
    assert.deepEqual(rows(m), ['1: x1', '2: x2', '3: x3'], 'nothing missed: the marker goes');
    m.markResync();
    m.append({ text: lines(7, 7), line: 7 });
    assert.deepEqual(rows(m), ['1: x1', '2: x2', '3: x3', '(pending 4-6)', '7: x7']);
  });

  it('fills earlier ranges loaded out of order, each line exactly once, in line order', () => {
    const m = new LogModel();
    m.markExpired(1, 9);
    m.append({ text: lines(100, 102), line: 100, stepId: 's' });
    m.setStep('s', { name: 'S', status: 'running' });
    // Loaded while scrolling up, newest page first, with overlaps and a line already had.
    m.fill({ text: lines(80, 101), line: 80, stepId: 's' });
    m.fill({ text: lines(10, 30), line: 10, stepId: 's' });
    m.fill({ text: lines(25, 85), line: 25, stepId: 's' });
    m.fill({ text: lines(5, 12), line: 5, stepId: 's' });
    const all = texts(m);
    assert.deepEqual(all, Array.from({ length: 93 }, (_, i) => `x${i + 10}`));
    assert.deepEqual(rows(m).slice(0, 3), ['(expired 1-9)', '[-] S', '  10: x10']);
    assert.equal(rows(m).length, 95, 'no gap left between 10 and 102');
    assert.deepEqual(m.rowOfLine(50), { row: 42, visible: true });
  });

  it('a fill into the middle of a gap leaves the gap around it', () => {
    const m = new LogModel();
    m.append({ text: lines(100, 100), line: 100 });
    m.fill({ text: lines(40, 41), line: 40 });
    assert.deepEqual(rows(m), ['(pending 1-39)', '40: x40', '41: x41', '(pending 42-99)', '100: x100']);
    m.fill({ text: lines(1, 39), line: 1 });
    m.fill({ text: lines(42, 99), line: 42 });
    assert.deepEqual(texts(m), Array.from({ length: 100 }, (_, i) => `x${i + 1}`));
    assert.equal(rows(m).length, 100);
  });

  it('lines ahead of the live stream are not filled (they come live, once)', () => {
    const m = new LogModel();
    m.append({ text: lines(1, 3), line: 1 });
    m.fill({ text: lines(2, 6), line: 2 });
    m.append({ text: lines(4, 5), line: 4 });
    assert.deepEqual(texts(m), ['x1', 'x2', 'x3', 'x4', 'x5']);
  });

  it('keeps every line as it came through the joining of older lines, a line changed after it too', () => {
    const m = new LogModel();
    m.append({ text: 'progress 0%\n', line: 10_000 });
    m.fill({ text: lines(1, 9_000), line: 1 });
    // The live line, joined with the older ones by now, rewritten by a cursor moved up to it.
    m.append({ text: '\x1b[1A\x1b[2Kprogress 100%\n' });
    m.append({ text: lines(10_002, 30_000), line: 10_002 });
    assert.equal(m.lineCount, 9_000 + 1 + 19_999);
    assert.equal(m.line(10_000)!.text, 'progress 100%');
    for (const n of [1, 2, 4096, 4097, 8999, 9000, 10_002, 20_000, 29_999, 30_000]) assert.equal(m.line(n)!.text, `x${n}`, `line ${n}`);
    assert.equal(m.textOfRange(4095, 4098), 'x4095\nx4096\nx4097\nx4098');
    assert.deepEqual(rows(m).slice(8999, 9002), ['9000: x9000', '(pending 9001-9999)', '10000: progress 100%']);
  });

  it('takes every line exactly once whatever the order pages come in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 25 })), { maxLength: 12 }),
        fc.integer({ min: 1, max: 70 }),
        (pages, liveFrom) => {
          const m = new LogModel();
          m.append({ text: lines(liveFrom, liveFrom + 4), line: liveFrom });
          for (const [from, n] of pages) m.fill({ text: lines(from, from + n - 1), line: from });
          const numbers = texts(m).map((t) => Number(t.slice(1)));
          const sorted = [...numbers].sort((a, b) => a - b);
          assert.deepEqual(numbers, sorted, 'in line order');
          assert.equal(new Set(numbers).size, numbers.length, 'no line twice');
          for (let n = liveFrom; n < liveFrom + 5; n++) assert.ok(numbers.includes(n));
          for (const [from, k] of pages) for (let n = from; n < Math.min(from + k, liveFrom); n++) assert.ok(numbers.includes(n), `line ${n} filled`);
          for (const n of numbers) assert.equal(m.line(n)!.text, `x${n}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
