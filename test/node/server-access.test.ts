/**
 * Who may see what, on one server over real sockets: per-project grants (live, batches, replays,
 * the session frame's position, reads), per-project URLs of other projects (4403), grants that
 * expire (4401 `token expired`, and the client resumes with a new token), `revoke()`, the limits
 * against abuse (4429), and tokens kept out of logs, events and close reasons.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptRate, RefusalLog } from '../../src/server/connection-limits.js';
import { CLOSE_FORBIDDEN, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED, type AuthenticateAnswer, type ProgressEvent } from '../../src/server/index.js';
import { activeResources, followAllProjects, startServer, task, waitFor, workflow } from './helpers/fixtures.js';
import type { FaultServer } from './helpers/fault-server.js';
import { authenticateGrantToken, grantToken } from './helpers/grant-tokens.js';
import { open, type RawClient } from './helpers/raw-client.js';

const httpBase = (server: { port: number }) => `http://127.0.0.1:${server.port}`;

/** The events a raw client received, batches taken apart. */
const eventsOf = (client: RawClient): (ProgressEvent & { seq: number })[] =>
  client.frames.flatMap((f) => (Array.isArray(f) ? f : [f])).filter((f: any) => typeof f === 'object' && f !== null && 'projectId' in f);

/** Publishes a p1 marker and waits for it: whatever the server sent the socket before has arrived. */
async function drained(server: FaultServer, client: RawClient, projectId = 'p1'): Promise<number> {
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  server.publish(task.started(projectId, marker));
  await waitFor(() => eventsOf(client).some((e) => (e as { taskId?: string }).taskId === marker), 'the marker');
  return eventsOf(client).find((e) => (e as { taskId?: string }).taskId === marker)!.seq;
}

/** One event for each of p1, p2, p3, `rounds` times: every project busy. */
function publishMixed(server: FaultServer, rounds: number, tag = 's'): void {
  for (let i = 0; i < rounds; i++) for (const p of ['p2', 'p1', 'p3']) server.publish(task.step(p, 't', `${tag}${i}`, 'running'));
}

const follow = followAllProjects;

test('a token for p1 on /ws receives only p1 events, live and in batches; "*", true and a function of the project id grant as they say', async (t) => {
  const teams = (projectId: string) => projectId.startsWith('team-');
  const server = await startServer(t, {
    batchWindow: 30,
    authenticate: (token): AuthenticateAnswer => (token === 'teams' ? teams : token === 'yes' ? true : authenticateGrantToken(token)),
  });
  const p1 = await open(t, `${server.urlFor()}?batch=1&token=${grantToken({ projects: ['p1'] })}`);
  const star = await open(t, `${server.urlFor()}?token=${grantToken({ projects: '*' })}`);
  const yes = await open(t, `${server.urlFor()}?token=yes`);
  const team = await open(t, `${server.urlFor()}?token=teams`);
  publishMixed(server, 20);
  server.publish(task.started('team-a', 'x'));
  await drained(server, p1);
  assert.ok(p1.frames.some(Array.isArray), 'some frames were batches');
  assert.deepEqual([...new Set(eventsOf(p1).map((e) => e.projectId))], ['p1']);
  assert.equal(eventsOf(p1).length, 21);
  for (const all of [star, yes]) {
    await drained(server, all);
    assert.deepEqual(new Set(eventsOf(all).map((e) => e.projectId)), new Set(['p1', 'p2', 'p3', 'team-a']));
  }
  await drained(server, team, 'team-b');
  assert.deepEqual([...new Set(eventsOf(team).map((e) => e.projectId))], ['team-a', 'team-b']);
});

