/**
 * What every Redis user of the server shares: ioredis loaded only when Redis is asked for, the
 * options of a connection that fails fast while Redis is away, and its URL without credentials
 * for messages and logs.
 */
import type { Redis, RedisOptions } from 'ioredis';

/** The URL without credentials (user, password), for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** ioredis's client class; rejects with a message naming `user` when the package is not installed. */
export async function loadRedis(user: string): Promise<typeof Redis> {
  try {
    return (await import('ioredis')).Redis;
  } catch (error) {
    throw new Error(`${user} needs the ioredis package: npm install ioredis`, { cause: error });
  }
}

/** Options of a connection whose commands fail at once while Redis is away (the caller says so) instead of waiting in a queue. */
export function failFastOptions(timeouts: { connectTimeout?: number | undefined; commandTimeout: number }): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeouts.connectTimeout ?? 10000,
    commandTimeout: timeouts.commandTimeout,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
}
