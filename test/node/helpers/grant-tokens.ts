/**
 * Tokens that carry their own grant (as signed tokens do, without the signature): the projects
 * they may see and when they end. Every server of a test, in this process or another, reads them
 * the same way, so that a client may move between servers with one token.
 */
import type { AccessGrant } from '../../../src/server/index.js';

export interface TokenGrant {
  /** Default every project. */
  projects?: string[] | '*';
  /** ms since 1970. */
  expiresAt?: number;
}

let issued = 0;

/** A new token for a grant (each one different, as an issuer's are). */
export function grantToken(grant: TokenGrant = {}): string {
  return `grant.${Buffer.from(JSON.stringify({ ...grant, n: ++issued, pid: process.pid })).toString('base64url')}`;
}

/** The `authenticate` hook for such tokens: their grant, or false for any other token. */
export function authenticateGrantToken(token: string | undefined): AccessGrant | false {
  if (!token?.startsWith('grant.')) return false;
  try {
    const { projects, expiresAt } = JSON.parse(Buffer.from(token.slice(6), 'base64url').toString()) as TokenGrant;
    const grant: AccessGrant = { projects: projects ?? '*' };
    if (expiresAt !== undefined) grant.expiresAt = expiresAt;
    return grant;
  } catch {
    return false;
  }
}