test("the session frame says the position of the token's own projects, not everyone's; a resume replays only its projects, and other projects' traffic never turns it into a gap", async (t) => {
  // A small buffer: the other projects' events push it round while the client is away.
  const server = await startServer(t, { authenticate: authenticateGrantToken, replayBufferSize: 8 });
  const p1Token = grantToken({ projects: ['p1'] });
  const allToken = grantToken();
  server.publish(task.started('p1', 'a')); // 1
  for (let i = 0; i < 3; i++) server.publish(task.started('p2', `b${i}`)); // 2..4
  const first = await open(t, `${server.urlFor()}?resume=1&token=${p1Token}`);
  const session = await first.next();
  assert.deepEqual([session.type, session.seq, session.resumed], ['session', 1, false], 'p1 stands at 1 (the log at 4)');
  const everything = await open(t, `${server.urlFor()}?resume=1&token=${allToken}`);
  assert.equal((await everything.next()).seq, 4, 'a token for every project is told the log\'s position');
  const perProject = await open(t, `${server.urlFor('p1')}?resume=1&token=${grantToken({ projects: ['p1', 'p2'] })}`);
  assert.equal((await perProject.next()).seq, 1, "a per-project socket of a token that may not see all is told its project's");
  const nothingYet = await open(t, `${server.urlFor()}?resume=1&token=${grantToken({ projects: ['p9'] })}`);
  assert.equal((await nothingYet.next()).seq, 0, 'a project without events stands at 0');

  const at = await drained(server, first); // 5
  first.terminate();
  for (let i = 0; i < 20; i++) server.publish(task.started('p2', `c${i}`)); // 6..25: the buffer went round
  server.publish(task.started('p1', 'd')); // 26
  server.publish(task.started('p3', 'e')); // 27
  const again = await open(t, `${server.urlFor()}?resume=1&epoch=${server.journal.epoch}&since=${at}&token=${p1Token}`);
  const resumed = await again.next();
  assert.deepEqual([resumed.seq, resumed.resumed], [26, true], "resumed: p2's evicted events are not p1's gap");
  await drained(server, again);
  assert.deepEqual(eventsOf(again).map((e) => [e.projectId, e.seq]), [['p1', 26], ['p1', 28]]);

  // A token for every project is told of the gap: it missed p2's events.
  const all = await open(t, `${server.urlFor()}?resume=1&epoch=${server.journal.epoch}&since=${at}&token=${allToken}`);
  assert.equal((await all.next()).resumed, false);
});

test('a ProgressClient with a p1 token on /ws, cut and resumed, gets every p1 event once, in order, and no other', async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  const follower = follow(t, { url: server.urlFor(), token: grantToken({ projects: ['p1'] }) });
  await follower.ready;
  const p1Seqs: number[] = [];
  const publish = (rounds: number, tag: string) => {
    for (let i = 0; i < rounds; i++) {
      for (const p of ['p2', 'p1', 'p3']) {
        server.publish(task.step(p, 't', `${tag}${i}`, 'running'));
        if (p === 'p1') p1Seqs.push(server.journal.seq);
      }
    }
  };
  publish(10, 'a');
  await waitFor(() => follower.events.length === 10, 'ten p1 events');
  server.dropConnections({ abrupt: true });
  publish(10, 'b'); // while it is away
  await waitFor(() => follower.reasons.length === 1, 'the resume');
  publish(5, 'c');
  await waitFor(() => follower.events.length === 25, 'every p1 event');
  assert.deepEqual(follower.events.map((e) => e.seq), p1Seqs);
  assert.ok(follower.events.every((e) => e.projectId === 'p1'));
  assert.deepEqual(follower.reasons, ['resumed']);
  assert.equal(follower.client.getStats().duplicatesDropped, 0);
});

