/** Search over all the lines of the task log, in slices. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { BLOCK_LINES } from '../../../src/elements/task-log/line-store.js';
import { LogSearch } from '../../../src/elements/task-log/log-search.js';

function model(): LogModel {
  const m = new LogModel();
  m.append({ text: 'Error: one\nok\n', stepId: 'a' });
  m.append({ text: '::group::inner\nan error and an ERROR\n::endgroup::\n', stepId: 'b' });
  m.append({ text: '\x1b[31merror\x1b[0m: red\n', stepId: 'c' });
  m.setStep('a', { status: 'completed' });
  m.setStep('b', { status: 'completed' });
  return m;
}

describe('task log: search', () => {
  it('counts a literal ignoring case over every line, closed groups too, with the hits of a line', () => {
    const m = model();
    const s = new LogSearch(m, { text: 'error' });
    assert.equal(s.runSync(), 4);
    assert.equal(s.lineCount, 3);
    assert.deepEqual(s.hitsInLine(4), [
      [3, 8],
      [16, 21],
    ]);
    assert.deepEqual(s.hitsInLine(6), [[0, 5]], 'columns in the text without its escapes');
    assert.deepEqual(s.hitsInLine(2), []);
  });

  it('a literal with case, and a regular expression', () => {
    const m = model();
    assert.equal(new LogSearch(m, { text: 'error', caseSensitive: true }).runSync(), 2);
    assert.equal(new LogSearch(m, { text: '(?:an )?ERROR', regex: true, caseSensitive: true }).runSync(), 1);
    assert.equal(new LogSearch(m, { text: 'e.r', regex: true }).runSync(), 4);
    assert.equal(new LogSearch(m, { text: 'x*', regex: true }).runSync(), 0, 'empty matches are no hits');
    assert.equal(new LogSearch(m, { text: '.+' , regex: false }).runSync(), 0, 'a literal is not a pattern');
  });

  it('an invalid regular expression is an error, not an exception', () => {
    const s = new LogSearch(model(), { text: '(unclosed', regex: true });
    assert.equal(typeof s.error, 'string');
    assert.equal(s.runSync(), 0);
    assert.equal(s.next(1), undefined);
  });

  it('goes to the next and the previous hit from a position, wrapping around, with its ordinal', () => {
    const s = new LogSearch(model(), { text: 'error' });
    s.runSync();
    assert.deepEqual(s.next(1), { lineNo: 1, start: 0, end: 5, ordinal: 0 });
    assert.deepEqual(s.next(1, 0), { lineNo: 4, start: 3, end: 8, ordinal: 1 });
    assert.deepEqual(s.next(4, 3), { lineNo: 4, start: 16, end: 21, ordinal: 2 });
    assert.deepEqual(s.next(4, 16), { lineNo: 6, start: 0, end: 5, ordinal: 3 });
    assert.deepEqual(s.next(6, 0), { lineNo: 1, start: 0, end: 5, ordinal: 0 }, 'wraps to the first');
    assert.deepEqual(s.previous(4, 16), { lineNo: 4, start: 3, end: 8, ordinal: 1 });
    assert.deepEqual(s.previous(4, 3), { lineNo: 1, start: 0, end: 5, ordinal: 0 });
    assert.deepEqual(s.previous(1, 0), { lineNo: 6, start: 0, end: 5, ordinal: 3 }, 'wraps to the last');
    assert.deepEqual(s.hit(2), { lineNo: 4, start: 16, end: 21, ordinal: 2 });
  });

  it('runs in slices that each stop after their time budget, and can be stopped', async () => {
    const m = new LogModel();
    let text = '';
    for (let i = 0; i < 200_000; i++) text += `line ${i} with some words to search through${i % 1000 === 0 ? ' needle' : ''}\n`;
    m.append({ text });
    const s = new LogSearch(m, { text: 'NEEDLE' });
    let slices = 0;
    let longest = 0;
    const gen = s.slices(2);
    for (;;) {
      const t = performance.now();
      const r = gen.next();
      longest = Math.max(longest, performance.now() - t);
      if (r.done) break;
      slices++;
    }
    assert.equal(s.count, 200);
    assert.ok(slices >= 2, `searched in ${slices + 1} slices`);
    assert.ok(longest < 100, `longest slice ${longest} ms`);
    const stopped = new LogSearch(m, { text: 'needle' });
    const controller = new AbortController();
    let pauses = 0;
    await stopped.run({ budgetMs: 0, signal: controller.signal, pause: async () => void (++pauses === 3 && controller.abort()) });
    assert.equal(stopped.done, false);
    assert.equal(pauses, 3);
    assert.ok(stopped.count < 200);
  });

  it('counts the same in lines joined into blocks as line by line: no hit across two lines, changed lines seen', () => {
    // Lines of a's and b's (some ending in "ab", others beginning with "ab"): a block's string
    // holds "…ab" + "ab…" side by side, where "aba" or "bab" would span two lines.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const texts: string[] = [];
    for (let i = 0; i < 3 * BLOCK_LINES + 700; i++) {
      let line = '';
      const length = Math.floor(random() * 6);
      for (let k = 0; k < length; k++) line += random() < 0.5 ? 'a' : 'B';
      texts.push(line);
    }
    const m = new LogModel();
    m.append({ text: texts.join('\n') + '\n' });
    // A line of the first block changes after it was joined.
    m.store.set(5, 'abababab', undefined);
    texts[5] = 'abababab';
    assert.ok(m.store.joined(BLOCK_LINES + 1) !== undefined, 'lines are joined into blocks');
    assert.equal(m.store.joined(5), undefined, 'a block with a changed line is searched line by line');
    const expected = (query: string, fold: boolean) => {
      let count = 0;
      let lines = 0;
      for (const t of texts) {
        const line = fold ? t.toLowerCase() : t;
        let n = 0;
        for (let at = line.indexOf(query); at >= 0; at = line.indexOf(query, at + query.length)) n++;
        count += n;
        if (n) lines++;
      }
      return { count, lines };
    };
    for (const [text, caseSensitive] of [['aB', true], ['aba', false], ['BaB', true], ['bb', false], ['abab', false]] as const) {
      const s = new LogSearch(m, { text, caseSensitive });
      s.runSync();
      assert.deepEqual({ count: s.count, lines: s.lineCount }, expected(caseSensitive ? text : text.toLowerCase(), !caseSensitive), `${text} (case ${caseSensitive})`);
      // The ordinals go on from line to line.
      const last = s.hit(s.count - 1)!;
      assert.deepEqual(s.next(last.lineNo, last.start), s.hit(0));
    }
  });
});
