/**
 * A reference server whose clients' connections a test can reach (to count them, hold what they
 * are sent, cut them), through the server's internal start (`startProgressServer`, not exported
 * from the package): the production server knows nothing of what the test does with them.
 */
import { startProgressServer, type ServedConnection, type ServerInternals } from '../../../src/server/progress-server.js';
import type { ProgressServer, ProgressServerOptions } from '../../../src/server/index.js';

export type { ServedConnection } from '../../../src/server/progress-server.js';

const lists = new WeakMap<ProgressServer, () => Iterable<ServedConnection>>();

/** `createProgressServer()`, with `clock` for its heartbeats when given; its connections through `servedConnections()`. */
export async function startServed(options: ProgressServerOptions, internals: Omit<ServerInternals, 'connections'> = {}): Promise<ProgressServer> {
  let list: () => Iterable<ServedConnection> = () => [];
  const server = await startProgressServer(options, { ...internals, connections: (given) => (list = given) });
  lists.set(server, () => list());
  return server;
}

/** The connections of a server's clients now (those of a server started by `startServed()`). */
export function servedConnections(server: ProgressServer): ServedConnection[] {
  const list = lists.get(server);
  if (!list) throw new TypeError('not a server started by startServed()');
  return [...list()];
}
