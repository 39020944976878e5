/**
 * The log's tail to the server's clients: each entry to every client of its project and every
 * all-projects client whose token may see it, in the spelling each reads, after what it has
 * already (a session's replay); and, when the log lost continuity, the resuming clients closed
 * (1012) so that they reconnect and resume or resync.
 */
import { CLOSE_SERVICE_RESTART, type Client } from './client.js';
import { EntryFrames } from './event-frames.js';
import { PEER_OPEN } from './peer.js';
import type { LogEntry, TailListener } from './progress-log.js';

/** The tail's listener for `clients`; `delivered` hears how many clients each entry went to (when any). */
export function fanOut(clients: () => Iterable<Client>, delivered: (count: number) => void): TailListener {
  return {
    entry(entry: LogEntry): void {
      let frames: EntryFrames | undefined;
      let count = 0;
      for (const client of clients()) {
        if (client.projectId !== undefined ? client.projectId !== entry.projectId : !client.access.allows(entry.projectId)) continue;
        if (entry.seq <= client.skipThrough || client.ws.readyState !== PEER_OPEN) continue;
        frames ??= new EntryFrames(entry);
        client.outbox.event(frames.get(client.spelling), entry.seq);
        count++;
      }
      if (count > 0) delivered(count);
    },
    lost(): void {
      for (const client of clients()) {
        if (client.resume) client.ws.close(CLOSE_SERVICE_RESTART, 'continuity lost');
      }
    },
  };
}
