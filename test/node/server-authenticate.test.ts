/**
 * Whatever `authenticate` does (throws, rejects, answers anything, a Proxy, a getter that throws,
 * never answers), a socket it does not grant is closed with 4401 before any frame and a read gets
 * 401; the process goes on and the other sockets keep receiving events. It fails closed: an answer
 * without projects grants nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { readAnswer } from '../../src/server/access.js';
import { TokenCheck } from '../../src/server/token-check.js';
import { CLOSE_UNAUTHORIZED, type AuthenticateAnswer } from '../../src/server/index.js';
import { startServer, task, waitFor } from './helpers/fixtures.js';
import { connect, open, type RawClient } from './helpers/raw-client.js';

/** How the server closed `client`, once it did; fails when the socket is still open after `ms` (a socket let in). */
async function closedWithin(client: RawClient, ms: number): Promise<Awaited<RawClient['closed']>> {
  let closed: Awaited<RawClient['closed']> | undefined;
  void client.closed.then((c) => (closed = c));
  await waitFor(() => closed !== undefined, 'the server to close the socket', ms);
  return closed!;
}

const httpBase = (server: { port: number }) => `http://127.0.0.1:${server.port}`;

/** Throws whatever it is given: the error of a getter or trap. */
const thrower = (value: unknown) => () => {
  throw value;
};

/** Proxy traps that all throw `value`. */
function throwingTraps(value: unknown): ProxyHandler<object> {
  const trap = thrower(value);
  return { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap, apply: trap, construct: trap, defineProperty: trap };
}

/** A value is a grant only when it is `true`, or names its projects: those are left out of the arbitrary answers. */
const grantsNothing = (value: unknown): boolean =>
  value !== true && !(typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'projects'));

/** What the hook does, as a factory: each call makes a new answer (a read and a socket ask once each). */
type Behaviour = { name: string; run: () => unknown };

const behaviours: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.anything().filter(grantsNothing).map((value) => ({ name: `answers ${fc.stringify(value)}`, run: () => value })),
  fc.anything().filter(grantsNothing).map((value) => ({ name: `resolves ${fc.stringify(value)}`, run: () => Promise.resolve(value) })),
  fc.anything().map((value) => ({ name: `throws ${fc.stringify(value)}`, run: thrower(value) })),
  fc.anything().map((value) => ({ name: `rejects ${fc.stringify(value)}`, run: () => Promise.reject(value) })),
  fc.anything().map((value) => ({
    name: `a getter of projects throws ${fc.stringify(value)}`,
    run: () => ({
      get projects(): string[] {
        throw value;
      },
    }),
  })),
  fc.anything().map((value) => ({
    name: `a getter of expiresAt throws ${fc.stringify(value)}`,
    run: () => ({
      projects: ['p1'],
      get expiresAt(): number {
        throw value;
      },
    }),
  })),
  fc.anything().map((value) => ({ name: `a Proxy whose traps throw ${fc.stringify(value)}`, run: () => new Proxy({}, throwingTraps(value)) })),
  fc.anything().map((value) => ({ name: `a Proxy of a promise whose traps throw ${fc.stringify(value)}`, run: () => Promise.resolve(new Proxy({}, throwingTraps(value))) })),
  fc.anything().map((value) => ({ name: `projects: a Proxy list whose traps throw ${fc.stringify(value)}`, run: () => ({ projects: new Proxy(['p1'], throwingTraps(value)) }) })),
  fc.anything().map((value) => ({ name: `expiresAt: a Proxy whose traps throw ${fc.stringify(value)}`, run: () => ({ projects: '*', expiresAt: new Proxy(new Date(), throwingTraps(value)) }) })),
  fc.constant({
    name: 'a revoked Proxy',
    run: () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  }),
  fc.constant({
    name: 'projects: a revoked Proxy',
    run: () => {
      const { proxy, revoke } = Proxy.revocable([], {});
      revoke();
      return { projects: proxy };
    },
  }),
  fc.constant({ name: 'a promise that never settles', run: () => new Promise(() => {}) }),
  fc.constant({ name: 'a thenable that never calls back', run: () => ({ then() {} }) }),
  fc.constant({ name: '{}', run: () => ({}) }),
  fc.constant({ name: '{ projects: undefined }', run: () => ({ projects: undefined }) }),
  fc.constant({ name: '{ expiresAt } alone', run: () => ({ expiresAt: Date.now() + 60_000 }) }),
  fc.anything().map((value) => ({ name: `projects: ${fc.stringify(value)}`, run: () => ({ projects: Array.isArray(value) && value.every((p) => typeof p === 'string') ? [...value, 0] : value === '*' ? 0 : value }) })),
);

