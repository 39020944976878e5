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

const output = (text: string): ProgressEvent => ({ type: 'output', projectId: 'p', taskId: 't', timestamp: '2026-01-01T00:00:00.000Z', output: text }) as ProgressEvent;

/** A feed on a real store whose end read waits until `release()`, with the chunks numbered by the store. */
async function setUp(before: string[]) {
  const store = new MemoryOutputStore();
  for (const text of before) await store.numberOutput(output(text));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
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
      await gate;
      return new Response(JSON.stringify(read), { status: 200 });
    },
    { changed() {}, failed: (error) => assert.fail(String(error)) },
  );
  feed.start();
  const live = async (text: string) => feed.event(await store.numberOutput(output(text)));
  return { model, feed, live, release };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

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
    const { model, live, release } = await setUp([...before]);
    await settled();
    // Heard while the read waits (numbered after the read was answered).
    await live(chunk);
    release();
    await settled();
    await live('last\n');
    assert.deepEqual(rows(model), expected);
  });
}

test('a chunk without a newline that the read holds already (numbered before the read, heard during it): not shown twice', async () => {
  const { store, model, feed, answer } = await gatedFeed(['first\ncompil']);
  feed.event(await store.numberOutput(output('ing')));
  answer();
  await settled();
  feed.event(await store.numberOutput(output(' done\n')));
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});


test('a held chunk that began the open line the read holds (no newline yet): that line once', async () => {
  const { store, model, feed, answer } = await gatedFeed(['line 1 end\n']);
  // Numbered before the read is answered, heard after it: the read holds it.
  const began = await store.numberOutput(output('line 2 end'));
  answer();
  await settled();
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
  await settled();
  // The read holds a, b and c; d comes after it.
  const d = await store.numberOutput(output(' done\n'));
  for (const event of [a, b, c, d]) feed.event(event);
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});
