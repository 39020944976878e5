/**
 * Live chunks heard while the log's end is read: held, then joined to what the read gave. A held
 * chunk whose start the read's open line holds already ends that line, and the lines after it
 * keep their own numbers (a reload while a task prints lines comes to this on almost every load).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { LogFeed } from '../../../src/elements/task-log/log-feed.js';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { MemoryOutputStore } from '../../../src/server/memory-output-store.js';
import { rows } from './rows.js';
import { until } from '../../shared/until.js';

const output = (text: string): ProgressEvent => ({ type: 'output', projectId: 'p', taskId: 't', timestamp: '2026-01-01T00:00:00.000Z', output: text }) as ProgressEvent;

/** A feed on a real store whose end read waits until `release()`, with the chunks numbered by the store. */
async function setUp(before: string[]) {
  const store = new MemoryOutputStore();
  for (const text of before) await store.numberOutput(output(text));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waiting = false;
  const model = new LogModel();
  const feed = new LogFeed(
    model,
    'p',
    't',
    async (path) => {
      const query = new URL(path, 'http://x').searchParams;
      const from = query.get('from');
      // The read is answered as the store stood when it was asked, after the gate opens.
      const read = await store.read('p', 't', { ...(from === null ? {} : { from: Number(from) }), limit: Number(query.get('limit')) });
      waiting = true;
      await gate;
      return new Response(JSON.stringify(read), { status: 200 });
    },
    { changed() {}, failed: (error) => assert.fail(String(error)) },
  );
  feed.start();
  const live = async (text: string) => feed.event(await store.numberOutput(output(text)));
  return { model, feed, live, release, waiting: () => waiting };
}

/** The end read answered and what it gave (with the chunks held meanwhile) in the model. */
const applied = (feed: LogFeed) => until(() => feed.mode === 'store', 'the end read applied');

/** A feed whose end read is answered (as the store stands then) only when `answer()` is called; live chunks are heard whenever the test says. */
async function gatedFeed(before: string[]) {
  const store = new MemoryOutputStore();
  for (const text of before) await store.numberOutput(output(text));
  let answer!: () => void;
  const gate = new Promise<void>((resolve) => (answer = resolve));
  const model = new LogModel();
  const feed = new LogFeed(
    model,
    'p',
    't',
    async (path) => {
      await gate;
      const query = new URL(path, 'http://x').searchParams;
      return new Response(JSON.stringify(await store.read('p', 't', { limit: Number(query.get('limit')) })), { status: 200 });
    },
    { changed() {}, failed: (error) => assert.fail(String(error)) },
  );
  feed.start();
  return { store, model, feed, answer };
}

for (const [name, before, chunk, expected] of [
  ['the newline that ends it', ['first\ncompil', 'ing'], '\nnext\n', ['1: first', '2: compiling', '3: next', '4: last']],
  ['its last characters and the newline', ['first\ncompil'], 'ing\nnext\n', ['1: first', '2: compiling', '3: next', '4: last']],
  ['characters that the open line happens to end with', ['first\ncompil'], 'il\nnext\n', ['1: first', '2: compilil', '3: next', '4: last']],
] as const) {
  test(`a chunk held during the end read that ends the read's open line with ${name}: each line once, under its own number`, async () => {
    const { model, feed, live, release, waiting } = await setUp([...before]);
    await until(waiting, 'the end read answered by the store and waiting');
    // Heard while the read waits (numbered after the read was answered).
    await live(chunk);
    release();
    await applied(feed);
    await live('last\n');
    assert.deepEqual(rows(model), expected);
  });
}

test('a chunk without a newline that the read holds already (numbered before the read, heard during it): not shown twice', async () => {
  const { store, model, feed, answer } = await gatedFeed(['first\ncompil']);
  feed.event(await store.numberOutput(output('ing')));
  answer();
  await applied(feed);
  feed.event(await store.numberOutput(output(' done\n')));
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});


test('a held chunk that began the open line the read holds (no newline yet): that line once', async () => {
  const { store, model, feed, answer } = await gatedFeed(['line 1 end\n']);
  // Numbered before the read is answered, heard after it: the read holds it.
  const began = await store.numberOutput(output('line 2 end'));
  answer();
  await applied(feed);
  feed.event(began);
  feed.event(await store.numberOutput(output('\nline 3\n')));
  assert.deepEqual(rows(model), ['1: line 1 end', '2: line 2 end', '3: line 3']);
});

test('several held chunks of the open line, all in the read: each once, and the one the read has not: once', async () => {
  const { store, model, feed, answer } = await gatedFeed(['first\n']);
  const a = await store.numberOutput(output('comp'));
  const b = await store.numberOutput(output('il'));
  const c = await store.numberOutput(output('ing'));
  answer();
  await applied(feed);
  // The read holds a, b and c; d comes after it.
  const d = await store.numberOutput(output(' done\n'));
  for (const event of [a, b, c, d]) feed.event(event);
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});