test('a per-project URL of a project the token may not see is closed with 4403, with the token in the URL or in the first message', async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  const token = grantToken({ projects: ['p1'] });
  const refused = await open(t, `${server.urlFor('p2')}?token=${token}`);
  assert.deepEqual(await refused.closed, { code: CLOSE_FORBIDDEN, reason: 'project not allowed' });
  const byMessage = await open(t, `${server.urlFor('p2')}?auth=message&resume=1`);
  byMessage.send(JSON.stringify({ type: 'auth', token }));
  assert.deepEqual(await byMessage.closed, { code: 4403, reason: 'project not allowed' });
  assert.ok(!byMessage.frames.some((f: any) => f?.type === 'session'), 'no session frame before the refusal');
  const allowed = await open(t, `${server.urlFor('p1')}?auth=message`);
  allowed.send(JSON.stringify({ type: 'auth', token }));
  await waitFor(() => server.clientCount === 1, 'the p1 socket accepted');
  server.publish(task.started('p1', 't'));
  assert.equal((await allowed.next()).projectId, 'p1');

  // The client without a way to get another token gives up at once.
  const follower = follow(t, { url: `${server.url}/progress/subscribe/{projectId}`, projectId: 'p2', token });
  await waitFor(() => follower.client.getConnectionState('p2') === 'failed', 'the client to give up');
  const closed = follower.connection.find((e) => e.type === 'disconnected');
  assert.deepEqual(closed && [closed.type === 'disconnected' && closed.code, closed.type === 'disconnected' && closed.reason], [4403, 'project not allowed']);
});

test('reads of a project the token may not see get 403; an execution of one found by id or by workflow reads as one not known', async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  server.publish(task.started('p1', 't1'));
  server.publish(task.started('p2', 't2'));
  server.publish(workflow('workflow_execution_started', 'p1', 'w1', 'e1'));
  server.publish(workflow('workflow_execution_started', 'p2', 'w2', 'e2'));
  server.publish({ type: 'container_started', projectId: 'p2', containerId: 'c2', timestamp: new Date().toISOString() } as ProgressEvent);
  const headers = { authorization: `Bearer ${grantToken({ projects: ['p1'] })}` };
  const status = async (path: string) => {
    const response = await fetch(httpBase(server) + path, { headers });
    const body = await response.text();
    return response.status === 403 ? `403 ${body}` : response.status;
  };
  const forbidden = '403 {"error":"forbidden"}';
  for (const path of [
    '/progress/snapshot?kind=task&projectId=p2&taskId=t2',
    '/progress/snapshot?kind=task&projectId=p2&taskId=unknown',
    '/progress/snapshot?kind=container&projectId=p2&containerId=c2',
    '/progress/snapshot?kind=workflow&projectId=p2&workflowId=w1',
    '/api/projects/p2/tasks/t2',
    '/api/projects/p2/tasks/unknown',
  ]) {
    assert.equal(await status(path), forbidden, path);
  }
  // Found without its project, another project's execution gets the answer of one that does not
  // exist, so that a token cannot probe which ids are in use elsewhere.
  const answer = async (path: string) => {
    const response = await fetch(httpBase(server) + path, { headers });
    return { status: response.status, body: await response.text() };
  };
  for (const [other, none] of <[string, string][]>[
    ['/progress/snapshot?kind=workflow&executionId=e2', '/progress/snapshot?kind=workflow&executionId=nobody'],
    ['/progress/snapshot?kind=workflow&workflowId=w2', '/progress/snapshot?kind=workflow&workflowId=nobody'],
    ['/api/workflows/executions/e2', '/api/workflows/executions/nobody'],
  ]) {
    assert.deepEqual(await answer(other), { status: 204, body: '' }, other);
    assert.deepEqual(await answer(other), await answer(none), other);
  }
  for (const path of ['/progress/snapshot?kind=task&projectId=p1&taskId=t1', '/progress/snapshot?kind=workflow&workflowId=w1', '/api/projects/p1/tasks/t1', '/api/workflows/executions/e1']) {
    assert.equal(await status(path), 200, path);
  }
  assert.equal(await status('/api/projects/p1/tasks/unknown'), 204);
});

