/**
 * The command's flags: each one also read from an environment variable (`--max-payload` from
 * `PROGRESS_MAX_PAYLOAD`; a flag wins over its variable), checked and turned into settings, and the
 * `--help` text listing them. A new flag is one more row in FLAGS and a field read in readSettings.
 */
import { parseArgs } from 'node:util';

export type FlagKind = 'string' | 'number' | 'boolean' | 'list';

export interface Flag {
  name: string;
  kind: FlagKind;
  /** The placeholder of its value in the help text. */
  value?: string;
  help: string;
  group: 'Listening' | 'Log' | 'Authentication' | 'Operations' | 'Limits';
}

const FLAGS: readonly Flag[] = [
  { name: 'port', kind: 'number', value: '<n>', group: 'Listening', help: 'Port to listen on; 0 picks a free one. Default 9900.' },
  { name: 'host', kind: 'string', value: '<name>', group: 'Listening', help: 'Address to listen on. Default 127.0.0.1; 0.0.0.0 for every interface.' },
  { name: 'path', kind: 'string', value: '<path>', group: 'Listening', help: "The socket of every project. Default /ws. One project's socket is {any prefix}/progress/subscribe/{projectId}." },
  {
    name: 'allowed-origins',
    kind: 'list',
    value: '<a,b>',
    group: 'Listening',
    help: 'Origins (https://app.example.com, comma-separated) whose pages may connect and read; a request from another Origin is refused (4401, or 401). Default: any origin. Requests without an Origin header (not from a browser) are let through.',
  },
  { name: 'redis', kind: 'string', value: '<url>', group: 'Log', help: 'redis://[[user]:password@]host:port[/db] (or rediss://): the log in Redis (7.0+), so that several servers serve the same events. Needs the ioredis package. Default: the log in memory.' },
  { name: 'redis-prefix', kind: 'string', value: '<text>', group: 'Log', help: "Prefix of the log's keys in Redis. Default progress:." },
  { name: 'retention', kind: 'number', value: '<n>', group: 'Log', help: 'Events kept for replay to resuming clients. Default 10000 in memory, 100000 in Redis.' },
  { name: 'max-entities', kind: 'number', value: '<n>', group: 'Log', help: 'Tasks, workflows and containers whose states are kept for snapshots. Default 10000.' },
  { name: 'jwt-secret', kind: 'string', value: '<secret>', group: 'Authentication', help: 'Accept JWTs signed with HS256 and this secret (32 bytes or more). Prefer the variable: a flag shows in the process list.' },
  { name: 'jwks-url', kind: 'string', value: '<url>', group: 'Authentication', help: 'Accept JWTs signed (RS256, ES256, PS256, EdDSA and the like) by a key of this JSON Web Key Set, fetched and cached.' },
  { name: 'projects-claim', kind: 'string', value: '<name>', group: 'Authentication', help: 'The claim listing the projects a token may see: an array of project ids, or "*" for every one. Default projects.' },
  { name: 'jwt-issuer', kind: 'string', value: '<iss>', group: 'Authentication', help: 'Accept only tokens with this iss claim.' },
  { name: 'jwt-audience', kind: 'string', value: '<aud>', group: 'Authentication', help: 'Accept only tokens with this aud claim.' },
  { name: 'no-auth', kind: 'boolean', group: 'Authentication', help: 'No tokens: every client sees every project. For trials only; a warning is logged at start.' },
  {
    name: 'publish-key',
    kind: 'list',
    value: '<key[,key]>',
    group: 'Operations',
    help: 'Take events over HTTP (POST {prefix}/progress/events, Authorization: Bearer <key>); several keys, comma-separated, for a rotation. Default: no HTTP publishing. Prefer the variable.',
  },
  { name: 'max-publish-bytes', kind: 'number', value: '<n>', group: 'Operations', help: 'Largest body POST …/progress/events takes; a larger one gets 413. Default 1048576.' },
  { name: 'metrics', kind: 'boolean', group: 'Operations', help: 'Serve GET /metrics in the Prometheus text format. Needs the prom-client package.' },
  { name: 'metrics-key', kind: 'string', value: '<key>', group: 'Operations', help: 'Serve /metrics only with Authorization: Bearer <key>. Implies --metrics.' },
  { name: 'metrics-port', kind: 'number', value: '<n>', group: 'Operations', help: 'Serve /metrics on this port of its own (on --host) instead of the server\'s. Implies --metrics.' },
  {
    name: 'drain-window',
    kind: 'number',
    value: '<ms>',
    group: 'Operations',
    help: 'On SIGTERM or SIGINT: /readyz turns 503, new sockets are refused, and the open ones are closed with 1012 spread over this many ms, so that they resume on other instances; then the process exits. Default 10000.',
  },
  { name: 'max-connections-per-token', kind: 'number', value: '<n>', group: 'Limits', help: 'Sockets open at once with one token; one more is closed with 4429. Default 100; Infinity disables.' },
  { name: 'max-connections-per-address', kind: 'number', value: '<n>', group: 'Limits', help: 'Sockets open at once from one address. Default 2000; Infinity disables.' },
  { name: 'connection-attempts-burst', kind: 'number', value: '<n>', group: 'Limits', help: 'Connection attempts one address may make at once. Default 2000; Infinity disables.' },
  { name: 'connection-attempts-per-second', kind: 'number', value: '<n>', group: 'Limits', help: 'Attempts per second an address gets back. Default 200.' },
  { name: 'max-buffered-bytes', kind: 'number', value: '<n>', group: 'Limits', help: 'Characters held unsent for one slow client before it is closed with 1013. Default 8388608; Infinity disables.' },
  { name: 'max-payload', kind: 'number', value: '<n>', group: 'Limits', help: 'Largest client frame in bytes. Default 65536.' },
  { name: 'heartbeat-interval', kind: 'number', value: '<ms>', group: 'Limits', help: 'ms between protocol pings; a client that misses one is dropped. Default 30000; 0 disables.' },
  { name: 'sse-heartbeat', kind: 'number', value: '<ms>', group: 'Limits', help: 'ms of silence after which a Server-Sent Events stream gets a comment, so that proxies keep it. Default 15000; 0 disables.' },
];

