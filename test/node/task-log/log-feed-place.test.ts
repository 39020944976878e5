/**
 * A chunk's place in the store's text (`line`, and `col` with `continues`) tells the log exactly
 * what it has already: chunks that only repeat characters (progress dots) are shown once each,
 * whether they are heard before the log's read is answered, during it, or after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows } from './rows.js';
import { storeFeed } from './store-feed.js';

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
        const { model, feed, deliver, number, numbered } = await storeFeed(chunks.slice(0, taken));
        for (const text of chunks.slice(taken)) await number(text);
        for (const event of numbered.slice(0, heard)) feed.event(event);
        await deliver();
        for (const event of numbered.slice(heard)) feed.event(event);
        assert.deepEqual(rows(model), EXPECTED, `read taken after ${taken} chunks, ${heard} heard before its answer`);
      }
    }
  });
}
