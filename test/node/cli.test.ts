/**
 * `progress-server`, the command: run as a child process as a user runs it, on a free port, with
 * real `ws` clients, a real redis-server, and a JSON Web Key Set on a loopback HTTP server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { WebSocket } from 'ws';
import { createProgressPublisher } from '../../src/server/index.js';
import { createRedisLog } from '../../src/server/redis.js';
import { task, waitFor } from './helpers/fixtures.js';
import { stop, track } from './helpers/processes.js';
import { connect, type Closed, type RawClient } from './helpers/raw-client.js';
import { startRedis } from './helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = 'src/server/cli/main.ts';
/** Starting the command compiles it with tsx first: generous on a loaded machine. */
const START_TIMEOUT = 30_000;

/** Every flag `--help` must list, with its variable. */
const FLAGS = [
  'port', 'host', 'path', 'allowed-origins', 'redis', 'redis-prefix', 'retention', 'max-entities',
  'jwt-secret', 'jwks-url', 'projects-claim', 'jwt-issuer', 'jwt-audience', 'no-auth',
  'max-connections-per-token', 'max-connections-per-address', 'connection-attempts-burst',
  'connection-attempts-per-second', 'max-buffered-bytes', 'max-payload', 'heartbeat-interval',
  'publish-key', 'max-publish-bytes', 'metrics', 'metrics-key', 'metrics-port', 'drain-window',
];

const SECRET = 'a-secret-of-at-least-thirty-two-bytes-for-hs256';

interface LogLine {
  time: string;
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout's lines, each parsed (a line that is not JSON fails the test). */
  lines(): LogLine[];
  /** Resolves with the exit code once it has exited and its output is read. */
  exited: Promise<number | null>;
}

/** Runs the command with these arguments and variables (none of the caller's PROGRESS_* ones); stopped when the test ends. */
function runCli(t: TestContext, args: string[], env: Record<string, string> = {}): Cli {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PROGRESS_')));
  const child = track(spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }), 'progress-server');
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  t.after(() => stop(child));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines: () =>
      out
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          try {
            return JSON.parse(line) as LogLine;
          } catch {
            throw new Error(`a line of stdout is not JSON: ${line}`);
          }
        }),
    exited,
  };
}

