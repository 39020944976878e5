/**
 * One reference server of the Redis benchmark, in a process of its own: on a Redis log
 * (REDIS_URL) or on the memory log. Driven over IPC by bench/redis.ts: publish a stream of
 * events in chunks, publish lone stamped events for latency, close.
 */
import type { ProgressEvent } from '../src/protocol/events.js';
import { createProgressServer, type ProgressLog } from '../src/server/index.js';
import { createRedisLog, type RedisProgressLog } from '../src/server/redis.js';
import { inChunks } from './events.js';

type Command =
  | { id: number; cmd: 'flood'; events: ProgressEvent[]; chunk: number }
  | { id: number; cmd: 'stamped'; projectId: string; count: number; gapMs: number }
  | { id: number; cmd: 'close' };

const url = process.env.REDIS_URL;
const redisLog: RedisProgressLog | undefined = url ? await createRedisLog({ url, logger: { warn: (m) => console.warn(m), info: () => {} } }) : undefined;
const log: ProgressLog | undefined = redisLog;
const server = await createProgressServer({ heartbeatInterval: 0, ...(log ? { log } : {}) });
const reply = (message: object) => process.send!(message);

process.once('disconnect', () => process.exit(0));
process.on('message', (command: Command) => {
  void (async () => {
    switch (command.cmd) {
      case 'flood': {
        const pending: Promise<number>[] = [];
        const t0 = performance.now();
        const { publishMs } = await inChunks(command.events.length, (i) => void pending.push(server.publish(command.events[i]!)), command.chunk);
        await Promise.all(pending);
        // Until the last event is in the log (appended, for Redis acknowledged).
        reply({ id: command.id, publishMs, storedMs: performance.now() - t0 });
        break;
      }
      case 'stamped': {
        // Lone events on an idle stream, each carrying the time it was published.
        for (let i = 0; i < command.count; i++) {
          const at = performance.timeOrigin + performance.now();
          await server.publish({ type: 'output', projectId: command.projectId, taskId: 'latency', output: String(at), timestamp: new Date().toISOString() });
          await new Promise((resolve) => setTimeout(resolve, command.gapMs));
        }
        reply({ id: command.id });
        break;
      }
      case 'close':
        await server.close();
        await redisLog?.close();
        reply({ id: command.id });
        process.removeAllListeners('disconnect');
        process.disconnect();
        break;
    }
  })().catch((error) => reply({ id: (command as { id: number }).id, error: String(error?.stack ?? error) }));
});
reply({ ready: true, port: server.port });
