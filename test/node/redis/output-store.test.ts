/**
 * The output store in Redis, against a real redis-server: line numbers given in Redis, the same
 * through any store on it and after a new one starts; expiry once the task ends; the stream's cap;
 * a typed error while Redis is away (503 over HTTP) and work again once it is back.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { FULL_ACCESS } from '../../../src/server/access.js';
import { handleLogRead } from '../../../src/server/log-reads.js';
import { MemoryOutputStore } from '../../../src/server/memory-output-store.js';
import { OutputUnavailableError, type OutputRead } from '../../../src/server/output-store.js';
import { LogUnavailableError } from '../../../src/server/progress-log.js';
import { createRedisOutputStore, type RedisOutputStoreOptions } from '../../../src/server/redis-output-store.js';
import { freePort } from '../helpers/free-port.js';
import { startRedis } from '../helpers/redis-server.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const output = (projectId: string, taskId: string, text: string, extra: object = {}): ProgressEvent =>
  ({ type: 'output', projectId, taskId, timestamp: new Date(T0).toISOString(), output: text, ...extra }) as ProgressEvent;
const ended = (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_completed', projectId, taskId, timestamp: new Date(T0).toISOString() }) as ProgressEvent;
const fields = (event: ProgressEvent) => {
  const { line, continues, col } = event as { line?: number; continues?: boolean; col?: number };
  return continues ? { line, continues, col } : { line };
};
const texts = (read: OutputRead | undefined) => read!.lines.map((l) => `${l.n}:${l.text}`);
const quiet = { warn: () => {}, info: () => {} };

async function open(t: TestContext, options: RedisOutputStoreOptions) {
  const store = await createRedisOutputStore({ logger: quiet, ...options });
  t.after(() => store.close());
  return store;
}

test('two stores on one Redis number the lines of one task the same, chunks appended through both in turn', async (t) => {
  const redis = await startRedis(t);
  const a = await open(t, { url: redis.url });
  const b = await open(t, { url: redis.url });
  const chunks = ['one\ntw', 'o\r', '\nthree\n', 'fo', 'ur', '\nfive'];
  const numbered = [];
  for (let i = 0; i < chunks.length; i++) numbered.push(fields(await (i % 2 ? b : a).numberOutput(output('p', 't', chunks[i]!, { stepId: 'build' }))));
  assert.deepEqual(numbered, [
    { line: 1 },
    { line: 2, continues: true, col: 2 },
    { line: 2, continues: true, col: 4 },
    { line: 4 },
    { line: 4, continues: true, col: 2 },
    { line: 4, continues: true, col: 4 },
  ]);
  // Where a chunk begins in its line counts UTF-16 units, as a page's strings do, whatever the bytes.
  const wide = ['é ', '🙂 ', 'x'];
  const cols = [];
  for (const text of wide) cols.push((fields(await a.numberOutput(output('p', 'w', text))) as { col?: number }).col ?? 0);
  assert.deepEqual(cols, [0, 'é '.length, 'é 🙂 '.length]);
  const fromA = await a.read('p', 't', { from: 1 });
  assert.deepEqual(await b.read('p', 't', { from: 1 }), fromA);
  assert.deepEqual(texts(fromA), ['1:one', '2:two', '3:three', '4:four', '5:five']);
  assert.deepEqual([fromA!.total, fromA!.open, fromA!.complete, fromA!.firstKept], [5, true, false, 1]);
  assert.deepEqual(fromA!.lines[0], { n: 1, text: 'one', time: T0, stepId: 'build' });

  // Concurrent appends through both: every chunk of two lines gets its own pair of numbers.
  const firsts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).numberOutput(output('p', 'c', `${i}a\n${i}b\n`))));
  const lines = firsts.map((e) => (e as unknown as { line: number }).line).sort((x, y) => x - y);
  assert.deepEqual(lines, Array.from({ length: 40 }, (_, i) => 1 + 2 * i));
  const read = await a.read('p', 'c', { from: 1, limit: 100 });
  for (const e of firsts) {
    const { line, output: text } = e as unknown as { line: number; output: string };
    assert.equal(read!.lines[line - 1]!.text, text.split('\n')[0]);
  }
});

test('numbering survives a new store (a restart); the end closes the open line; reads from the end', async (t) => {
  const redis = await startRedis(t);
  const first = await createRedisOutputStore({ url: redis.url, logger: quiet });
  await first.numberOutput(output('p', 't', 'a\nb\npartial '));
  await first.close();
  const second = await open(t, { url: redis.url });
  assert.deepEqual(fields(await second.numberOutput(output('p', 't', 'line\nc'))), { line: 3, continues: true, col: 'partial '.length });
  assert.deepEqual(texts(await second.read('p', 't', { limit: 2 })), ['3:partial line', '4:c']);
  await second.numberOutput(ended('p', 't'));
  const read = await second.read('p', 't', { from: -1 });
  assert.deepEqual([texts(read), read!.open, read!.complete, read!.total], [['4:c'], false, true, 4]);
  assert.deepEqual(fields(await second.numberOutput(output('p', 't', 'late\n'))), { line: 5 });
  assert.equal(await second.read('p', 'none'), undefined);
  await second.numberOutput(ended('p', 'quiet'));
  assert.equal(await second.read('p', 'quiet'), undefined, 'an end without output writes nothing');
  assert.deepEqual(await redis.command('KEYS', '*quiet*'), []);
});

test('keys per project and task, expiring idleTtl after the last chunk, then endedTtl once the task ended', async (t) => {
  const redis = await startRedis(t);
  const store = await open(t, { url: redis.url, prefix: 'x:', idleTtl: 7000, endedTtl: 3000 });
  await store.numberOutput(output('p:1', 't 1', 'one\ntwo'));
  const [lines, meta] = store.keys('p:1', 't 1');
  assert.deepEqual([lines, meta], ['x:out:p%3A1:t%201:l', 'x:out:p%3A1:t%201:m']);
  const ttl = async (key: string) => Number(await redis.command('TTL', key));
  for (const key of [lines, meta]) assert.ok((await ttl(key)) > 6900, `${key} expires after idleTtl`);
  await store.numberOutput(ended('p:1', 't 1'));
  for (const key of [lines, meta]) {
    const left = await ttl(key);
    assert.ok(left > 2900 && left <= 3000, `${key} expires endedTtl after the end (${left})`);
  }
  await store.numberOutput(output('p:1', 't 1', 'late\n'));
  assert.ok((await ttl(meta)) <= 3000, 'late output keeps the ended ttl');
  assert.equal(await redis.command('XLEN', lines), 3);
});

test('the stream is capped at about maxLines: reads say which lines are no longer kept; the download goes from the first kept', async (t) => {
  const redis = await startRedis(t);
  const store = await open(t, { url: redis.url, maxLines: 200 });
  for (let i = 0; i < 10; i++) {
    let text = '';
    for (let k = 1; k <= 300; k++) text += `\x1b[2m${i * 300 + k}\x1b[0m\n`;
    await store.numberOutput(output('p', 't', text));
  }
  const read = await store.read('p', 't', { from: 1, limit: 2 });
  assert.equal(read!.total, 3000);
  assert.ok(read!.firstKept > 1 && read!.firstKept <= 2801, `first kept ${read!.firstKept}`);
  assert.equal(read!.lines[0]!.n, read!.firstKept);
  const chunks: string[] = [];
  for await (const chunk of (await store.download('p', 't'))!) chunks.push(chunk);
  const lines = chunks.join('').split('\n').slice(0, -1);
  assert.equal(lines[0], String(read!.firstKept));
  assert.equal(lines.at(-1), '3000');
  assert.equal(lines.length, 3000 - read!.firstKept + 1);
});

test('a cut never splits a UTF-8 character', async (t) => {
  const redis = await startRedis(t);
  const store = await open(t, { url: redis.url, maxLineLength: 5 });
  await store.numberOutput(output('p', 't', 'ééé\nabcdefg\r\n'));
  assert.deepEqual(texts(await store.read('p', 't', { from: 1 })), ['1:éé', '2:é', '3:abcde', '4:fg']);
});

test('Redis away: numbering and reads fail with OutputUnavailableError (503 over HTTP); back with its data, the numbering goes on', async (t) => {
  const redis = await startRedis(t, { aof: true });
  const store = await open(t, { url: redis.url, commandTimeout: 1000 });
  await store.numberOutput(output('p', 't', 'one\n'));
  const http = createServer((request, response) => {
    handleLogRead(request, response, { store, authorise: async () => ({ ok: true, access: FULL_ACCESS }) });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/projects/p/tasks/t/logs`;

  await redis.kill();
  const refused = await store.numberOutput(output('p', 't', 'two\n')).catch((e: unknown) => e);
  assert.ok(refused instanceof OutputUnavailableError, String(refused));
  assert.ok(refused instanceof LogUnavailableError, 'the server answers it as an unavailable log');
  assert.doesNotMatch((refused as Error).message, /two/);
  await assert.rejects(store.read('p', 't'), OutputUnavailableError);
  const response = await fetch(url);
  assert.equal(response.status, 503);

  await redis.start();
  // Back with its data (AOF): the numbering goes on where it was.
  let again: ProgressEvent | undefined;
  for (const end = Date.now() + 10000; again === undefined && Date.now() < end; ) {
    again = await store.numberOutput(output('p', 't', 'three\n')).catch(() => undefined);
    if (!again) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(fields(again!), { line: 2 });
  const body = await (await fetch(url)).json();
  assert.deepEqual(body.lines.map((l: { text: string }) => l.text), ['one', 'three']);
});

test('createRedisOutputStore fails clearly when Redis cannot be reached, without the password', async () => {
  const port = await freePort();
  await assert.rejects(createRedisOutputStore({ url: `redis://:s3cret@127.0.0.1:${port}`, connectTimeout: 1000 }), (error: Error) => {
    assert.match(error.message, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
});

test('property: Redis stores the same lines as memory, however the text is cut', async (t) => {
  const redis = await startRedis(t);
  const store = await open(t, { url: redis.url, maxLineLength: 6 });
  let run = 0;
  const text = fc.array(fc.oneof(fc.constantFrom('\n', '\r', '\r\n', 'abc', '\x1b[1m'), fc.string({ maxLength: 9 })), { maxLength: 30 }).map((p) => p.join(''));
  await fc.assert(
    fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (whole, cuts, end) => {
      const taskId = `run${run++}`;
      const memory = new MemoryOutputStore({ maxLineLength: 6 });
      const positions = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
      let from = 0;
      for (const to of [...positions, whole.length]) {
        await store.numberOutput(output('p', taskId, whole.slice(from, to)));
        from = to;
      }
      memory.numberOutput(output('p', taskId, whole));
      if (end) {
        await store.numberOutput(ended('p', taskId));
        memory.numberOutput(ended('p', taskId));
      }
      const lines = (read: OutputRead | undefined) => read?.lines.map((l) => [l.n, l.text]) ?? [];
      assert.deepEqual(lines(await store.read('p', taskId, { from: 1, limit: 5000 })), lines(memory.readNow('p', taskId, { from: 1, limit: 5000 })));
    }),
    { numRuns: 150 },
  );
});
