/** The sequence tracker alone: what each session frame means, and which events are new. No socket. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceTracker } from '../../../src/client/connection/sequence-tracker.js';

const session = (epoch: string, seq: number, resumed: boolean) => ({ type: 'session' as const, epoch, seq, resumed });

describe('SequenceTracker', () => {
  it('a first connection asks for nothing and resyncs nothing; then counts from the head', () => {
    const s = new SequenceTracker();
    assert.equal(s.ask(), undefined);
    assert.equal(s.connected(), undefined);
    assert.equal(s.session(session('e1', 40, false)), undefined, 'nothing was held, so nothing is missed');
    assert.deepEqual(s.position, { epoch: 'e1', seq: 40 });
    assert.equal(s.accept(40), false, 'the head itself is not new');
    assert.equal(s.accept(41), true);
    assert.equal(s.accept(41), false, 'a duplicate');
    assert.equal(s.accept(39), false, 'an old one');
    assert.deepEqual(s.position, { epoch: 'e1', seq: 41 });
  });

  it('resumed, gap and epoch, judged against the position asked from', () => {
    const s = new SequenceTracker({ epoch: 'e1', seq: 10 });
    assert.deepEqual(s.ask(), { epoch: 'e1', seq: 10 });
    assert.equal(s.session(session('e1', 12, true)), 'resumed');
    assert.equal(s.accept(11), true);
    s.ask();
    assert.equal(s.session(session('e1', 500, false)), 'gap');
    assert.deepEqual(s.position, { epoch: 'e1', seq: 500 }, 'what follows comes from the head');
    s.ask();
    assert.equal(s.session(session('e2', 3, false)), 'epoch');
    assert.deepEqual(s.position, { epoch: 'e2', seq: 3 }, 'a new epoch restarts the numbering');
    assert.equal(s.accept(4), true);
  });

  it('a reconnection to a server that never sent a session frame may have missed anything', () => {
    const s = new SequenceTracker();
    assert.equal(s.connected(), undefined);
    assert.equal(s.connected(), 'reconnect');
    assert.equal(s.accept(undefined), true, 'unnumbered events are always new');
    const numbered = new SequenceTracker();
    numbered.connected();
    numbered.session(session('e', 1, false));
    assert.equal(numbered.connected(), undefined, 'a server with numbers says what was missed in its session frame');
  });
});
