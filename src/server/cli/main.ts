#!/usr/bin/env node
/**
 * `progress-server` (`npx progress-server --help`): the reference progress server as a command,
 * configured by flags or environment variables (./flags.ts), logging JSON lines to stdout.
 * SIGTERM and SIGINT drain it: readiness off, no new sockets, the open ones closed with 1012
 * over the drain window (so that they resume on other instances), then its log is closed.
 */
import { readFileSync } from 'node:fs';
import { helpText, readSettings } from './flags.js';
import { createJsonLog, type JsonLog } from './json-log.js';
import { startServer, type Running } from './start.js';

/** Exit code of a command line or environment that cannot be used. */
const EXIT_USAGE = 2;
/** How long the process may stay up after closing before it is ended (a handle left open). */
const EXIT_GRACE_MS = 5000;

function packageVersion(): string | undefined {
  try {
    // dist/server/cli/main.js and src/server/cli/main.ts are both three folders below package.json.
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Drains on SIGINT and SIGTERM; a second signal while draining ends the process at once. */
function drainOnSignals(running: Running, log: JsonLog): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      log.error('second signal while draining: exiting at once', { signal });
      process.exit(1);
    }
    closing = true;
    log.info('draining', { signal, window: running.describe().drainWindow });
    running.drain().then(
      () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        log.info('stopped');
        // Everything is closed, so the process ends now; should a handle stay open, it is ended anyway.
        setTimeout(() => {
          log.warn('handles still open after closing: exiting');
          process.exit(0);
        }, EXIT_GRACE_MS).unref();
      },
      (error: unknown) => {
        log.error('closing failed', { error: (error as Error)?.message ?? String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(): Promise<void> {
  const read = readSettings(process.argv.slice(2), process.env);
  if (read.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (read.kind === 'error') {
    process.stderr.write(`progress-server: ${read.message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const { settings } = read;
  const log = createJsonLog();
  if (settings.auth.kind === 'none') {
    log.warn('authentication is off (--no-auth): every client may see every project; use it for trials only', { auth: 'none' });
  }
  let running: Running;
  try {
    running = await startServer(settings, log);
  } catch (error) {
    log.error('cannot start', { error: (error as Error)?.message ?? String(error) });
    process.exitCode = 1;
    return;
  }
  drainOnSignals(running, log);
  log.info('progress server listening', { version: packageVersion(), pid: process.pid, ...running.describe() });
}

void main();
