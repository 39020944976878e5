/**
 * A chunk's place in the store's text (`line`, and `col` with `continues`) tells the log exactly
 * what it has already: chunks that only repeat characters (progress dots) are shown once each,
 * whether they are heard before the log's read is answered, during it, or after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { LogFeed } from '../../../src/elements/task-log/log-feed.js';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { MemoryOutputStore } from '../../../src/server/memory-output-store.js';
import { until } from '../../shared/until.js';
import { rows } from './rows.js';

const output = (text: string): ProgressEvent => ({ type: 'output', projectId: 'p', taskId: 't', timestamp: '2026-01-01T00:00:00.000Z', output: text }) as ProgressEvent;

/**
 * A feed on a real store. Each read is taken from the store when it is asked, and its answer
 * reaches the feed when the test calls `deliver()`; `reads` counts the answers delivered.
 */
async function feedOn(before: string[]) {
  const store = new MemoryOutputStore();
  const numbered: ProgressEvent[] = [];
  for (const text of before) numbered.push(await store.numberOutput(output(text)));
  const waiting: (() => void)[] = [];
  const state = { asked: 0, delivered: 0 };
  const model = new LogModel();
  const feed = new LogFeed(
    model,
    'p',
    't',
    async (path) => {
      const query = new URL(path, 'http://x').searchParams;
      const from = query.get('from');
      const read = await store.read('p', 't', { ...(from === null ? {} : { from: Number(from) }), limit: Number(query.get('limit')) });
      state.asked++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return read ? new Response(JSON.stringify(read), { status: 200 }) : new Response(null, { status: 204 });
    },
    { changed: () => state.delivered++, failed: (error) => assert.fail(String(error)) },
  );
  feed.start();
  await until(() => state.asked === 1, 'the end read taken');
  const deliver = async () => {
    const before = state.delivered;
    waiting.shift()!();
    await until(() => state.delivered > before, 'the read given to the log');
  };
  const number = async (text: string) => {
    const event = await store.numberOutput(output(text));
    numbered.push(event);
    return event;
  };
  return { model, feed, state, deliver, number, numbered };
}

const EXPECTED = ['1: first', '2: wait...', '3: next.'];

for (const chunks of [
  ['first\nwait', '.', '.', '.', '\nnext', '.', '\n'],
  ['first\n', 'wait', '.', '.', '.', '\nnext', '.', '\n'],
  ['first\n', 'w', 'ait', '.', '..', '\nn', 'ext.', '\n'],
]) {
  test(`every line once, whichever chunks the read holds and whichever are heard before its answer: ${JSON.stringify(chunks)}`, async () => {
    // The read is taken after `taken` chunks were numbered; the first `heard` chunks reach the page
    // before the read's answer (held), the others after it. Chunks of dots differ only by their place.
    for (let taken = 0; taken <= chunks.length; taken++) {
      for (let heard = 0; heard <= chunks.length; heard++) {
        const { model, feed, deliver, number, numbered } = await feedOn(chunks.slice(0, taken));
        for (const text of chunks.slice(taken)) await number(text);
        for (const event of numbered.slice(0, heard)) feed.event(event);
        await deliver();
        for (const event of numbered.slice(heard)) feed.event(event);
        assert.deepEqual(rows(model), EXPECTED, `read taken after ${taken} chunks, ${heard} heard before its answer`);
      }
    }
  });
}
