/**
 * One heartbeat interval of a server on a manual clock, as a healthy client lives it: the clock
 * moves one interval, the client is pinged (its `ws` answers the pong itself), and its JSON ping,
 * sent after that pong, comes back once the server has read both.
 */
import type { ManualClock } from './manual-clock.js';
import { once, type RawClient } from './raw-client.js';

export async function beat(clock: ManualClock, healthy: RawClient, interval: number): Promise<void> {
  const pinged = once(healthy.ws, 'ping');
  clock.advance(interval);
  await pinged;
  healthy.send(JSON.stringify({ type: 'ping' }));
  await healthy.next((f) => f.type === 'pong');
}
