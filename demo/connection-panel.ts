/**
 * The connection panel: the page's connection state, the transport it goes over (WebSocket, or
 * Server-Sent Events after a fallback) and a short log of their changes (from the client), the subscriptions and events of this page (client side), and the open sockets and
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

const TRANSPORT_NAMES = { websocket: 'WebSocket', sse: 'Server-Sent Events (fallback)' } as const;

/** The panel's transport row, after the state's. */
function transportRow(state: HTMLElement): HTMLElement {
  const row = document.createElement('div');
  const term = document.createElement('dt');
  term.textContent = 'Transport';
  const value = document.createElement('dd');
  value.id = 'connection-transport';
  value.textContent = '…';
  row.append(term, value);
  state.parentElement!.after(row);
  return value;
}

export function connectionPanel(client: ProgressClient, projectId: string): void {
  const state = byId('connection-state');
  const transport = document.getElementById('connection-transport') ?? transportRow(state);
  const log = byId('connection-log');

  const addLine = (text: string) => {
    const line = document.createElement('li');
    line.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    log.prepend(line);
    while (log.children.length > LOG_LINES) log.lastElementChild?.remove();
  };

  let shownTransport: string | undefined;
  const showState = () => {
    const value = client.getConnectionState(projectId);
    state.textContent = value;
    state.dataset.state = value;
    const now = client.getStats().transport;
    transport.textContent = TRANSPORT_NAMES[now];
    transport.dataset.transport = now;
    // A move back to WebSocket happens without a connection event: said here.
    if (shownTransport !== undefined && shownTransport !== now && value === 'connected') addLine(`now over ${TRANSPORT_NAMES[now]}`);
    shownTransport = now;
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
    const now = client.getStats().transport;
    if (event.type === 'connected') shownTransport = now;
    // The counts change with the connection: read them now, not at the next tick.
    void poll();
    addLine(event.type === 'connected' ? `${text} over ${TRANSPORT_NAMES[now]}` : text);
  });

  void poll();
  setInterval(poll, POLL_MS);
}
