/**
 * The connection panel: the page's connection state and a short log of its changes (from the
 * client), the subscriptions and events of this page (client side), and the open sockets and
 * runs under way (server side, from `GET /api/demo/stats`).
 */
import type { ConnectionEvent, ProgressClient } from '../src/index.js';

const LOG_LINES = 6;
const POLL_MS = 1000;

interface ServerStats {
  sockets: number;
  activeRuns: number;
}

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

function describe(event: ConnectionEvent): string | undefined {
  switch (event.type) {
    case 'connected':
      return 'connected';
    case 'disconnected':
      return event.willReconnect
        ? `lost (code ${event.code}); reconnect attempt ${event.attempt} in ${((event.delay ?? 0) / 1000).toFixed(1)} s`
        : `disconnected (code ${event.code})`;
    default:
      return undefined; // heartbeats, and errors (a 'disconnected' follows them)
  }
}

export function connectionPanel(client: ProgressClient, projectId: string): void {
  const state = byId('connection-state');
  const log = byId('connection-log');

  const showState = () => {
    const value = client.getConnectionState(projectId);
    state.textContent = value;
    state.dataset.state = value;
  };

  // The page's own counts, once per frame while events arrive (the server's, once a second).
  let counting = false;
  let events = 0;
  const showCounts = () => {
    counting = false;
    byId('subscriptions').textContent = String(client.getSubscriptionCount());
    byId('events').textContent = String(events);
  };
  client.subscribeToProgress(projectId, () => {
    events++;
    if (counting) return;
    counting = true;
    requestAnimationFrame(showCounts);
  });

  const poll = async () => {
    showState();
    showCounts();
    try {
      const response = await fetch('/api/demo/stats');
      const stats = (await response.json()) as ServerStats;
      byId('server-sockets').textContent = String(stats.sockets);
      byId('active-runs').textContent = String(stats.activeRuns);
    } catch {
      byId('server-sockets').textContent = 'unknown (no answer from the server)';
    }
  };
  client.onConnectionState((event) => {
    const text = describe(event);
    if (!text) {
      showState();
      return;
    }
    // The counts change with the connection: read them now, not at the next tick.
    void poll();
    const line = document.createElement('li');
    line.textContent = `${new Date(event.timestamp).toLocaleTimeString()} ${text}`;
    log.prepend(line);
    while (log.children.length > LOG_LINES) log.lastElementChild?.remove();
  });

  void poll();
  setInterval(poll, POLL_MS);
}