test('a grant that ends closes its socket at that time with 4401 "token expired"; an ended one is refused, on sockets and reads', async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  const expiresAt = Date.now() + 300;
  const token = grantToken({ projects: ['p1'], expiresAt });
  const byUrl = await open(t, `${server.urlFor()}?token=${token}`);
  const byMessage = await open(t, `${server.urlFor('p1')}?auth=message`);
  byMessage.send(JSON.stringify({ type: 'auth', token }));
  await waitFor(() => server.clientCount === 2, 'both accepted');
  for (const client of [byUrl, byMessage]) {
    assert.deepEqual(await client.closed, { code: CLOSE_UNAUTHORIZED, reason: 'token expired' });
    assert.ok(Date.now() >= expiresAt, 'not before its time');
  }
  const late = await open(t, `${server.urlFor()}?token=${token}`);
  assert.deepEqual(await late.closed, { code: 4401, reason: 'token expired' });
  server.publish(task.started('p1', 't'));
  const read = await fetch(`${httpBase(server)}/api/projects/p1/tasks/t`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual([read.status, await read.json()], [401, { error: 'token expired' }]);
  const dated = await open(t, `${server.urlFor()}?token=${grantToken({ expiresAt: Date.now() + 60_000 })}`);
  await waitFor(() => server.clientCount === 1, 'a grant with time left');
  dated.terminate();
  await waitFor(() => server.clientCount === 0, 'it closed');
});

test("an expiry timer is the socket's: closed before its grant ends, the socket leaves no timer", async (t) => {
  const server = await startServer(t, { authenticate: () => ({ projects: '*', expiresAt: new Date(Date.now() + 3_600_000) }) });
  const before = activeResources().Timeout ?? 0;
  const clients = await Promise.all([1, 2, 3].map(() => open(t, `${server.urlFor()}?token=x`)));
  await waitFor(() => server.clientCount === 3, 'three clients');
  assert.ok((activeResources().Timeout ?? 0) >= before + 3, 'each holds its expiry');
  for (const client of clients) client.terminate();
  await waitFor(() => server.clientCount === 0, 'all gone');
  assert.ok((activeResources().Timeout ?? 0) <= before, 'no expiry timer left');
});

for (const tokenTransport of ['query', 'message'] as const) {
  test(`a grant that expires mid-stream: the client with getToken (token in the ${tokenTransport}) reconnects with a new one and resumes once: every event once, in order`, async (t) => {
    const server = await startServer(t, { authenticate: authenticateGrantToken });
    const issued: string[] = [];
    const getToken = () => {
      // The first grant ends soon; the next one does not.
      const token = grantToken(issued.length === 0 ? { projects: ['p1'], expiresAt: Date.now() + 250 } : { projects: ['p1'] });
      issued.push(token);
      return token;
    };
    const follower = follow(t, { url: server.urlFor(), getToken, tokenTransport });
    await follower.ready;
    const p1Seqs: number[] = [];
    let round = 0;
    const publisher = setInterval(() => {
      server.publish(task.step('p2', 't', `x${round}`, 'running'));
      server.publish(task.step('p1', 't', `s${round++}`, 'running'));
      p1Seqs.push(server.journal.seq);
    }, 5);
    t.after(() => clearInterval(publisher));
    await waitFor(() => follower.reasons.length === 1, 'the reconnection after the expiry');
    const after = p1Seqs.length;
    await waitFor(() => p1Seqs.length >= after + 10, 'more events after it');
    clearInterval(publisher);
    await waitFor(() => follower.events.length === p1Seqs.length, 'every p1 event');
    assert.deepEqual(follower.events.map((e) => e.seq), p1Seqs);
    assert.deepEqual(follower.reasons, ['resumed']);
    assert.equal(follower.client.getStats().duplicatesDropped, 0);
    const closes = follower.connection.flatMap((e) => (e.type === 'disconnected' ? [[e.code, e.reason]] : []));
    assert.deepEqual(closes, [[4401, 'token expired']]);
    assert.equal(issued.length, 2, 'one new token');
  });
}

