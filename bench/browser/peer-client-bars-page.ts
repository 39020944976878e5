/**
 * Our client without our elements: the page's shared client, configured as the elements page
 * configures it, with one task subscription per plain bar that sets the bar from the task's state.
 */
import { configureProgress, getProgressClient, resetProgress } from '../../src/index.js';
import type { ProgressSubscription } from '../../src/client/index.js';
import { BarBoard } from './plain-bars.js';

/** What the client said about its socket during the run: connection states and resync reasons. */
const seen: string[] = [];
const board = new BarBoard(() => {
  const stats = getProgressClient()?.getStats();
  return `client: ${seen.join(', ') || 'no connection changes'}${stats ? `; frames received ${stats.framesReceived}, duplicates dropped ${stats.duplicatesDropped}` : ''}`;
});
let subscriptions: ProgressSubscription[] = [];
let offs: (() => void)[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const bench = {
  /** Mounts `count` bars following tasks t0… of `projectId` on per-project sockets at `url`, batch frames accepted or not. */
  async mount(url: string, batch: boolean, projectId: string, count: number): Promise<number> {
    await board.mount(count);
    const client = configureProgress({ url, batch, heartbeatInterval: 0 });
    seen.length = 0;
    offs.push(client.onResync((reason) => seen.push(`resync ${reason}`)));
    for (let i = 0; i < count; i++) {
      const taskId = `t${i}`;
      subscriptions.push(
        client.subscribeToTask({
          projectId,
          taskId,
          onState: (state) => board.set(taskId, state.status === 'completed' ? 100 : state.progress, state.status === 'completed'),
          ...(i === 0 ? { onConnectionChange: (state) => void seen.push(state) } : {}),
        }),
      );
    }
    await Promise.all(subscriptions.map((s) => s.ready));
    const end = performance.now() + 30000;
    while (!client.isConnected(projectId)) {
      if (performance.now() > end) throw new Error('the socket did not connect');
      await sleep(5);
    }
    return getProgressClient()!.getSubscriptionCount();
  },
  flood: (events: number) => board.flood(events),
  reset(): void {
    for (const s of subscriptions) s.unsubscribe();
    subscriptions = [];
    for (const off of offs) off();
    offs = [];
    resetProgress();
    board.unmount();
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
