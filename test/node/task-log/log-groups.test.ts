/** Steps, GitHub groups and GitLab sections of the task log, and the rows a virtualized view shows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { rows } from './rows.js';

const groupId = (m: LogModel, title: string) => {
  for (let i = 0; i < m.rowCount; i++) {
    const r = m.row(i)!;
    if (r.kind === 'group' && r.title === title) return r.groupId;
  }
  throw new Error(`no group ${title}`);
};

describe('task log: groups', () => {
  it('makes a group of each step: finished steps closed, the running and the failed one open', () => {
    const m = new LogModel();
    m.append({ text: 'install\n', stepId: 'a' });
    m.append({ text: 'build\n', stepId: 'b' });
    m.append({ text: 'test\n', stepId: 'c' });
    m.setStep('a', { name: 'Install', status: 'running' });
    m.setStep('b', { name: 'Build' });
    m.setStep('c', { name: 'Test', status: 'running' });
    assert.deepEqual(rows(m), ['[-] Install', '  1: install', '[-] Build', '  2: build', '[-] Test', '  3: test']);
    m.setStep('a', { status: 'completed', durationMs: 1200 });
    m.setStep('b', { status: 'failed' });
    assert.deepEqual(rows(m), ['[+] Install', '[-] Build', '  2: build', '[-] Test', '  3: test']);
    assert.deepEqual(m.step('a'), { name: 'Install', status: 'completed', durationMs: 1200 });
    const header = m.row(0)!;
    assert.ok(header.kind === 'group' && header.step?.durationMs === 1200 && header.type === 'step');
  });

  it('a step cut by its task\'s cancel, or left running when the task ended otherwise, stays open at what it was doing', () => {
    const m = new LogModel();
    m.append({ text: 'fetch\n', stepId: 'a' });
    m.append({ text: 'compile\n', stepId: 'b' });
    m.setStep('a', { name: 'Fetch', status: 'completed' });
    m.setStep('b', { name: 'Compile', status: 'cancelled' });
    assert.deepEqual(rows(m), ['[+] Fetch', '[-] Compile', '  2: compile']);
    m.setStep('b', { status: 'ended' });
    assert.deepEqual(rows(m), ['[+] Fetch', '[-] Compile', '  2: compile']);
  });

  it('lines of a step sent again make no new group; a step going on after another of no new line goes on in its group', () => {
    const m = new LogModel();
    m.append({ text: 'a1\na2\n', line: 1, stepId: 'a' });
    m.append({ text: 'b3\n', line: 3, stepId: 'b' });
    m.append({ text: 'a1\na2\n', line: 1, stepId: 'a' });
    m.append({ text: 'b3\nb4\n', line: 3, stepId: 'b' });
    assert.deepEqual(rows(m), ['[-] a', '  1: a1', '  2: a2', '[-] b', '  3: b3', '  4: b4']);
    m.append({ text: '', stepId: 'a' });
    m.append({ text: 'b5\n', line: 5, stepId: 'b' });
    assert.deepEqual(rows(m).slice(-1), ['  5: b5']);
    m.append({ text: 'a6\n', line: 6, stepId: 'a' });
    assert.deepEqual(rows(m).slice(-2), ['[-] a', '  6: a6'], 'a step going on after another: a group of its own at its place');
  });

  it("keeps the reader's choice over the default, and reads the state back", () => {
    const m = new LogModel();
    m.append({ text: 'one\n', stepId: 'a' });
    m.setStep('a', { name: 'A', status: 'running' });
    const a = groupId(m, 'A');
    m.toggle(a);
    assert.equal(m.isOpen(a), false);
    m.setStep('a', { status: 'failed' });
    assert.equal(m.isOpen(a), false, 'the reader closed it: failing does not open it again');
    m.setOpen(a, undefined);
    assert.equal(m.isOpen(a), true, 'back to the default: a failed step is open');
    m.setOpen(a, true);
    m.setStep('a', { status: 'completed' });
    assert.equal(m.isOpen(a), true);
  });

  it('nests GitHub ::group:: / ::endgroup:: inside a step; the marker lines are not shown; an ended group closes', () => {
    const m = new LogModel();
    m.append({ text: 'before\n::group::Install deps\nnpm ci\n::group::Inner\nx\n::endgroup::\nadded 3 packages\n', stepId: 's' });
    m.setStep('s', { name: 'Run', status: 'running' });
    assert.deepEqual(rows(m), ['[-] Run', '  1: before', '  [-] Install deps', '    3: npm ci', '    [+] Inner', '    7: added 3 packages'], 'the inner group ended: closed');
    m.append({ text: '::endgroup::\nafter\n', stepId: 's' });
    assert.deepEqual(rows(m), ['[-] Run', '  1: before', '  [+] Install deps', '  9: after']);
    m.toggle(groupId(m, 'Install deps'));
    assert.deepEqual(rows(m), ['[-] Run', '  1: before', '  [-] Install deps', '    3: npm ci', '    [+] Inner', '    7: added 3 packages', '  9: after']);
  });

  it('a step that fails inside a group leaves that group open, showing the error', () => {
    const m = new LogModel();
    m.append({ text: '::group::Done part\nok\n::endgroup::\n::group::Tests\nFAIL: it broke\n', stepId: 's' });
    m.setStep('s', { name: 'Test', status: 'failed' });
    assert.deepEqual(rows(m), ['[-] Test', '  [+] Done part', '  [-] Tests', '    5: FAIL: it broke']);
  });

  it('text written over a marker line by a cursor moved up to it is not shown out of place', () => {
    const m = new LogModel();
    m.append({ text: 'a\n::group::G\nb\n\x1b[2Aoverwritten\n\n' });
    assert.deepEqual(rows(m), ['1: a', '[-] G', '  3: b']);
  });

  it('a marker line shown while it came in is taken back once its newline comes', () => {
    const m = new LogModel();
    m.append({ text: 'a\n::gro', stepId: 's' });
    assert.deepEqual(rows(m), ['[-] s', '  1: a', '  2: ::gro']);
    m.append({ text: 'up::Title\nb\n', stepId: 's' });
    assert.deepEqual(rows(m), ['[-] s', '  1: a', '  [-] Title', '    3: b']);
  });

  it('GitLab sections nest; [collapsed=true] closes a section at its end, the header shows the title', () => {
    const m = new LogModel();
    const start = (name: string, title: string, opts = '') => `\x1b[0Ksection_start:1700000000:${name}${opts}\r\x1b[0K${title}\n`;
    const end = (name: string) => `\x1b[0Ksection_end:1700000001:${name}\r\x1b[0K\n`;
    m.append({ text: start('prepare', '\x1b[36;1mPreparing\x1b[0m', '[collapsed=true]') + 'pulling image\n' + start('inner', 'Inner') + 'x\n', stepId: 'job' });
    assert.deepEqual(rows(m), ['[-] job', '  [-] Preparing', '    2: pulling image', '    [-] Inner', '      4: x'], 'open while it runs');
    m.append({ text: end('inner') + 'y\n', stepId: 'job' });
    assert.deepEqual(rows(m), ['[-] job', '  [-] Preparing', '    2: pulling image', '    [-] Inner', '      4: x', '    6: y'], 'a section not marked collapsed stays open');
    m.append({ text: end('prepare') + 'script\n', stepId: 'job' });
    assert.deepEqual(rows(m), ['[-] job', '  [+] Preparing', '  8: script']);
  });

  it('a section end closes the inner sections it holds', () => {
    const m = new LogModel();
    m.append({ text: 'section_start:1:outer\r\x1b[0KOuter\nsection_start:2:inner[collapsed=true]\r\x1b[0KInner\nz\nsection_end:3:outer\r\x1b[0K\nafter\n' });
    assert.deepEqual(rows(m), ['[-] Outer', '  [+] Inner', '5: after']);
  });

  it('finds the row of a line, and the header standing for it when its group is closed', () => {
    const m = new LogModel();
    m.append({ text: 'a\nb\n', stepId: 's1' });
    m.append({ text: 'c\n::group::G\nd\n::endgroup::\ne\n', stepId: 's2' });
    m.setStep('s1', { status: 'running' });
    assert.deepEqual(rows(m), ['[-] s1', '  1: a', '  2: b', '[-] s2', '  3: c', '  [+] G', '  7: e']);
    assert.deepEqual(m.rowOfLine(2), { row: 2, visible: true });
    assert.deepEqual(m.rowOfLine(5), { row: 5, visible: false });
    assert.deepEqual(m.rowOfLine(7), { row: 6, visible: true });
    assert.deepEqual(m.rowOfLine(6), { row: 5, visible: false }, 'a number without a line of its own: the line before');
    m.setStep('s1', { status: 'completed' });
    assert.deepEqual(m.rowOfLine(2), { row: 0, visible: false });
    assert.deepEqual(m.rowOfLine(3), { row: 2, visible: true });
    m.reveal(5);
    assert.deepEqual(m.rowOfLine(5), { row: 4, visible: true });
    assert.equal(m.row(4)!.kind === 'line' && m.row(4)!.kind, 'line');
  });

  it('the row index agrees with a flat list built from scratch, through any sequence of appends and toggles', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('text' as const), step: fc.constantFrom('', 'a', 'b', 'c'), text: fc.array(fc.constantFrom('x\n', '::group::g\n', '::endgroup::\n', 'section_start:1:s[collapsed=true]\r\x1b[0KS\n', 'section_end:2:s\r\x1b[0K\n', 'y'), { maxLength: 8 }).map((a) => a.join('')) }),
      fc.record({ t: fc.constant('toggle' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('status' as const), step: fc.constantFrom('a', 'b', 'c'), status: fc.constantFrom('running', 'completed', 'failed') as fc.Arbitrary<'running' | 'completed' | 'failed'> }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const m = new LogModel();
        for (const o of ops) {
          if (o.t === 'text') m.append({ text: o.text, stepId: o.step });
          else if (o.t === 'status') m.setStep(o.step, { status: o.status });
          else {
            const headers = [];
            for (let i = 0; i < m.rowCount; i++) {
              const r = m.row(i)!;
              if (r.kind === 'group') headers.push(r.groupId);
            }
            if (headers.length) m.toggle(headers[o.pick % headers.length]!);
          }
        }
        // From scratch: walk the tree, showing what open groups hold.
        const flat: string[] = [];
        const walk = (g: (typeof m.tree.root)) => {
          for (const c of g.children) {
            if (c.kind === 'lines') for (let s = c.start; s < c.start + c.count; s++) flat.push(`L${m.store.lineNo(s)}`);
            else if (c.kind === 'gap') flat.push('gap');
            else {
              flat.push(`G${c.id}`);
              if (m.isOpen(c.id)) walk(c);
            }
          }
        };
        walk(m.tree.root);
        const got: string[] = [];
        for (let i = 0; i < m.rowCount; i++) {
          const r = m.row(i)!;
          got.push(r.kind === 'line' ? `L${r.line.lineNo}` : r.kind === 'gap' ? 'gap' : `G${r.groupId}`);
        }
        assert.deepEqual(got, flat);
        for (let i = 0; i < got.length; i++) {
          const g = got[i]!;
          if (g.startsWith('L')) assert.deepEqual(m.rowOfLine(Number(g.slice(1))), { row: i, visible: true });
        }
      }),
      { numRuns: 300 },
    );
  });
});

it('an end marker with no group open, in lines loaded later, is no line and ends nothing', () => {
  const m = new LogModel();
  m.fill({ text: '::endgroup::\n\u0000after\n', line: 1 });
  m.fill({ text: 'then\n', line: 3 });
  assert.deepEqual(rows(m), ['2: after', '3: then']);
});