test('revoke(token) closes its sockets at once with 4401 "token revoked"; revoke(predicate) those it accepts; others go on', async (t) => {
  const server = await startServer(t, { authenticate: authenticateGrantToken });
  const a = grantToken({ projects: ['p1'] });
  const b = grantToken({ projects: ['p2'] });
  const c = grantToken();
  const onA = await Promise.all([open(t, `${server.urlFor()}?token=${a}`), open(t, `${server.urlFor('p1')}?token=${a}`)]);
  const onB = await open(t, `${server.urlFor()}?token=${b}`);
  const onC = await open(t, `${server.urlFor()}?token=${c}`);
  await waitFor(() => server.clientCount === 4, 'four clients');
  assert.equal(server.revoke(a), 2);
  for (const client of onA) assert.deepEqual(await client.closed, { code: CLOSE_UNAUTHORIZED, reason: 'token revoked' });
  assert.equal(server.revoke('nobody'), 0);
  // By what the hook answered: every socket that may see p2.
  const seen: string[] = [];
  assert.equal(
    server.revoke((token, client, grant) => {
      seen.push(client.id);
      return typeof grant === 'object' && Array.isArray(grant.projects) && grant.projects.includes('p2') && token === b;
    }),
    1,
  );
  assert.deepEqual((await onB.closed).reason, 'token revoked');
  assert.equal(seen.length, 2);
  await drained(server, onC);
  assert.equal(server.clientCount, 1);

  // A client with no way to get another token stays closed.
  const follower = follow(t, { url: server.urlFor(), token: a });
  await follower.ready;
  server.revoke(a);
  await waitFor(() => follower.client.getConnectionState() === 'failed', 'the client gives up');
});

test('revoke() reaches sockets whose token is being checked: once the check ends they are closed with 4401 before any frame; later checks are not', { timeout: 20000 }, async (t) => {
  // A hook that answers when the test says.
  const gates: (() => void)[] = [];
  const server = await startServer(t, {
    authenticate: async (token) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return authenticateGrantToken(token);
    },
  });
  const a = grantToken({ projects: ['p1'] });
  const b = grantToken({ projects: ['p1'] });
  const byUrl = open(t, `${server.urlFor()}?token=${a}&resume=1`);
  const other = open(t, `${server.urlFor()}?token=${b}&resume=1`);
  const byMessage = await open(t, `${server.urlFor('p1')}?auth=message&resume=1`);
  byMessage.send(JSON.stringify({ type: 'auth', token: a }));
  await waitFor(() => gates.length === 3, 'three tokens being checked');

  assert.equal(server.revoke(a), 0, 'no socket of it is a client yet');
  for (const open of gates.splice(0)) open();
  const [first, second] = [await byUrl, await other];
  assert.deepEqual(await first.closed, { code: CLOSE_UNAUTHORIZED, reason: 'token revoked' });
  assert.deepEqual(await byMessage.closed, { code: CLOSE_UNAUTHORIZED, reason: 'token revoked' });
  assert.deepEqual([first.frames, byMessage.frames], [[], []], 'nothing was sent to them');
  assert.equal((await second.next()).type, 'session', 'another token is let in');
  assert.equal(server.clientCount, 1);
  server.publish(task.started('p1', 't2'));
  assert.equal((await second.next((f) => f.type === 'task_started')).taskId, 't2');

  // A check that begins after the revocation is not concerned by it (the hook decides).
  const again = open(t, `${server.urlFor()}?token=${a}`);
  await waitFor(() => gates.length === 1, 'the new check');
  gates.shift()!();
  const later = await again;
  await waitFor(() => server.clientCount === 2, 'it is a client');
  server.publish(task.started('p1', 't3'));
  assert.equal((await later.next((f) => f.type === 'task_started')).taskId, 't3');
});

test('past maxConnectionsPerToken a socket is closed with 4429; the client retries and gets in once one closes', async (t) => {
  const lines: string[] = [];
  const server = await startServer(t, { authenticate: authenticateGrantToken, maxConnectionsPerToken: 2, logger: { warn: (line) => lines.push(line) } });
  const token = grantToken();
  const first = await open(t, `${server.urlFor()}?token=${token}`);
  await open(t, `${server.urlFor('p1')}?token=${token}`);
  const third = await open(t, `${server.urlFor()}?token=${token}`);
  assert.deepEqual(await third.closed, { code: CLOSE_TOO_MANY, reason: 'too many connections for this token' });
  await open(t, `${server.urlFor()}?token=${grantToken()}`);
  await waitFor(() => server.clientCount === 3, 'another token is not counted with it');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^progress server: refused a connection from 127\.0\.0\.1 to \/ws: too many connections for this token \(limit 2\)$/);

  const follower = follow(t, { url: server.urlFor(), token });
  await waitFor(() => follower.connection.some((e) => e.type === 'disconnected' && e.code === 4429 && e.willReconnect), 'refused, and retrying');
  let admitted = 0;
  server.on('connection', () => admitted++);
  first.terminate();
  await waitFor(() => admitted === 1, 'the client admitted once a place is free');
  server.publish(task.started('p1', 't'));
  await waitFor(() => follower.events.length === 1, 'it is in');
});

