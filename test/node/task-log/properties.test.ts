/** Whatever comes in, the task log neither throws nor lets a control character into what it shows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { LogSearch } from '../../../src/elements/task-log/log-search.js';

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Pieces of terminal output: escapes of every kind, markers, controls, any text. */
const piece = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '\n', '\r', '\r\n', '\t', '\b', '\x1b', '\x1b[', '\x1b[31m', '\x1b[0m', '\x1b[38;5;208m', '\x1b[48;2;1;2;3m', '\x1b[1;2;3;4;7;9m',
    '\x1b[K', '\x1b[1K', '\x1b[2K', '\x1b[3A', '\x1b[99A', '\x1b[2B', '\x1b[10G', '\x1b[999999999G', '\x1b[5C', '\x1b[3D', '\x1b[2P', '\x1b[3@', '\x1b[4X',
    '\x1b]8;;https://example.com\x1b\\', '\x1b]8;;\x1b\\', '\x1b]8;;javascript:alert(1)\x07', '\x1b]0;title\x07', '\x1bP', '\x1b\\', '\x9b', '\x9d', '\x07', '\x00', '\x7f',
    '::group::', '::endgroup::', 'section_start:1:a[collapsed=true]\r\x1b[0K', 'section_end:1:a\r\x1b[0K', 'https://x.test/a', '\ud800', '\u2028',
  ),
);
const text = fc.array(piece, { maxLength: 25 }).map((a) => a.join(''));

const op = fc.oneof(
  fc.record({ t: fc.constant('append' as const), text, line: fc.option(fc.integer({ min: -5, max: 80 }), { nil: undefined }), step: fc.constantFrom(undefined, '', 'a', 'b') }),
  fc.record({ t: fc.constant('fill' as const), text, line: fc.integer({ min: -5, max: 80 }), step: fc.constantFrom(undefined, '', 'a', 'b') }),
  fc.record({ t: fc.constant('expired' as const), from: fc.integer({ min: -2, max: 60 }), to: fc.integer({ min: -2, max: 60 }) }),
  fc.record({ t: fc.constant('resync' as const) }),
  fc.record({ t: fc.constant('step' as const), step: fc.constantFrom('a', 'b', 'c'), name: text, status: fc.constantFrom('running', 'completed', 'failed', 'skipped', 'bogus') }),
  fc.record({ t: fc.constant('toggle' as const), id: fc.integer({ min: -1, max: 30 }) }),
);

function check(m: LogModel): void {
  for (let i = 0; i < m.rowCount; i++) {
    const r = m.row(i);
    assert.ok(r, `row ${i} of ${m.rowCount}`);
    if (r.kind === 'line') {
      assert.equal(CONTROL.test(r.line.text), false, JSON.stringify(r.line.text));
      assert.equal(CONTROL.test(m.fullText(r.line.lineNo) ?? ''), false);
      for (const s of r.line.segments) {
        assert.equal(CONTROL.test(s.text), false);
        if (s.href) assert.match(s.href, /^https?:\/\//);
      }
      assert.equal(r.line.segments.map((s) => s.text).join(''), r.line.text);
    } else if (r.kind === 'group') assert.equal(CONTROL.test(r.title), false, JSON.stringify(r.title));
  }
  assert.equal(CONTROL.test(m.textOfRange(-10, 1000).replace(/\n/g, '')), false);
}

describe('task log: properties', () => {
  it('never throws and never shows a control character, whatever the input', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const m = new LogModel();
        for (const o of ops) {
          if (o.t === 'append') m.append({ text: o.text, line: o.line, stepId: o.step });
          else if (o.t === 'fill') m.fill({ text: o.text, line: o.line, stepId: o.step });
          else if (o.t === 'expired') m.markExpired(o.from, o.to);
          else if (o.t === 'resync') m.markResync();
          else if (o.t === 'step') m.setStep(o.step, { name: o.name, status: o.status as 'running' });
          else m.toggle(o.id);
        }
        check(m);
        const s = new LogSearch(m, { text: 'a' });
        s.runSync();
        if (s.count) assert.ok(s.next(0));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on values that are not what the types say', () => {
    const m = new LogModel();
    const junk = [undefined, null, 42, {}, [], NaN, Infinity, -1, 1.5, '3', Symbol.iterator] as unknown[];
    for (const a of junk) {
      for (const b of junk) {
        m.append({ text: a as string, line: b as number, time: b as number, stepId: a as string });
        m.fill({ text: a as string, line: b as number, stepId: b as string });
        m.markExpired(a as number, b as number);
        m.setOpen(a as number, b as boolean);
        m.rowOfLine(a as number);
        m.row(a as number);
        m.line(a as number);
        new LogSearch(m, { text: a as string, regex: b as boolean }).runSync();
      }
    }
    check(m);
  });

  it('reads terminal output split anywhere into chunks as it reads it whole', () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (whole, cuts) => {
        const one = new LogModel({ maxRewrite: 64 });
        one.append({ text: whole });
        const split = new LogModel({ maxRewrite: 64 });
        const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const c of [...at, whole.length]) {
          split.append({ text: whole.slice(from, c) });
          from = c;
        }
        // A line is placed once it has text; split chunks may show a line that a marker later takes back.
        assert.deepEqual(split.textOfRange(1, 1e9), one.textOfRange(1, 1e9));
      }),
      { numRuns: 500 },
    );
  });
});
