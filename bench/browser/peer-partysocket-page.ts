/**
 * The "write it yourself" page: 1,000 plain bars fed by partysocket (a reconnecting WebSocket,
 * as published) from the reference server; the page parses each frame and hands the event to the
 * bars. With `native`, the browser's own WebSocket instead (a diagnostic: what partysocket adds).
 */
import { WebSocket as ReconnectingWebSocket } from 'partysocket';
import { BarBoard } from './plain-bars.js';

const board = new BarBoard();
let socket: ReconnectingWebSocket | WebSocket | undefined;

const bench = {
  /** Mounts `count` bars and opens `url` (one project's stream of single-event frames). */
  async mount(url: string, count: number, native = false): Promise<number> {
    await board.mount(count);
    const ws = native ? new WebSocket(url) : new ReconnectingWebSocket(url);
    socket = ws;
    ws.onmessage = (message: MessageEvent) => board.applyEvent(JSON.parse(message.data as string));
    // Neither socket asks the server for what it missed while away: a close loses events.
    ws.onclose = (event: CloseEvent) => board.fail(`the server closed the socket (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot open ${url}`));
    });
    return board.size;
  },
  flood: (events: number) => board.flood(events),
  reset(): void {
    if (socket) socket.onclose = null;
    socket?.close();
    socket = undefined;
    board.unmount();
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