/** The environment variable of a flag: `PROGRESS_` and its name in capitals, `-` as `_`. */
export function envName(flag: string): string {
  return `PROGRESS_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export const USAGE = 'Usage: progress-server [flags]   (progress-server --help lists them)';

export function helpText(): string {
  const lines = [
    'progress-server: the reference progress server of @aintandem/progress-elements.',
    '',
    'Usage: progress-server (--jwt-secret <secret> | --jwks-url <url> | --no-auth) [flags]',
    '',
    'Every flag can also be set by its environment variable (shown after it); a flag wins over its variable.',
    'Boolean variables take 1/true/yes or 0/false/no. Starting needs one way of checking tokens, or --no-auth.',
    'Tokens are JWTs with an exp claim (the socket is closed with 4401 then) and the projects claim;',
    'any other token is refused (4401; reads 401). Logs are JSON lines on stdout; tokens never appear in them.',
  ];
  for (const group of ['Listening', 'Log', 'Authentication', 'Operations', 'Limits'] as const) {
    lines.push('', `${group}:`);
    for (const flag of FLAGS.filter((f) => f.group === group)) {
      lines.push(`  --${flag.name}${flag.value ? ` ${flag.value}` : ''}  (${envName(flag.name)})`, `      ${flag.help}`);
    }
  }
  lines.push('', 'Other:', '  --help, -h', '      Print this text and exit.', '');
  return lines.join('\n');
}

/** How tokens are checked. */
export type AuthSettings =
  | { kind: 'none' }
  | { kind: 'jwt'; key: { secret: string } | { jwksUrl: string }; projectsClaim: string; issuer?: string; audience?: string };

export interface Settings {
  port: number;
  host: string;
  path: string;
  /** Origins whose browser requests are let through; undefined: any. */
  allowedOrigins?: string[];
  /** The Redis of the log; undefined: in memory. */
  redis?: string;
  redisPrefix?: string;
  retention?: number;
  maxEntities?: number;
  auth: AuthSettings;
  maxConnectionsPerToken?: number;
  maxConnectionsPerAddress?: number;
  connectionAttempts?: { burst?: number; perSecond?: number };
  maxBufferedBytes?: number;
  maxPayload?: number;
  heartbeatInterval?: number;
  sseHeartbeat?: number;
  /** Keys of `POST …/progress/events`; undefined: no HTTP publishing. */
  publishKey?: string[];
  maxPublishBytes?: number;
  /** Serve /metrics: on the server's port, or on `port`; with `key`, only to it. */
  metrics?: { key?: string; port?: number };
  /** ms over which a signal's drain closes the sockets. */
  drainWindow: number;
}

export type ReadSettings = { kind: 'help' } | { kind: 'run'; settings: Settings } | { kind: 'error'; message: string };

class SettingsError extends Error {}

/** The smallest secret HS256 may use (RFC 7518: at least the hash's 256 bits). */
const MIN_SECRET_BYTES = 32;

/** Reads the command line and the environment. */
export function readSettings(args: readonly string[], env: NodeJS.ProcessEnv): ReadSettings {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
    for (const flag of FLAGS) options[flag.name] = { type: flag.kind === 'boolean' ? 'boolean' : 'string' };
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }));
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message}\n${USAGE}` };
  }
  if (values.help === true) return { kind: 'help' };
  try {
    return { kind: 'run', settings: settingsFrom(new Reader(values, env)) };
  } catch (error) {
    if (error instanceof SettingsError) return { kind: 'error', message: `${error.message}\n${USAGE}` };
    throw error;
  }
}