test('past maxConnectionsPerAddress a socket is closed with 4429, whatever its token', async (t) => {
  const server = await startServer(t, { maxConnectionsPerAddress: 2, logger: { warn: () => {} } });
  await open(t, server.urlFor());
  const second = await open(t, server.urlFor('p1'));
  const third = await open(t, server.urlFor('p2'));
  assert.deepEqual(await third.closed, { code: 4429, reason: 'too many connections from this address' });
  second.terminate();
  await waitFor(() => server.clientCount === 1, 'one gone');
  await open(t, server.urlFor('p2'));
  await waitFor(() => server.clientCount === 2, 'a place again');
});

test('past the connection attempt burst an attempt is closed with 4429 before its token is checked, and logged once per window', async (t) => {
  const lines: string[] = [];
  let checks = 0;
  const server = await startServer(t, {
    authenticate: () => (checks++, true),
    connectionAttempts: { burst: 3, perSecond: 0.001 },
    logger: { warn: (line) => lines.push(line) },
  });
  for (let i = 0; i < 3; i++) await open(t, `${server.urlFor()}?token=t${i}`);
  for (let i = 0; i < 3; i++) {
    const refused = await open(t, `${server.urlFor()}?token=t${i}`);
    assert.deepEqual(await refused.closed, { code: 4429, reason: 'too many connection attempts' });
  }
  assert.equal(checks, 3, 'the hook was not asked for the refused ones');
  assert.deepEqual(lines, ['progress server: refused a connection from 127.0.0.1 to /ws: too many connection attempts (burst 3)']);
});

test('the attempt bucket refills at its rate up to its burst (on a given clock), and forgets addresses that are full again', () => {
  const rate = new AttemptRate(3, 2);
  assert.deepEqual([0, 0, 0, 0].map((at) => rate.take('a', at)), [true, true, true, false]);
  assert.equal(rate.take('a', 499), false, 'not yet one back');
  assert.equal(rate.take('a', 500), true, 'one back after 500 ms at 2 per second');
  assert.equal(rate.take('a', 500), false);
  assert.deepEqual([10_000, 10_000, 10_000, 10_000].map((at) => rate.take('a', at)), [true, true, true, false], 'never more than the burst');
  assert.equal(rate.take('b', 0), true, 'each address has its own');
  const many = new AttemptRate(2, 1);
  for (let i = 0; i < 4096; i++) many.take(`x${i}`, 0);
  assert.equal(many.size, 4096);
  many.take('late', 5_000);
  assert.equal(many.size, 1, 'the full ones were dropped');
  // None full (a refill takes 1000 s): the least recently seen go, and the map stays bounded.
  const flooded = new AttemptRate(2, 0.001);
  for (let i = 0; i < 4096; i++) flooded.take(`y${i}`, 0);
  assert.deepEqual([flooded.take('y0', 1), flooded.take('y0', 1)], [true, false], 'y0 empty, and seen last');
  for (let i = 0; i < 2000; i++) flooded.take(`z${i}`, 2);
  assert.ok(flooded.size <= 4096, `bounded (${flooded.size})`);
  assert.equal(flooded.take('y0', 3), false, 'a recently seen address keeps its empty bucket');
  assert.equal(flooded.take('y1', 3), true, 'one not seen for long was forgotten: a full bucket again');
  assert.equal(new AttemptRate(Infinity, 0).take('a', 0), true);
});

