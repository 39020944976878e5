/**
 * Tokens as JWTs: a token whose signature, `exp` (required), and `iss`/`aud` when configured are
 * valid is granted the projects its projects claim lists (an array of ids, or `"*"`) until its
 * `exp`. Any other token is refused: a missing or malformed claim, an unknown key, an algorithm
 * not expected for the key. Keys are an HS256 secret, or a JSON Web Key Set fetched over HTTP and
 * cached (`jose`, an optional peer dependency, loaded only here).
 */
import type { AccessGrant } from '../access.js';
import type { AuthSettings } from './flags.js';
import type { JsonLog } from './json-log.js';

type JwtSettings = Extract<AuthSettings, { kind: 'jwt' }>;

/** Algorithms a key set's keys may sign with; never a symmetric one, never `none`. */
const KEY_SET_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** jose's codes for a token that is wrong in itself (as opposed to a key set that cannot be had). */
const TOKEN_ERRORS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/** ms between two warnings that the key set cannot be had. */
const KEY_SET_WARNING_INTERVAL = 10_000;

/** The grant of a verified token's claims, or false when they do not say which projects, or until when. */
export function grantOf(payload: Record<string, unknown>, projectsClaim: string): AccessGrant | false {
  const exp = payload.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return false;
  const projects = payload[projectsClaim];
  const expiresAt = exp * 1000;
  if (projects === '*') return { projects: '*', expiresAt };
  if (Array.isArray(projects) && projects.every((p) => typeof p === 'string')) return { projects: [...projects] as string[], expiresAt };
  return false;
}

type Jose = typeof import('jose');

async function loadJose(): Promise<Jose> {
  try {
    return await import('jose');
  } catch (error) {
    throw new Error('JWT authentication needs the jose package (6.x): npm install jose', { cause: error });
  }
}

/**
 * The `authenticate` hook for JWTs: resolves with a grant, or false for a token refused. Rejects
 * (at start) when jose is not installed.
 */
export async function jwtAuthenticate(settings: JwtSettings, log: JsonLog): Promise<(token: string | undefined) => Promise<AccessGrant | false>> {
  const jose = await loadJose();
  const bySecret = 'secret' in settings.key;
  const key = 'secret' in settings.key ? new TextEncoder().encode(settings.key.secret) : jose.createRemoteJWKSet(new URL(settings.key.jwksUrl));
  const options: import('jose').JWTVerifyOptions = {
    algorithms: bySecret ? ['HS256'] : KEY_SET_ALGORITHMS,
    requiredClaims: ['exp'],
  };
  if (settings.issuer !== undefined) options.issuer = settings.issuer;
  if (settings.audience !== undefined) options.audience = settings.audience;
  let warnedAt = -Infinity;
  return async (token) => {
    if (token === undefined || token === '') return false;
    try {
      const { payload } = await jose.jwtVerify(token, key, options);
      return grantOf(payload, settings.projectsClaim);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (!bySecret && !(typeof code === 'string' && TOKEN_ERRORS.has(code)) && Date.now() - warnedAt >= KEY_SET_WARNING_INTERVAL) {
        // The key set could not be fetched or read: every token is refused until it can.
        warnedAt = Date.now();
        log.warn('the JSON Web Key Set cannot be had: tokens are refused until it can', { code: typeof code === 'string' ? code : undefined, error: (error as Error).message });
      }
      return false;
    }
  };
}
