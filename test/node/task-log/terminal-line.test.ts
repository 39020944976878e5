/** How the task log reads terminal output: what a terminal would leave on each line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { BOLD, DIM, INVERSE, ITALIC, STRIKE, UNDERLINE } from '../../../src/elements/task-log/log-styles.js';
import { MAX_DISPLAY_LENGTH } from '../../../src/elements/task-log/log-links.js';
import { texts } from './rows.js';

const model = (...chunks: string[]) => {
  const m = new LogModel();
  for (const text of chunks) m.append({ text });
  return m;
};

describe('task log: lines as a terminal shows them', () => {
  it('splits on newlines, keeps a partial last line open until its newline, and takes \\r\\n as a newline', () => {
    const m = model('one\r\ntw', 'o\nthr');
    assert.deepEqual(texts(m), ['one', 'two', 'thr']);
    m.append({ text: 'ee\n' });
    assert.deepEqual(texts(m), ['one', 'two', 'three']);
    assert.equal(m.lineCount, 3);
  });

  it('a carriage return lets the next text overwrite the line character by character (npm, pip progress)', () => {
    const m = model('downloading 10%\rdownloading 20%\n', 'abcdef\rXY\n', '[=>   ] 10%\r[==>  ] 40%', '\r[=====] 100%\n');
    assert.deepEqual(texts(m), ['downloading 20%', 'XYcdef', '[=====] 100%']);
  });

  it('erases in line: ESC[K and ESC[0K to the end, ESC[1K to the cursor, ESC[2K all of it', () => {
    const m = model('abcdef\r\x1b[Kxy\n', 'abcdef\x1b[3D\x1b[0K!\n', 'abcdef\x1b[3G\x1b[1K\n', 'abcdef\x1b[2K\rnew\n', 'progress 1/3\r\x1b[2Kprogress 2/3\n');
    assert.deepEqual(texts(m), ['xy', 'abc!', '   def', 'new', 'progress 2/3']);
  });

  it('shows a partial line while it comes in, and not once it is erased before its newline', () => {
    const m = model('a\nprogress 10%');
    assert.deepEqual(texts(m), ['a', 'progress 10%']);
    m.append({ text: '\r\x1b[2K' });
    assert.deepEqual(texts(m), ['a']);
    assert.equal(m.rowCount, 1);
    m.append({ text: 'done\n' });
    assert.deepEqual(texts(m), ['a', 'done']);
  });

  it('moves to a column with ESC[nG and overwrites from there', () => {
    assert.deepEqual(texts(model('status: waiting\x1b[9Gdone   \n')), ['status: done   ']);
  });

  it('rewrites recent lines moved up to (docker build/pull), keeping their numbers', () => {
    const m = new LogModel();
    m.append({ text: 'a1b2: Pulling fs layer\nc3d4: Pulling fs layer\ne5f6: Pulling fs layer\n', line: 1 });
    m.append({ text: '\x1b[3A\x1b[2Ka1b2: Downloading 10%\r\x1b[3B' });
    m.append({ text: '\x1b[2A\x1b[2Kc3d4: Downloading 55%\r\x1b[2B' });
    m.append({ text: '\x1b[3A\x1b[2Ka1b2: Pull complete\n\x1b[2Kc3d4: Pull complete\n\x1b[2Ke5f6: Pull complete\n' });
    m.append({ text: 'Digest: sha256:0123\n' });
    assert.deepEqual(texts(m), ['a1b2: Pull complete', 'c3d4: Pull complete', 'e5f6: Pull complete', 'Digest: sha256:0123']);
    assert.equal(m.line(1)!.text, 'a1b2: Pull complete');
    assert.equal(m.line(2)!.text, 'c3d4: Pull complete');
    assert.equal(m.line(3)!.text, 'e5f6: Pull complete');
    // The raw lines the rewrite spent have no row of their own; the next line has its own number.
    assert.equal(m.line(7)!.text, 'Digest: sha256:0123');
  });

  it('a rewrite reaches at most the last 64 lines: older lines stay as they are', () => {
    let text = '';
    for (let i = 1; i <= 100; i++) text += `line ${i}\n`;
    const m = model(text, '\x1b[90A\x1b[2Kchanged\n');
    const all = texts(m);
    assert.equal(all.length, 100);
    assert.equal(all[36], 'changed', 'line 37 (64 up from the cursor on line 101) was rewritten');
    assert.equal(all[35], 'line 36');
    assert.equal(all[9], 'line 10');
    assert.equal(all.filter((t) => t === 'changed').length, 1);
  });

  it('expands tabs to the next multiple of 8', () => {
    assert.deepEqual(texts(model('a\tb\tc\n\tx\n12345678\ty\n')), ['a       b       c', '        x', '12345678        y']);
  });

  it('leaves no control character and no other escape sequence in the text', () => {
    const m = model('\x07bell\x00nul\x1b[?25lcursor\x1b(Bcharset\x1b]0;title\x07osc\x1bPdcs\x1b\\\x7fdel\x9bc1\x1b7saved\x1b[5;10Hpos\x08\x08s\x1b\n');
    const text = texts(m)[0]!;
    assert.equal(/[\x00-\x1f\x7f-\x9f]/.test(text), false, JSON.stringify(text));
    // ESC[5;10H moves to column 10 (the row means nothing in a log); two backspaces, then "s".
    assert.equal(text, 'bellnulcupssrcharsetoscdel1saved');
  });

  it('keeps an escape sequence cut between two chunks whole', () => {
    const m = model('a\x1b[3', '1mred\x1b', '[0m plain\n');
    const line = m.line(1)!;
    assert.equal(line.text, 'ared plain');
    assert.deepEqual(
      line.segments.map((s) => [s.text, s.style?.fg]),
      [
        ['a', undefined],
        ['red', 1],
        [' plain', undefined],
      ],
    );
  });

  it('keeps SGR colours (16, 256, true colour) and decorations as styled runs', () => {
    const m = model('\x1b[1;31mA\x1b[0m\x1b[38;5;208mB\x1b[48;2;10;20;30mC\x1b[0m\x1b[2;3;4;7;9mD\x1b[22;23;24;27;29mE\x1b[92mF\x1b[39mG\n');
    const seg = m.line(1)!.segments;
    assert.deepEqual(
      seg.map((s) => [s.text, s.style?.fg ?? -1, s.style?.bg ?? -1, s.style?.flags ?? 0]),
      [
        ['A', 1, -1, BOLD],
        ['B', 208, -1, 0],
        ['C', 208, 0x1000000 + 0x0a141e, 0],
        ['D', -1, -1, DIM | ITALIC | UNDERLINE | INVERSE | STRIKE],
        ['E', -1, -1, 0],
        ['F', 10, -1, 0],
        ['G', -1, -1, 0],
      ],
    );
    // Styles carry from line to line, and each sequence adds to the style it finds.
    m.append({ text: '\x1b[31mA\x1b[1mB\x1b[0m\n\x1b[31mC\x1b[1mD\x1b[4mE\n' });
    assert.deepEqual(
      m.line(3)!.segments.map((s) => [s.text, s.style?.fg, s.style?.flags]),
      [
        ['C', 1, 0],
        ['D', 1, BOLD],
        ['E', 1, BOLD | UNDERLINE],
      ],
    );
  });

  it('links http(s) URLs in the text and OSC 8 hyperlinks (ESC \\ or BEL ended), nothing else', () => {
    const m = model(
      'see https://example.com/a?b=1. and (http://x.test/p)\n',
      '\x1b]8;;https://example.com/docs\x1b\\the docs\x1b]8;;\x1b\\ and \x1b]8;id=1;http://h.test/\x07here\x1b]8;;\x07\n',
      '\x1b]8;;javascript:alert(1)\x1b\\click\x1b]8;;\x1b\\ javascript:alert(2) data:text/html,x file:///etc/passwd\n',
    );
    const links = (n: number) => m.line(n)!.segments.filter((s) => s.href).map((s) => [s.text, s.href]);
    assert.deepEqual(links(1), [
      ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
      ['http://x.test/p', 'http://x.test/p'],
    ]);
    assert.deepEqual(links(2), [
      ['the docs', 'https://example.com/docs'],
      ['here', 'http://h.test/'],
    ]);
    assert.deepEqual(links(3), []);
    assert.equal(m.line(3)!.text, 'click javascript:alert(2) data:text/html,x file:///etc/passwd');
  });

  it('cuts a line over 10,000 characters for display, says so, and keeps the whole text', () => {
    const big = 'x'.repeat(1_000_000);
    const m = model(`short\n\x1b[31m${big}\x1b[0m\n`);
    const line = m.line(2)!;
    assert.equal(line.cut, true);
    assert.equal(line.text.length, MAX_DISPLAY_LENGTH);
    assert.equal(line.segments.reduce((n, s) => n + s.text.length, 0), MAX_DISPLAY_LENGTH);
    assert.equal(m.fullText(2)!.length, 1_000_000);
    assert.equal(m.line(1)!.cut, false);
  });

  it('reads a long line of many styled runs, coming in many chunks, in time linear in its length', () => {
    const token = '\x1b[32mok\x1b[0m \x1b[1;31mfail\x1b[0m ';
    const m = new LogModel();
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) {
      m.append({ text: token.repeat(50) });
      if (i === 500) assert.equal(m.line(1)!.segments.length, (MAX_DISPLAY_LENGTH / 'ok fail '.length) * 4, 'the line coming in shows its styles');
    }
    m.append({ text: '\n' });
    const ms = performance.now() - started;
    assert.equal(m.fullText(1)!.length, 1_000 * 50 * 'ok fail '.length);
    // Reading the whole line's runs again on every chunk took about 20 s here; once, well under 1 s.
    assert.ok(ms < 5_000, `${ms} ms`);
    const segments = m.line(1)!.segments;
    assert.deepEqual(segments.slice(0, 4).map((s) => [s.text, s.style?.fg ?? -1]), [['ok', 2], [' ', -1], ['fail', 1], [' ', -1]]);
  });

  it('gives a line its time and a range of lines as plain text', () => {
    const m = new LogModel();
    m.append({ text: '\x1b[1mone\x1b[0m\n', time: '2026-01-01T00:00:01.000Z' });
    m.append({ text: 'two\r\x1b[Ktwo!\n', time: 1767225602000 });
    assert.equal(m.line(1)!.time, Date.parse('2026-01-01T00:00:01.000Z'));
    assert.equal(m.line(2)!.time, 1767225602000);
    assert.equal(m.textOfRange(1, 2), 'one\ntwo!');
    m.append({ text: 'three\n' });
    assert.deepEqual([...m.textChunks(1, Infinity, 2)], ['one\ntwo!\n', 'three\n']);
    assert.deepEqual([...m.textChunks(2, 3)], ['two!\nthree\n']);
    assert.equal(m.fullText(1), 'one');
  });
});