test('refusals are logged once per kind per window, the next line counting those in between', () => {
  const lines: string[] = [];
  const log = new RefusalLog({ warn: (line) => lines.push(line) });
  log.note('token', 5, '10.0.0.1', '/ws', 0);
  log.note('token', 5, '10.0.0.2', '/ws', 100);
  log.note('token', 5, '10.0.0.3', '/ws', 9_999);
  log.note('address', 9, '10.0.0.4', '/progress/subscribe/p', 200);
  log.note('token', 5, '10.0.0.5', '/ws', 10_000);
  assert.deepEqual(lines, [
    'progress server: refused a connection from 10.0.0.1 to /ws: too many connections for this token (limit 5)',
    'progress server: refused a connection from 10.0.0.4 to /progress/subscribe/p: too many connections from this address (limit 9)',
    'progress server: refused a connection from 10.0.0.5 to /ws: too many connections for this token (limit 5); 2 more refused for this since the last line',
  ]);
});

test('an answer of authenticate of no known shape refuses the token and is reported once', async (t) => {
  const lines: string[] = [];
  const server = await startServer(t, { authenticate: () => ({ projects: 42 }) as unknown as AuthenticateAnswer, logger: { warn: (line) => lines.push(line) } });
  for (let i = 0; i < 2; i++) {
    const refused = await open(t, server.urlFor());
    assert.deepEqual(await refused.closed, { code: 4401, reason: 'unauthorized' });
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /authenticate answered projects that are neither/);
});

test('a token appears in no log line, close reason, server event, client info or read answer', async (t) => {
  const secret = 'SECRET-7f3a';
  const lines: string[] = [];
  const said: string[] = [];
  const server = await startServer(t, {
    authenticate: (token) => {
      if (token === `${secret}-late`) return { projects: ['p1'], expiresAt: Date.now() - 1 };
      if (token === `${secret}-p1`) return { projects: ['p1'] };
      if (token === secret) return true;
      throw new Error(`no such token: ${token}`);
    },
    maxConnectionsPerToken: 1,
    logger: { warn: (line) => lines.push(line) },
  });
  for (const name of ['connection', 'disconnection', 'message', 'rejected'] as const) server.on(name as 'connection', (...args: unknown[]) => said.push(JSON.stringify(args)));
  const reasons: string[] = [];
  const attempt = async (url: string, auth?: string) => {
    const client = await open(t, url);
    if (auth) client.send(JSON.stringify({ type: 'auth', token: auth }));
    void client.closed.then(({ reason }) => reasons.push(reason));
    return client;
  };
  const held = await attempt(`${server.urlFor()}?auth=message`, secret);
  await waitFor(() => server.clientCount === 1, 'one in');
  held.send(JSON.stringify({ type: 'auth', token: secret })); // again, after it was accepted
  held.send(JSON.stringify({ type: 'note', text: 'hello' }));
  await waitFor(() => said.some((s) => s.includes('hello')), 'the note');
  await attempt(`${server.urlFor()}?token=${secret}`); // past the limit
  await attempt(`${server.urlFor()}?token=${secret}-wrong`); // throws
  await attempt(`${server.urlFor()}?token=${secret}-late`); // expired
  await attempt(`${server.urlFor('p2')}?token=${secret}-p1`); // forbidden
  await waitFor(() => reasons.length === 4, `the refusals (${reasons})`);
  server.revoke(secret);
  await waitFor(() => reasons.length === 5, 'the revocation');
  const bodies: string[] = [];
  for (const token of [`${secret}-wrong`, `${secret}-late`, `${secret}-p1`]) {
    const response = await fetch(`${httpBase(server)}/progress/snapshot?kind=task&projectId=p2&taskId=t`, { headers: { authorization: `Bearer ${token}` } });
    bodies.push(`${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`);
  }
  assert.deepEqual(reasons.sort(), ['project not allowed', 'token expired', 'token revoked', 'too many connections for this token', 'unauthorized']);
  assert.ok(lines.length >= 1, 'the limit was logged');
  for (const text of [...lines, ...reasons, ...said, ...bodies, JSON.stringify(server.clients())]) assert.ok(!text.includes(secret), text);
});
