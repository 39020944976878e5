/**
 * One reference server on a Redis log, in a process of its own (as a deployment runs them),
 * driven by the test that forked it over IPC: publish events, report where it stands, close.
 * Settings come from the environment (see test/node/helpers/redis-instances.ts).
 */
import { createProgressServer } from '../../../src/server/index.js';
import { createRedisLog } from '../../../src/server/redis.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { authenticateGrantToken } from '../helpers/grant-tokens.js';

type Command =
  | { id: number; cmd: 'publish'; events: ProgressEvent[] }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'revoke'; token: string }
  | { id: number; cmd: 'close' };

const env = process.env;
const log = await createRedisLog({
  url: env.REDIS_URL!,
  prefix: env.LOG_PREFIX,
  retention: env.LOG_RETENTION === undefined ? undefined : Number(env.LOG_RETENTION),
  commandTimeout: env.LOG_COMMAND_TIMEOUT === undefined ? undefined : Number(env.LOG_COMMAND_TIMEOUT),
  checkpointInterval: env.LOG_CHECKPOINT_INTERVAL === undefined ? undefined : Number(env.LOG_CHECKPOINT_INTERVAL),
});
const server = await createProgressServer({
  log,
  heartbeatInterval: 0,
  batchWindow: Number(env.BATCH_WINDOW ?? 16),
  // GRANT_TOKENS=1: tokens carry their grant (test/node/helpers/grant-tokens.ts); SERVER_LIMITS: the limits, as JSON.
  ...(env.GRANT_TOKENS === '1' ? { authenticate: authenticateGrantToken } : {}),
  ...(env.SERVER_LIMITS === undefined ? {} : (JSON.parse(env.SERVER_LIMITS) as object)),
});

process.on('message', async (command: Command) => {
  switch (command.cmd) {
    case 'publish': {
      // Published in order, without waiting for each: as a busy backend would.
      const results = await Promise.all(command.events.map((event) => server.publish(event).then((seq) => seq, (error: Error) => ({ error: `${error.name}: ${error.message}` }))));
      process.send!({ id: command.id, results });
      break;
    }
    case 'stats':
      process.send!({ id: command.id, epoch: log.epoch, position: log.position, clients: server.clientCount });
      break;
    case 'revoke':
      process.send!({ id: command.id, closed: server.revoke(command.token) });
      break;
    case 'close':
      await server.close();
      await log.close();
      process.send!({ id: command.id }, () => process.exit(0));
      break;
  }
});
process.send!({ type: 'ready', port: server.port });