test('property: whatever authenticate does, the socket gets 4401 before any frame, the read 401, and a socket opened before keeps receiving events', async (t) => {
  let behaviour: Behaviour = { name: 'none yet', run: () => false };
  const server = await startServer(t, {
    authenticateTimeout: 100,
    logger: { warn: () => {} },
    authenticate: (token) => (token === 'good' ? true : (behaviour.run() as AuthenticateAnswer)),
  });
  const good = await open(t, `${server.urlFor()}?token=good&resume=1`);
  await good.next((f) => f.type === 'session');
  let published = 0;
  await fc.assert(
    fc.asyncProperty(behaviours, fc.constantFrom('query', 'message'), async (chosen, transport) => {
      behaviour = chosen;
      const url = transport === 'query' ? `${server.urlFor()}?token=bad&resume=1` : `${server.urlFor()}?auth=message&resume=1`;
      const client: RawClient = await connect(url);
      client.ws.on('error', () => {});
      if (transport === 'message') client.send(JSON.stringify({ type: 'auth', token: 'bad' }));
      // Bounded: a socket let in stays open (the test then fails here rather than hang).
      const closed = await closedWithin(client, 3000).finally(() => client.terminate());
      assert.deepEqual(closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized' }, chosen.name);
      assert.deepEqual(client.frames, [], `no frame before the close (${chosen.name})`);
      const read = await fetch(`${httpBase(server)}/progress/snapshot?kind=task&projectId=p1&taskId=t`, { headers: { authorization: 'Bearer bad' } });
      assert.equal(read.status, 401, chosen.name);
      await read.arrayBuffer();
      // The socket opened before is untouched: it receives the next event.
      const taskId = `t${++published}`;
      void server.publish(task.started('p1', taskId));
      await good.next((f) => f.taskId === taskId, 2000);
    }),
    { numRuns: 80 },
  );
  assert.equal(good.ws.readyState, good.ws.OPEN);
});

test('property: readAnswer never throws, and grants only true, a function, or projects that are "*", a list of ids or a function', () => {
  const grant = (projects: unknown): boolean => projects === '*' || typeof projects === 'function' || (Array.isArray(projects) && projects.every((p) => typeof p === 'string'));
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ projects: fc.anything() }, { requiredKeys: [] }), fc.record({ projects: fc.oneof(fc.constant('*'), fc.array(fc.string())) })), (answer) => {
      const read = readAnswer(answer, Date.now());
      const expected = answer === true || (typeof answer === 'object' && answer !== null && !Array.isArray(answer) && grant((answer as { projects?: unknown }).projects));
      assert.equal(read.ok, expected, fc.stringify(answer));
    }),
    { numRuns: 500 },
  );
});

test('an answer without projects grants nothing: 4401, 401, and a warning without the token', async (t) => {
  const lines: string[] = [];
  const answers: Record<string, AuthenticateAnswer> = {
    empty: {} as AuthenticateAnswer,
    undefinedProjects: { projects: undefined } as unknown as AuthenticateAnswer,
    expiresOnly: { expiresAt: Date.now() + 60_000 } as AuthenticateAnswer,
    star: { projects: '*' },
  };
  const server = await startServer(t, { authenticate: (token) => answers[token!.split('-')[0]!]!, logger: { warn: (line) => lines.push(line) } });
  for (const name of ['empty', 'undefinedProjects', 'expiresOnly']) {
    const token = `${name}-SECRET`;
    const client = await open(t, `${server.urlFor()}?token=${token}&resume=1`);
    assert.deepEqual(await closedWithin(client, 3000), { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized' }, name);
    assert.deepEqual(client.frames, [], name);
    const read = await fetch(`${httpBase(server)}/progress/snapshot?kind=task&projectId=p1&taskId=t`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(read.status, 401, name);
  }
  assert.ok(lines.length >= 1, 'reported');
  assert.match(lines[0]!, /authenticate answered a grant without projects; the token is refused/);
  for (const line of lines) assert.ok(!line.includes('SECRET'), line);
  // `'*'` grants every project.
  const star = await open(t, `${server.urlFor()}?token=star-x&resume=1`);
  assert.equal((await star.next()).type, 'session');
});

test('authenticateTimeout: a hook that never answers refuses the socket (4401) and the read (401) at its deadline, and is reported', async (t) => {
  const lines: string[] = [];
  const server = await startServer(t, { authenticateTimeout: 150, authenticate: () => new Promise<AuthenticateAnswer>(() => {}), logger: { warn: (line) => lines.push(line) } });
  const started = performance.now();
  const client = await open(t, `${server.urlFor()}?token=SECRET&resume=1`);
  assert.deepEqual(await client.closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized' });
  const took = performance.now() - started;
  assert.ok(took >= 140 && took < 2000, `closed after ${took} ms`);
  const read = await fetch(`${httpBase(server)}/progress/snapshot?kind=task&projectId=p1&taskId=t`, { headers: { authorization: 'Bearer SECRET' } });
  assert.equal(read.status, 401);
  await waitFor(() => lines.length >= 1, 'the report');
  assert.match(lines[0]!, /authenticate did not answer in time \(authenticateTimeout 150 ms\)/);
  for (const line of lines) assert.ok(!line.includes('SECRET'), line);
});

test('endAll() (what close() calls) ends the checks under way as refused, and their timers with them', async () => {
  const check = new TokenCheck(() => new Promise<AuthenticateAnswer>(() => {}), 60_000, { warn: () => {} });
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const request = {} as IncomingMessage;
  const checks = [check.check('a', request), check.check('b', request)];
  assert.equal(timers(), before + 2, 'each check has its deadline');
  check.endAll();
  for (const checked of await Promise.all(checks)) assert.deepEqual(checked, { answer: { ok: false, reason: 'refused' }, grant: false });
  assert.equal(timers(), before, 'no timer left');
});
