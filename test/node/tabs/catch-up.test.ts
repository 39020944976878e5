/**
 * A tab back from a reload, caught up by the tab holding the sockets: the follower's side (what
 * it holds back, what it applies, when it resyncs) on the messages of the share, and the holder's
 * side (what it keeps and answers) on a real socket to the reference server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection } from '../../../src/client/connection/connection.js';
import type { ResyncReason } from '../../../src/client/connection/sequence-tracker.js';
import type { ResumePosition } from '../../../src/client/connection/socket-url.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { asShareMessage, type ShareMessage } from '../../../src/client/sharing/messages.js';
import { CATCH_UP_LIMIT, REPLAY_LIMIT, SharedConnection, type ShareLink } from '../../../src/client/sharing/shared-connection.js';
import { NodeWebSocket, startServer, task, waitFor } from '../helpers/fixtures.js';

const E = 'epoch-1';
const at = (seq: number): ResumePosition => ({ epoch: E, seq });
const numbered = (seq: number): ProgressEvent => ({ ...task.step('p', 't', `s${seq}`, 'running'), seq });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The share as one tab's connection sees it: what it posts, and (holding) real sockets. */
class Link implements ShareLink {
  readonly posts: ShareMessage[] = [];
  constructor(
    public leading: boolean,
    readonly open: ShareLink['open'] = () => {
      throw new Error('this tab opens no socket');
    },
  ) {}
  need(): void {}
  retry(): void {}
  post(message: ShareMessage): void {
    this.posts.push(message);
  }
}

/** A follower's connection that starts from a kept position, and what it hands its client. */
function follower(from: ResumePosition) {
  const connection = new SharedConnection('ws://x/p', 'p', new Link(false), from, (error) => assert.fail(String(error)));
  const seqs: number[] = [];
  const resyncs: ResyncReason[] = [];
  connection.frames.add((events) => seqs.push(...events.map((e) => e.seq!)));
  connection.resyncs.add((reason) => resyncs.push(reason));
  void connection.connect();
  const relay = (message: object) => connection.relay(asShareMessage(message)!);
  const frame = (...s: number[]) => relay({ t: 'frame', key: 'p', events: s.map(numbered), position: at(s[s.length - 1]!) });
  return { connection, seqs, resyncs, relay, frame };
}

