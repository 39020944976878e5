/**
 * A task log's feed on a real output store, with its reads under the test's control: each read is
 * taken from the store when the feed asks (`read: 'asked'`) or when the test lets it through
 * (`read: 'answered'`), and reaches the feed only when the test calls `deliver()`. Chunks are
 * numbered by the store as a server would, and heard by the feed whenever the test says.
 */
import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { LogFeed } from '../../../src/elements/task-log/log-feed.js';
import { LogModel } from '../../../src/elements/task-log/log-model.js';
import { MemoryOutputStore } from '../../../src/server/memory-output-store.js';
import { until } from '../../shared/until.js';

export const output = (text: string): ProgressEvent =>
  ({ type: 'output', projectId: 'p', taskId: 't', timestamp: '2026-01-01T00:00:00.000Z', output: text }) as ProgressEvent;

/** `before` numbered by the store first; the feed started, its end read asked for. */
export async function storeFeed(before: readonly string[], options: { read: 'asked' | 'answered' } = { read: 'asked' }) {
  const store = new MemoryOutputStore();
  const numbered: ProgressEvent[] = [];
  for (const text of before) numbered.push(await store.numberOutput(output(text)));
  const gates: (() => void)[] = [];
  const state = { asked: 0, applied: 0 };
  const model = new LogModel();
  const take = (path: string) => {
    const query = new URL(path, 'http://x').searchParams;
    const from = query.get('from');
    return store.read('p', 't', { ...(from === null ? {} : { from: Number(from) }), limit: Number(query.get('limit')) });
  };
  const feed = new LogFeed(
    model,
    'p',
    't',
    async (path) => {
      const early = options.read === 'asked' ? await take(path) : undefined;
      state.asked++;
      await new Promise<void>((resolve) => gates.push(resolve));
      const read = options.read === 'asked' ? early : await take(path);
      return read ? new Response(JSON.stringify(read), { status: 200 }) : new Response(null, { status: 204 });
    },
    { changed: () => state.applied++, failed: (error) => assert.fail(String(error)) },
  );
  feed.start();
  await until(() => state.asked === 1, 'the end read asked for');
  const number = async (text: string): Promise<ProgressEvent> => {
    const event = await store.numberOutput(output(text));
    numbered.push(event);
    return event;
  };
  return {
    store,
    model,
    feed,
    /** Every chunk numbered so far, in order. */
    numbered,
    /** Reads asked for so far. */
    asked: () => state.asked,
    /** A chunk numbered by the store now (not yet heard). */
    number,
    /** A chunk numbered now and heard at once. */
    live: async (text: string): Promise<void> => feed.event(await number(text)),
    /** Lets the oldest read through, and waits until the feed applied it. */
    async deliver(): Promise<void> {
      const before = state.applied;
      gates.shift()!();
      await until(() => state.applied > before, 'the read applied');
    },
  };
}