/** One flag's value, from the command line or else from its variable (an empty variable is unset). */
class Reader {
  constructor(
    readonly values: Record<string, string | boolean | undefined>,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The text given, and where it came from, for messages. */
  #raw(name: string): { text: string | boolean; from: string } | undefined {
    const given = this.values[name];
    if (given !== undefined) return { text: given, from: `--${name}` };
    const variable = envName(name);
    const text = this.env[variable];
    return text === undefined || text === '' ? undefined : { text, from: variable };
  }

  string(name: string): string | undefined {
    const raw = this.#raw(name);
    return raw === undefined ? undefined : String(raw.text);
  }

  boolean(name: string): boolean {
    const raw = this.#raw(name);
    if (raw === undefined) return false;
    if (typeof raw.text === 'boolean') return raw.text;
    const text = raw.text.toLowerCase();
    if (['1', 'true', 'yes'].includes(text)) return true;
    if (['0', 'false', 'no'].includes(text)) return false;
    throw new SettingsError(`Invalid ${raw.from} "${raw.text}": give 1, true or yes (0, false or no).`);
  }

  /** A whole number from `min` up (`Infinity` when `unbounded`). */
  number(name: string, min: number, unbounded = false): number | undefined {
    const raw = this.#raw(name);
    if (raw === undefined) return undefined;
    const text = String(raw.text);
    if (unbounded && text === 'Infinity') return Infinity;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
      throw new SettingsError(`Invalid ${raw.from} "${text}": give a whole number from ${min} up${unbounded ? ', or Infinity' : ''}.`);
    }
    return value;
  }

  list(name: string): string[] | undefined {
    const text = this.string(name);
    return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }
}

function httpUrl(text: string, from: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SettingsError(`Invalid ${from}: give an http:// or https:// URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SettingsError(`Invalid ${from}: give an http:// or https:// URL.`);
  return url.href;
}

function origin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || url.origin === 'null' || url.origin !== text.replace(/\/$/, '')) {
    throw new SettingsError(`Invalid origin "${text}" in --allowed-origins: give scheme://host[:port], e.g. https://app.example.com.`);
  }
  return url.origin;
}

