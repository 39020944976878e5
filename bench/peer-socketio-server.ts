/**
 * A socket.io 4 server as a user would set one up for progress events: each client joins the
 * room of the project it names in its handshake (`?project=…`), and an event goes to that room
 * as `emit('progress', event)`. socket.io and its adapter run as published.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

export interface SocketIoPeer {
  /** `http://127.0.0.1:{port}`: what `io()` connects to. */
  readonly url: string;
  /** Clients connected now. */
  readonly clientCount: number;
  /** Sends one event to every client of the project's room. */
  emit(projectId: string, event: unknown): void;
  close(): Promise<void>;
}

export async function startSocketIoServer(transports: ('websocket' | 'polling')[] = ['polling', 'websocket']): Promise<SocketIoPeer> {
  const http = createServer();
  // Pages on another loopback port may connect (the CORS headers matter to long-polling only).
  const io = new Server(http, { transports, serveClient: false, cors: { origin: true } });
  io.on('connection', (socket) => {
    const project = socket.handshake.query.project;
    if (typeof project === 'string') void socket.join(project);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get clientCount() {
      return io.engine.clientsCount;
    },
    emit: (projectId, event) => void io.to(projectId).emit('progress', event),
    close: async () => {
      // io.close() discards every transport at once; disconnecting the sockets first would leave
      // each long-polling transport without a pending request waiting 30 s (its closeTimeout).
      await new Promise<void>((resolve) => io.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}