describe('a tab back from a reload is caught up by the holder', () => {
  it('holds back what the channel brings until the holder answers, then has every event once, in order', () => {
    const tab = follower(at(10));
    assert.deepEqual(tab.connection.catchingFrom, at(10), 'it says where it stands');
    // The holder is at 23: a frame it passes on, and its connection state, come before its answer.
    tab.frame(23);
    tab.relay({ t: 'conn', key: 'p', state: 'connected', position: at(23) });
    assert.deepEqual(tab.seqs, [], 'nothing applied out of order');
    assert.deepEqual(tab.connection.position, at(10), 'its position stays where it was kept');
    tab.relay({ t: 'caught', to: 'me', key: 'p', events: [12, 15, 20, 23].map(numbered), position: at(23) });
    tab.frame(24, 26);
    assert.deepEqual(tab.seqs, [12, 15, 20, 23, 24, 26]);
    assert.deepEqual(tab.resyncs, []);
    assert.equal(tab.connection.catchingFrom, undefined);
    // A second answer (to a need it sent twice) changes nothing.
    tab.relay({ t: 'caught', to: 'me', key: 'p', events: [12, 15].map(numbered), position: at(23) });
    assert.deepEqual(tab.seqs, [12, 15, 20, 23, 24, 26]);
  });

  it('resyncs when the holder no longer has what came since its position, and goes on from the holder’s', () => {
    const tab = follower(at(10));
    tab.frame(40);
    tab.relay({ t: 'caught', to: 'me', key: 'p', events: [], position: at(39), resync: 'gap' });
    tab.frame(41);
    assert.deepEqual(tab.resyncs, ['gap']);
    assert.deepEqual(tab.seqs, [40, 41]);
  });

  it('resyncs when the holder does not answer in time, or while it holds back too much', () => {
    const silent = follower(at(10));
    silent.frame(30);
    silent.connection.checkCatchUp(Date.now() + CATCH_UP_LIMIT / 2);
    assert.deepEqual(silent.resyncs, [], 'not yet');
    silent.connection.checkCatchUp(Date.now() + CATCH_UP_LIMIT);
    assert.deepEqual(silent.resyncs, ['gap']);
    assert.deepEqual(silent.seqs, [30]);

    const flooded = follower(at(10));
    for (const seq of range(100, 100 + REPLAY_LIMIT)) flooded.frame(seq);
    assert.deepEqual(flooded.resyncs, ['gap']);
    assert.equal(flooded.seqs.length, REPLAY_LIMIT + 1, 'what it held back, once each');
  });

  it('malformed catch-up messages are dropped', () => {
    assert.equal(asShareMessage({ t: 'caught', to: 'me', key: 'p', events: 'x' }), undefined);
    assert.equal(asShareMessage({ t: 'caught', to: 'me', key: 'p', events: [null] }), undefined);
    assert.equal(asShareMessage({ t: 'frame', key: 'p', events: [3] }), undefined);
    assert.equal(asShareMessage({ t: 'caught', to: 'me', key: 'p', events: [], position: { epoch: 1, seq: 2 } }), undefined);
    assert.equal(asShareMessage({ t: 'caught', to: 'me', key: 'p', events: [], resync: 'never' }), undefined);
    assert.equal(asShareMessage({ t: 'need', from: 'a', keys: ['p'], at: { p: { epoch: 'e', seq: -1 } } }), undefined);
    assert.ok(asShareMessage({ t: 'need', from: 'a', keys: ['p'], at: { p: at(3) } }));
  });

  it('the holder answers from the events it keeps, and with a resync once they no longer reach back', async (t) => {
    const server = await startServer(t);
    const link = new Link(true, (_key, from) => new Connection({ url: server.urlFor('p'), WebSocket: NodeWebSocket, ...(from ? { resumeFrom: from } : {}) }));
    const holder = new SharedConnection(server.urlFor('p'), 'p', link, undefined, (error) => assert.fail(String(error)));
    t.after(() => {
      holder.demote();
      holder.disconnect();
    });
    const connected = holder.connect();
    holder.promote();
    await connected;
    const seqs: number[] = [];
    holder.frames.add((events) => seqs.push(...events.map((e) => e.seq!)));
    const publish = async (count: number) => {
      const before = seqs.length;
      for (let i = 0; i < count; i++) server.publish(task.step('p', 't', `s${i}`, 'running'));
      await waitFor(() => seqs.length === before + count, `${count} events`);
    };
    await publish(30);
    const epoch = holder.position!.epoch;
    const head = holder.position!;
    const tenth = { epoch, seq: seqs[9]! };

    const caught = holder.catchUp(tenth);
    assert.deepEqual(caught.events.map((e) => e.seq), seqs.slice(10));
    assert.deepEqual(caught.position, head);
    assert.equal(caught.resync, undefined);
    assert.deepEqual(holder.catchUp(head), { events: [], position: head }, 'nothing came since');
    assert.equal(holder.catchUp({ epoch: 'another', seq: 3 }).resync, 'epoch');

    await publish(REPLAY_LIMIT);
    assert.equal(holder.catchUp(tenth).resync, 'gap', 'what came since the tenth is no longer kept');
    const kept = holder.catchUp({ epoch, seq: seqs[seqs.length - REPLAY_LIMIT - 1]! });
    assert.equal(kept.resync, undefined);
    assert.equal(kept.events.length, REPLAY_LIMIT, 'the last REPLAY_LIMIT events are kept');

    // No tab needs the socket for a while; a tab back from a reload needs it again: it opens from
    // that tab's position, and the server replays what came since.
    holder.demote();
    holder.disconnect();
    const before = seqs.length;
    for (let i = 0; i < 5; i++) server.publish(task.step('p', 't', `later${i}`, 'running'));
    const back = { epoch, seq: seqs[before - 3]! };
    holder.startFrom(back);
    const replayed: number[] = [];
    holder.frames.add((events) => replayed.push(...events.map((e) => e.seq!)));
    const again = holder.connect();
    holder.promote();
    assert.deepEqual(holder.catchUp(back), { events: [], position: back }, 'nothing to send: the server replays');
    await again;
    await waitFor(() => replayed.length === 7, 'the replay');
    assert.deepEqual(replayed.slice(0, 2), seqs.slice(before - 2, before));
  });
});
