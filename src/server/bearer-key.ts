/**
 * Keys that authorise a machine's requests (a publisher's, a metrics scraper's), sent as
 * `Authorization: Bearer <key>`, compared in constant time: both sides are hashed first, so that
 * neither the key's content nor its length shows in how long a comparison takes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** One key, or several (a new one and the one it replaces, while clients move over). */
export type BearerKeys = string | readonly string[];

export class BearerKey {
  readonly #digests: Buffer[];

  /** @throws TypeError when no key is given, or an empty one. */
  constructor(keys: BearerKeys, what: string) {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0 || list.some((key) => typeof key !== 'string' || key === '')) {
      throw new TypeError(`${what} must be a non-empty string (or a list of them)`);
    }
    this.#digests = list.map(digest);
  }

  /** Whether the request carries one of the keys as `Authorization: Bearer <key>`. */
  allows(request: IncomingMessage): boolean {
    const match = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) return false;
    const given = digest(match[1]!);
    let found = false;
    // Every key is compared, found or not.
    for (const key of this.#digests) found = timingSafeEqual(key, given) || found;
    return found;
  }
}
