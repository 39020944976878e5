/**
 * 1,000 plain bars fed by socket.io-client (as published) from a socket.io server: each
 * `progress` event is handed to the bars as a page's own handler would.
 */
import { io, type Socket } from 'socket.io-client';
import { BarBoard } from './plain-bars.js';

const board = new BarBoard();
let socket: Socket | undefined;

const bench = {
  /** Mounts `count` bars and connects to `url` for `projectId`'s room. */
  async mount(url: string, projectId: string, count: number): Promise<number> {
    await board.mount(count);
    socket = io(url, { transports: ['websocket'], query: { project: projectId } });
    socket.on('progress', (event) => board.applyEvent(event));
    socket.on('disconnect', (reason) => board.fail(`socket.io disconnected (${reason})`));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    return board.size;
  },
  flood: (events: number) => board.flood(events),
  reset(): void {
    socket?.off('disconnect');
    socket?.disconnect();
    socket = undefined;
    board.unmount();
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
