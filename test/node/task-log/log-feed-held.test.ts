/**
 * Live chunks heard while the log's end is read: held, then joined to what the read gave. A held
 * chunk whose start the read's open line holds already ends that line, and the lines after it
 * keep their own numbers (a reload while a task prints lines comes to this on almost every load).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows } from './rows.js';
import { storeFeed } from './store-feed.js';

for (const [name, before, chunk, expected] of [
  ['the newline that ends it', ['first\ncompil', 'ing'], '\nnext\n', ['1: first', '2: compiling', '3: next', '4: last']],
  ['its last characters and the newline', ['first\ncompil'], 'ing\nnext\n', ['1: first', '2: compiling', '3: next', '4: last']],
  ['characters that the open line happens to end with', ['first\ncompil'], 'il\nnext\n', ['1: first', '2: compilil', '3: next', '4: last']],
] as const) {
  test(`a chunk held during the end read that ends the read's open line with ${name}: each line once, under its own number`, async () => {
    const { model, live, deliver } = await storeFeed([...before]);
    // Heard while the read's answer is on its way (numbered after the read was taken).
    await live(chunk);
    await deliver();
    await live('last\n');
    assert.deepEqual(rows(model), expected);
  });
}

test('a chunk without a newline that the read holds already (numbered before the read, heard during it): not shown twice', async () => {
  const { live, model, deliver } = await storeFeed(['first\ncompil'], { read: 'answered' });
  await live('ing');
  await deliver();
  await live(' done\n');
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});


test('a held chunk that began the open line the read holds (no newline yet): that line once', async () => {
  const { number, live, feed, model, deliver } = await storeFeed(['line 1 end\n'], { read: 'answered' });
  // Numbered before the read is answered, heard after it: the read holds it.
  const began = await number('line 2 end');
  await deliver();
  feed.event(began);
  await live('\nline 3\n');
  assert.deepEqual(rows(model), ['1: line 1 end', '2: line 2 end', '3: line 3']);
});

test('several held chunks of the open line, all in the read: each once, and the one the read has not: once', async () => {
  const { number, feed, model, deliver } = await storeFeed(['first\n'], { read: 'answered' });
  const a = await number('comp');
  const b = await number('il');
  const c = await number('ing');
  await deliver();
  // The read holds a, b and c; d comes after it.
  const d = await number(' done\n');
  for (const event of [a, b, c, d]) feed.event(event);
  assert.deepEqual(rows(model), ['1: first', '2: compiling done']);
});
