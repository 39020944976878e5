/**
 * The parent's side of the fan-out clients (bench/fanout-clients.ts): starts the child process,
 * sends it commands and waits for its answers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './stats.js';

/**
 * How the clients of a group connect: raw `ws` sockets (each frame JSON, an array counting its
 * members), or socket.io clients (`socket.io-client` as published, one `progress` event per
 * event) on socket.io's WebSocket or long-polling transport.
 */
export type FanoutTransport = 'ws' | 'socket.io websocket' | 'socket.io polling';

export type FanoutCommand =
  | { cmd: 'connect'; group: string; url: string; count: number; transport?: FanoutTransport }
  | { cmd: 'expect'; group: string; events: number }
  | { cmd: 'close' };

interface Reply {
  type: string;
  group?: string;
  message?: string;
}

export class ClientProcess {
  private readonly child: ChildProcess;
  private waiting: { type: string; group?: string; resolve: () => void }[] = [];
  private failure: Error | undefined;

  constructor() {
    this.child = fork(fileURLToPath(new URL('./fanout-clients.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      if (reply.type === 'error') {
        this.failure = new Error(`fan-out clients: ${reply.message}`);
        return;
      }
      const i = this.waiting.findIndex((w) => w.type === reply.type && (w.group === undefined || w.group === reply.group));
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve();
    });
  }

  /** Sends a command and resolves when the child answers with `type` (for `group`). */
  request(command: FanoutCommand, type: string, group?: string, timeout = 60000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const answered = new Promise<void>((resolve) => this.waiting.push({ type, group, resolve }));
    this.child.send(command);
    return withTimeout(answered, timeout, `fan-out clients: ${type}`);
  }

  /** Resolves when the child says `type` for `group`, without sending anything. */
  expect(type: string, group: string): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push({ type, group, resolve }));
  }

  async close(): Promise<void> {
    try {
      await this.request({ cmd: 'close' }, 'closed', undefined, 10000);
    } catch {
      // ended already
    }
    if (this.child.exitCode === null) this.child.kill();
  }
}