/** Resolves with the start line once it is logged; fails when the command exits first. */
async function started(cli: Cli): Promise<LogLine & { url: string; projectUrl: string }> {
  const find = () => cli.lines().find((line) => line.msg === 'progress server listening');
  await waitFor(() => find() !== undefined || cli.child.exitCode !== null, 'the start line', START_TIMEOUT);
  const line = find();
  assert.ok(line, `no start line; exit ${cli.child.exitCode}\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
  return line as LogLine & { url: string; projectUrl: string };
}

async function terminate(cli: Cli): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return cli.exited;
}

/** A project's socket URL, with the token and `resume=1` (the session frame is the first frame of a socket let in). */
function projectSocket(start: { projectUrl: string }, projectId: string, token?: string): string {
  const url = new URL(start.projectUrl.replace('{projectId}', encodeURIComponent(projectId)));
  url.searchParams.set('resume', '1');
  if (token !== undefined) url.searchParams.set('token', token);
  return url.href;
}

/** Connects and resolves with what happened first: the session frame (let in) or the close (refused). */
async function outcome(url: string): Promise<{ admitted: true; client: RawClient } | ({ admitted: false } & Closed)> {
  const client = await connect(url, 10_000);
  client.ws.on('error', () => {});
  const session = () => client.frames.some((f) => (f as { type?: unknown } | null)?.type === 'session');
  const message = new Promise<'session'>((resolve) => {
    const onMessage = () => {
      if (!session()) return;
      client.ws.off('message', onMessage);
      resolve('session');
    };
    client.ws.on('message', onMessage);
    onMessage();
  });
  const first = await within(Promise.race([message, client.closed]), 10_000, 'neither' as const);
  if (first === 'session') return { admitted: true, client };
  if (first === 'neither') {
    client.terminate();
    assert.fail(`${url.replace(/token=[^&]*/, 'token=…')}: neither a session frame nor a close within 10 s`);
  }
  return { admitted: false, ...first };
}

async function admitted(t: TestContext, url: string): Promise<RawClient> {
  const result = await outcome(url);
  assert.ok(result.admitted, `refused: ${JSON.stringify(result)}`);
  t.after(() => result.client.terminate());
  return result.client;
}

async function refused(url: string): Promise<Closed> {
  const result = await outcome(url);
  if (result.admitted) {
    result.client.terminate();
    assert.fail('the socket was let in');
  }
  return { code: result.code, reason: result.reason };
}

/** The promise's value, or `late` when it takes longer than `ms` (a bound, not a sleep: its timer is cleared). */
async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<L>((resolve) => (timer = setTimeout(resolve, ms, late)))]);
  } finally {
    clearTimeout(timer);
  }
}

const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

describe('progress-server', () => {
  it('--help lists every flag with its environment variable, and exits 0', async (t) => {
    const cli = runCli(t, ['--help']);
    assert.equal(await cli.exited, 0);
    const help = cli.stdout();
    for (const flag of FLAGS) {
      const variable = `PROGRESS_${flag.toUpperCase().replaceAll('-', '_')}`;
      assert.match(help, new RegExp(`--${flag}\\b[^\\n]*\\(${variable}\\)`), `--${flag} (${variable}) is listed`);
    }
  });

  it('refuses to start without a way to check tokens, or with settings it cannot use, saying why', { timeout: 120_000 }, async (t) => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /No way to check tokens: give --jwt-secret \(or PROGRESS_JWT_SECRET\).*--jwks-url.*--no-auth/],
      [['--no-auth', '--jwt-secret', SECRET], {}, /exclude each other/],
      [[], { PROGRESS_JWT_SECRET: 'too-short' }, /too short: HS256 needs 32 bytes/],
      [['--no-auth', '--port', 'eighty'], {}, /Invalid --port "eighty"/],
      [['--no-auth'], { PROGRESS_MAX_PAYLOAD: '-1' }, /Invalid PROGRESS_MAX_PAYLOAD "-1"/],
      [['--no-auth', '--allowed-origins', 'app.example.com'], {}, /Invalid origin "app.example.com"/],
      [['--jwks-url', 'file:///etc/keys.json'], {}, /Invalid --jwks-url/],
      [['--no-auth', '--listen'], {}, /Unknown option '--listen'/],
    ];
    for (const [args, env, message] of cases) {
      const cli = runCli(t, ['--port', '0', ...args], env);
      // One that starts instead is stopped after a while (a refusal comes at once).
      const code = await within(cli.exited, START_TIMEOUT, 'still running');
      assert.equal(code, 2, `${args.join(' ')} exits with 2`);
      assert.match(cli.stderr(), message);
      assert.equal(cli.stdout(), '', 'it did not start');
    }
  });

  it('--no-auth on Redis: warns at start, serves every project what a publisher puts into the same Redis, and ends with 0 on SIGTERM', { timeout: 60_000 }, async (t) => {
    const redis = await startRedis(t);
    const cli = runCli(t, ['--no-auth', '--port', '0', '--redis', redis.url, '--redis-prefix', 'cli:', '--drain-window', '200']);
    const start = await started(cli);
    assert.equal(start.log, 'redis');
    assert.equal(start.auth, 'none');
    const warning = cli.lines().find((line) => line.level === 'warn' && /authentication is off/.test(line.msg));
    assert.ok(warning, `a warning that authentication is off: ${cli.stdout()}`);
    for (const line of cli.lines()) assert.ok(typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time)) && typeof line.msg === 'string', 'time, level and msg on every line');

    const client = await admitted(t, projectSocket(start, 'p1'));
    const log = await createRedisLog({ url: redis.url, prefix: 'cli:' });
    t.after(() => log.close());
    await createProgressPublisher({ log }).publish(task.started('p1', 't1'));
    const event = await client.next((f) => f?.type === 'task_started', 10_000);
    assert.equal(event.taskId, 't1');

    const closed = client.closed;
    assert.equal(await terminate(cli), 0, 'exit code 0');
    assert.equal((await closed).code, 1012, 'the socket is drained: closed with 1012, to resume elsewhere');
    const messages = cli.lines().map((line) => line.msg);
    assert.ok(messages.includes('draining') && messages.includes('stopped'), `shutdown logged: ${messages.join(', ')}`);
    assert.ok(!messages.includes('handles still open after closing: exiting'), 'nothing was left open');
  });

  it('--publish-key and --metrics: events in over HTTP reach the sockets, /metrics counts them behind its key, and SIGTERM drains over the window', { timeout: 60_000 }, async (t) => {
    const cli = runCli(t, ['--no-auth', '--port', '0', '--metrics-key', 'm-key', '--drain-window', '600'], { PROGRESS_PUBLISH_KEY: 'pub-key-1,pub-key-2' });
    const start = await started(cli);
    assert.equal(start.publish, 'POST …/progress/events');
    assert.equal(start.metrics, '/metrics');
    const origin = new URL(start.url.replace(/^ws/, 'http')).origin;
    const clients = await Promise.all([1, 2, 3].map(() => admitted(t, projectSocket(start, 'p1'))));

    const post = (key: string, body: unknown) =>
      fetch(`${origin}/api/progress/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('wrong', task.started('p1', 't1'))).status, 401);
    const answer = await post('pub-key-2', [task.started('p1', 't1'), task.completed('p1', 't1')]);
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { seqs: number[] }).seqs.length, 2);
    for (const client of clients) assert.equal((await client.next((f) => f?.type === 'task_completed', 10_000)).taskId, 't1');

    assert.equal((await fetch(`${origin}/metrics`)).status, 401, 'the metrics only to their key');
    const metrics = await (await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer m-key' } })).text();
    assert.match(metrics, /^progress_events_published_total 2$/m);
    assert.match(metrics, /^progress_sockets_open\{kind="project"\} 3$/m);
    assert.equal((await fetch(`${origin}/readyz`)).status, 200);

    const closes = clients.map((client) => client.closed);
    cli.child.kill('SIGTERM');
    // Readiness turns off as the drain begins, while the sockets are still open.
    let ready = 200;
    const probe = () => void fetch(`${origin}/readyz`).then((r) => (ready = r.status), () => (ready = 0));
    await waitFor(() => (probe(), ready === 503), 'readiness off while draining', 10_000);
    const closed = await Promise.all(closes);
    assert.deepEqual(closed.map((c) => c.code), [1012, 1012, 1012]);
    assert.equal(await cli.exited, 0);
    for (const secret of ['pub-key-1', 'pub-key-2', 'm-key']) assert.ok(!cli.stdout().includes(secret), 'no key in the log');
  });

  it('HS256: a token is let into its projects until its exp; any other token is refused; no token is ever logged', { timeout: 60_000 }, async (t) => {
    const cli = runCli(t, ['--port', '0'], { PROGRESS_JWT_SECRET: SECRET });
    const start = await started(cli);
    assert.equal(start.auth, 'jwt-hs256');
    assert.ok(!cli.stdout().includes(SECRET), 'the secret is not logged');

    const p1 = await hs256({ sub: 'u1', projects: ['p1'], exp: now() + 600 });
    const every = await hs256({ sub: 'u2', projects: '*', exp: now() + 600 });
    await admitted(t, projectSocket(start, 'p1', p1));
    await admitted(t, projectSocket(start, 'p2', every));
    assert.deepEqual(await refused(projectSocket(start, 'p2', p1)), { code: 4403, reason: 'project not allowed' });

    const refusedTokens = {
      none: undefined,
      expired: await hs256({ projects: ['p1'], exp: now() - 60 }),
      'without the projects claim': await hs256({ sub: 'u1', exp: now() + 600 }),
      'with a projects claim of no known shape': await hs256({ projects: 'p1', exp: now() + 600 }),
      'with a non-string project': await hs256({ projects: ['p1', 7], exp: now() + 600 }),
      'without exp': await hs256({ projects: ['p1'] }),
      'signed with another secret': await hs256({ projects: ['p1'], exp: now() + 600 }, 'another-secret-of-at-least-thirty-two-bytes'),
      'unsigned (alg none)': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ projects: ['p1'], exp: now() + 600 })).toString('base64url')}.`,
      'not a JWT': 'opaque-token-value',
    };
    for (const [what, token] of Object.entries(refusedTokens)) {
      assert.deepEqual(await refused(projectSocket(start, 'p1', token)), { code: 4401, reason: 'unauthorized' }, `a token ${what} is refused`);
    }

    // exp is the grant's end: the socket is closed then (exp counts whole seconds).
    const short = await hs256({ projects: ['p1'], exp: now() + 2 });
    const client = await admitted(t, projectSocket(start, 'p1', short));
    assert.deepEqual(await within(client.closed, 10_000, 'still open'), { code: 4401, reason: 'token expired' });

    // Reads check the same tokens.
    const http = start.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const read = (token: string) => fetch(`${http}/api/projects/p1/tasks/t1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await read(p1), 204);
    assert.equal(await read(refusedTokens.expired), 401);

    assert.equal(await terminate(cli), 0);
    const output = cli.stdout() + cli.stderr();
    for (const token of [p1, every, short, ...Object.values(refusedTokens)]) {
      if (token !== undefined) assert.ok(!output.includes(token), 'no token in the output');
    }
  });

  it("the server's warnings are JSON lines too, without the token", { timeout: 60_000 }, async (t) => {
    const cli = runCli(t, ['--port', '0', '--max-connections-per-token', '1'], { PROGRESS_JWT_SECRET: SECRET });
    const start = await started(cli);
    const token = await hs256({ projects: ['p1'], exp: now() + 600 });
    await admitted(t, projectSocket(start, 'p1', token));
    assert.deepEqual(await refused(projectSocket(start, 'p1', token)), { code: 4429, reason: 'too many connections for this token' });
    const find = () => cli.lines().find((line) => line.level === 'warn' && line.source === 'server');
    await waitFor(() => find() !== undefined, 'the refusal logged', 10_000);
    assert.match(find()!.msg, /refused a connection from 127\.0\.0\.1 to \/progress\/subscribe\/p1: too many connections for this token/);
    assert.ok(!cli.stdout().includes(token), 'no token in the log');
  });

  it('a start that fails (the port is taken) logs an error line and exits with 1', { timeout: 60_000 }, async (t) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => taken.close(resolve)));
    const cli = runCli(t, ['--no-auth', '--port', String((taken.address() as { port: number }).port)]);
    assert.equal(await within(cli.exited, START_TIMEOUT, 'still running'), 1);
    const error = cli.lines().find((line) => line.level === 'error');
    assert.equal(error?.msg, 'cannot start');
    assert.match(String(error?.error), /EADDRINUSE/);
  });

  it('--projects-claim, --jwt-issuer and --jwt-audience: only the named claim counts, and iss and aud must match', { timeout: 60_000 }, async (t) => {
    const cli = runCli(t, ['--port', '0', '--projects-claim', 'https://example.com/projects', '--jwt-issuer', 'https://id.example.com', '--jwt-audience', 'progress'], { PROGRESS_JWT_SECRET: SECRET });
    const start = await started(cli);
    const claims = { 'https://example.com/projects': ['p1'], iss: 'https://id.example.com', aud: 'progress', exp: now() + 600 };
    await admitted(t, projectSocket(start, 'p1', await hs256(claims)));
    for (const other of [{ projects: ['p1'], 'https://example.com/projects': undefined }, { iss: 'https://other.example.com' }, { aud: 'another' }]) {
      assert.equal((await refused(projectSocket(start, 'p1', await hs256({ ...claims, ...other })))).code, 4401, JSON.stringify(other));
    }
  });

  it('JWKS: a token signed by a key of the set is let in, the set is fetched once and cached; other keys and algorithms are refused', { timeout: 60_000 }, async (t) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const stranger = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let fetches = 0;
    const keys = createServer((request, response) => {
      fetches++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => keys.close(resolve)));
    const jwksUrl = `http://127.0.0.1:${(keys.address() as { port: number }).port}/.well-known/jwks.json`;

    const cli = runCli(t, ['--port', '0', '--jwks-url', jwksUrl]);
    const start = await started(cli);
    assert.equal(start.auth, 'jwks');
    const es256 = (claims: JWTPayload, key = privateKey) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);
    const token = await es256({ projects: ['p1'], exp: now() + 600 });
    await admitted(t, projectSocket(start, 'p1', token));
    await admitted(t, projectSocket(start, 'p1', token));
    assert.equal(fetches, 1, 'the key set is fetched once and cached');
    assert.equal((await refused(projectSocket(start, 'p2', token))).code, 4403);
    assert.equal((await refused(projectSocket(start, 'p1', await es256({ projects: ['p1'], exp: now() + 600 }, stranger.privateKey)))).code, 4401, 'a key not in the set');
    assert.equal((await refused(projectSocket(start, 'p1', await hs256({ projects: ['p1'], exp: now() + 600 })))).code, 4401, 'HS256 is not accepted with a key set');
    assert.equal((await refused(projectSocket(start, 'p1', await es256({ exp: now() + 600 })))).code, 4401, 'without the projects claim');
    assert.ok(!cli.stdout().includes(token), 'no token in the log');
  });

  it('JWKS that cannot be fetched: tokens are refused and a warning is logged', { timeout: 60_000 }, async (t) => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as { port: number }).port;
    await new Promise((resolve) => dead.close(resolve));
    const cli = runCli(t, ['--port', '0'], { PROGRESS_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
    const start = await started(cli);
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ projects: ['p1'], exp: now() + 600 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    assert.equal((await refused(projectSocket(start, 'p1', token))).code, 4401);
    await waitFor(() => cli.lines().some((line) => line.level === 'warn' && /Key Set cannot be had/.test(line.msg)), 'the warning', 10_000);
    assert.ok(!cli.stdout().includes(token), 'no token in the log');
  });

  it('--allowed-origins: a browser page of another origin is refused; listed origins and clients without an Origin get in', { timeout: 60_000 }, async (t) => {
    const cli = runCli(t, ['--port', '0', '--no-auth', '--allowed-origins', 'https://app.example.com, http://localhost:5173']);
    const start = await started(cli);
    const withOrigin = (origin: string | undefined) =>
      new Promise<string | number>((resolve) => {
        const ws = new WebSocket(projectSocket(start, 'p1'), origin === undefined ? {} : { origin });
        ws.on('error', () => {});
        ws.on('message', (data) => {
          if (JSON.parse(data.toString()).type === 'session') {
            ws.terminate();
            resolve('session');
          }
        });
        ws.on('close', (code) => resolve(code));
      });
    assert.equal(await withOrigin('https://evil.example.com'), 4401);
    assert.equal(await withOrigin('https://app.example.com'), 'session');
    assert.equal(await withOrigin('http://localhost:5173'), 'session');
    assert.equal(await withOrigin(undefined), 'session');
  });
});
