/**
 * The "write it yourself" page: 1,000 plain bars fed by partysocket (a reconnecting WebSocket,
 * as published) from the reference server; the page parses each frame and hands the event to the
 * bars.
 */
import { WebSocket as ReconnectingWebSocket } from 'partysocket';
import { BarBoard } from './plain-bars.js';

const board = new BarBoard();
let socket: ReconnectingWebSocket | undefined;

const bench = {
  /** Mounts `count` bars and opens `url` (one project's stream of single-event frames). */
  async mount(url: string, count: number): Promise<number> {
    await board.mount(count);
    socket = new ReconnectingWebSocket(url);
    socket.onmessage = (message) => board.applyEvent(JSON.parse(message.data as string));
    await new Promise<void>((resolve, reject) => {
      socket!.onopen = () => resolve();
      socket!.onerror = () => reject(new Error(`cannot open ${url}`));
    });
    return board.size;
  },
  flood: (events: number) => board.flood(events),
  reset(): void {
    socket?.close();
    socket = undefined;
    board.unmount();
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