function authFrom(read: Reader): AuthSettings {
  const secret = read.string('jwt-secret');
  const jwksUrl = read.string('jwks-url');
  const noAuth = read.boolean('no-auth');
  if (noAuth && (secret !== undefined || jwksUrl !== undefined)) {
    throw new SettingsError('--no-auth and a JWT key (--jwt-secret or --jwks-url) exclude each other: give one.');
  }
  if (noAuth) return { kind: 'none' };
  if (secret !== undefined && jwksUrl !== undefined) throw new SettingsError('Give --jwt-secret or --jwks-url, not both.');
  if (secret === undefined && jwksUrl === undefined) {
    throw new SettingsError(
      `No way to check tokens: give --jwt-secret (or ${envName('jwt-secret')}) for HS256 tokens, --jwks-url (or ${envName('jwks-url')}) for tokens signed by a key set, or --no-auth to let every client see every project.`,
    );
  }
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new SettingsError(`The JWT secret is too short: HS256 needs ${MIN_SECRET_BYTES} bytes or more.`);
  }
  const auth: AuthSettings = {
    kind: 'jwt',
    key: secret !== undefined ? { secret } : { jwksUrl: httpUrl(jwksUrl!, '--jwks-url') },
    projectsClaim: read.string('projects-claim') ?? 'projects',
  };
  const issuer = read.string('jwt-issuer');
  const audience = read.string('jwt-audience');
  if (issuer !== undefined) auth.issuer = issuer;
  if (audience !== undefined) auth.audience = audience;
  return auth;
}

function settingsFrom(read: Reader): Settings {
  const path = read.string('path') ?? '/ws';
  if (!path.startsWith('/') || /[?#\s]/.test(path)) throw new SettingsError(`Invalid path "${path}": give an absolute path such as /ws.`);
  const redis = read.string('redis');
  if (redis !== undefined && !/^rediss?:\/\/[^/]/.test(redis)) throw new SettingsError('Invalid Redis URL: give redis://host:port (or rediss://).');
  const settings: Settings = {
    port: read.number('port', 0) ?? 9900,
    host: read.string('host') ?? '127.0.0.1',
    path,
    auth: authFrom(read),
    drainWindow: read.number('drain-window', 0) ?? 10000,
  };
  if (settings.port > 65535) throw new SettingsError(`Invalid port ${settings.port}: give a number from 0 to 65535.`);
  const origins = read.list('allowed-origins');
  if (origins !== undefined) settings.allowedOrigins = origins.map(origin);
  if (redis !== undefined) settings.redis = redis;
  const optional = {
    redisPrefix: read.string('redis-prefix'),
    retention: read.number('retention', 1),
    maxEntities: read.number('max-entities', 1),
    maxConnectionsPerToken: read.number('max-connections-per-token', 1, true),
    maxConnectionsPerAddress: read.number('max-connections-per-address', 1, true),
    maxBufferedBytes: read.number('max-buffered-bytes', 1, true),
    maxPayload: read.number('max-payload', 1),
    heartbeatInterval: read.number('heartbeat-interval', 0),
    sseHeartbeat: read.number('sse-heartbeat', 0),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(settings, { [key]: value });
  const publishKey = read.list('publish-key');
  if (publishKey !== undefined) {
    if (publishKey.length === 0) throw new SettingsError('Invalid --publish-key: give at least one key.');
    settings.publishKey = publishKey;
  }
  const maxPublishBytes = read.number('max-publish-bytes', 1);
  if (maxPublishBytes !== undefined) settings.maxPublishBytes = maxPublishBytes;
  const metricsKey = read.string('metrics-key');
  const metricsPort = read.number('metrics-port', 0);
  if (metricsPort !== undefined && metricsPort > 65535) throw new SettingsError(`Invalid --metrics-port ${metricsPort}: give a number from 0 to 65535.`);
  if (read.boolean('metrics') || metricsKey !== undefined || metricsPort !== undefined) {
    settings.metrics = {};
    if (metricsKey !== undefined) settings.metrics.key = metricsKey;
    if (metricsPort !== undefined) settings.metrics.port = metricsPort;
  }
  const burst = read.number('connection-attempts-burst', 1, true);
  const perSecond = read.number('connection-attempts-per-second', 1);
  if (burst !== undefined || perSecond !== undefined) {
    settings.connectionAttempts = {};
    if (burst !== undefined) settings.connectionAttempts.burst = burst;
    if (perSecond !== undefined) settings.connectionAttempts.perSecond = perSecond;
  }
  return settings;
}
