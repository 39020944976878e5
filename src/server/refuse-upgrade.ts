/** Refusing a WebSocket upgrade request at once, with a plain HTTP answer, rather than leaving it to hang. */
import type { Duplex } from 'node:stream';

/** Refuse an upgrade request with a minimal HTTP response, then drop the socket. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
