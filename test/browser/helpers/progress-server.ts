/** Browser-side handle on the reference progress servers run by the test runner's plugin. */
import { executeServerCommand } from '@web/test-runner-commands';
import type { ProgressCommand, ServerInfo } from '../progress-server-plugin.js';
import type { RecordedAction } from '../scripted-actions.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { until } from '../../shared/until.js';

type Without<T, K extends keyof T> = Omit<T, K>;

async function command<T>(payload: ProgressCommand): Promise<T> {
  return executeServerCommand<T, ProgressCommand>('progress', payload);
}

export class TestServer {
  private constructor(readonly info: ServerInfo) {}

  /** The runner's shared server (never restarted). */
  static async shared(): Promise<TestServer> {
    return new TestServer(await command<ServerInfo>({ action: 'info' }));
  }

  /** A server of this test's own, for faults that must not touch other tests. */
  static async create(options: Without<Extract<ProgressCommand, { action: 'create' }>, 'action'> = {}): Promise<TestServer> {
    return new TestServer(await command<ServerInfo>({ action: 'create', ...options }));
  }

  get url(): string {
    return this.info.url;
  }
  /** `ws://…/ws`: every project on one socket. */
  get allUrl(): string {
    return `${this.info.url}/ws`;
  }
  /** The per-project URL template. */
  get projectUrl(): string {
    return `${this.info.url}/api/progress/subscribe/{projectId}`;
  }
  /** `http://…/api`: the AInTandem API base URL (the socket per project, the REST reads and, on a server created with `actions`, the run actions). */
  get apiBase(): string {
    return `${this.info.url.replace(/^ws/, 'http')}/api`;
  }
  /** The run actions the server was sent so far (a server created with `actions`). */
  actionRequests(): Promise<RecordedAction[]> {
    return command({ action: 'actionRequests', server: this.info.id });
  }
  /** While held, the run actions wait unanswered; releasing answers them in order. */
  holdActions(held: boolean): Promise<boolean> {
    return command({ action: 'holdActions', server: this.info.id, held });
  }

  publish(...events: ProgressEvent[]): Promise<number> {
    return command({ action: 'publish', server: this.info.id, events });
  }
  sendRaw(...frames: string[]): Promise<number> {
    return command({ action: 'sendRaw', server: this.info.id, frames });
  }
  ping(): Promise<number> {
    return command({ action: 'ping', server: this.info.id });
  }
  drop(options: { abrupt?: boolean; code?: number; reason?: string } = {}): Promise<number> {
    return command({ action: 'drop', server: this.info.id, ...options });
  }
  stall(stalled: boolean): Promise<boolean> {
    return command({ action: 'stall', server: this.info.id, stalled });
  }
  stop(): Promise<boolean> {
    return command({ action: 'stop', server: this.info.id });
  }
  /** Stops and starts the server on the same port; `fresh` loses its journal (a new epoch). */
  restart(fresh = false): Promise<boolean> {
    return command({ action: 'restart', server: this.info.id, fresh });
  }
  async clientCount(): Promise<number> {
    return (await command<ServerInfo>({ action: 'info', server: this.info.id })).clientCount;
  }
  /** Takes the page off the network for this server (Chromium's network emulation), or puts it back. */
  setOffline(offline: boolean): Promise<boolean> {
    return command({ action: 'offline', server: this.info.id, offline });
  }
  /** From now on the server accepts only this token (for a server created with one). */
  setToken(token: string): Promise<boolean> {
    return command({ action: 'setToken', server: this.info.id, token });
  }
  /** Date.now() of every connection the server accepted, across restarts. */
  connectionTimes(): Promise<number[]> {
    return command({ action: 'connectionTimes', server: this.info.id });
  }
  dispose(): Promise<boolean> {
    return command({ action: 'dispose', server: this.info.id });
  }
}


/** Waits until `check` is true, polling; fails with `what` after `timeout` ms. */
export const waitFor = (check: () => boolean | Promise<boolean>, what: string, timeout = 5000): Promise<void> => until(check, what, timeout);

let counter = 0;
/** A project id no other test uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${counter++}`;
}
