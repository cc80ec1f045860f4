// Step ⑨: never hand out a token we cannot vouch for. The guest JWT must be RS256, signed by a
// key from Genesys's key set (one JWK or a JWKS), with the expected iss, aud, exp and
// webchat.guestId; anything else is 502 INVALID_GUEST_TOKEN (fail closed).

import {
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { Clock } from '../../platform/clock';
import { InvalidGuestTokenError, UpstreamUnavailableError } from '../../platform/errors';
import { createRemoteKeySet, importKeys, type KeySet } from '../../platform/key-set';
import type { UpstreamHttp } from '../../platform/upstream/upstream-http';

export interface VerifiedGuestToken {
  guestId: string;
  /** Seconds since the epoch (the `exp` claim). */
  expiresAt: number;
}

export interface GuestJwtVerifier {
  /**
   * The cached key set, or the one load in flight. The handler starts it before the mint so a
   * cold fetch overlaps the mint, and hands it to verify(): a failed load then fails that
   * request closed instead of being fetched a second time.
   */
  keySet(): Promise<KeySet>;
  verify(jwt: string, keySet?: Promise<KeySet>): Promise<VerifiedGuestToken>;
}

export interface GuestJwtVerifierOptions {
  keysUrl: string;
  issuer: string;
  audience: string;
  http: UpstreamHttp;
  clock: Clock;
  /** Called once per key set actually fetched (for the refresh metric). */
  onKeysRefresh?: () => void;
}

export const KEY_SET_TTL_MS = 60 * 60_000;
export const UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** Allowed skew between our clock and Genesys's for nbf/iat; exp itself must still be ahead. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** A guest JWT is a kilobyte or two; refuse to parse anything far larger. */
const MAX_JWT_LENGTH = 16 * 1024;
/** Header parameters that would let a token name its own key (RFC 7515 §4.1.2–4.1.6). */
const KEY_BEARING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

export function createGuestJwtVerifier(options: GuestJwtVerifierOptions): GuestJwtVerifier {
  const { keysUrl, issuer, audience, http, clock, onKeysRefresh } = options;

  const verifyWith = async (jwt: string, keySet: KeySet): Promise<JWTPayload> => {
    const { payload } = await jwtVerify(jwt, keySet, {
      algorithms: ['RS256'],
      issuer,
      audience,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(clock()),
    });
    return payload;
  };

  let rehearsed = false;
  const keys = createRemoteKeySet({
    upstream: 'keys',
    http,
    clock,
    url: () => keysUrl,
    ttlMs: KEY_SET_TTL_MS,
    refetchCooldownMs: UNKNOWN_KID_COOLDOWN_MS,
    select: toRsaKeySet,
    onRefresh: onKeysRefresh,
    async prepare(keySet, jwks) {
      await importKeys(keySet, jwks);
      // Once per container, rehearse a verification on a token no key signed, so jose's
      // verification path and WebCrypto's first RSA verification run with the first load (in
      // Lambda, the warm-up at init) rather than in the first visitor's request.
      if (rehearsed) return;
      rehearsed = true;
      await verifyWith(unsignedToken(jwks.keys[0]?.kid), keySet).catch(() => {});
    },
  });

  return {
    keySet: () => keys.get(),
    async verify(jwt, loading) {
      rejectMalformed(jwt);
      try {
        const payload = await keys.verify((keySet) => verifyWith(jwt, keySet), loading);
        return toVerified(payload, clock());
      } catch (error) {
        throw rejection(error);
      }
    },
  };
}

function rejectMalformed(jwt: string): void {
  if (jwt.length > MAX_JWT_LENGTH) throw new InvalidGuestTokenError('token is oversized');
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch (error) {
    throw new InvalidGuestTokenError('token header is unreadable', { cause: error });
  }
  const embedded = KEY_BEARING_HEADERS.filter((name) => name in header);
  if (embedded.length > 0) {
    throw new InvalidGuestTokenError(`token header names its own key (${embedded.join(', ')})`);
  }
}

/** A well-formed RS256 token whose signature is all zeros: no key verifies it. */
function unsignedToken(kid: string | undefined): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signature = Buffer.alloc(256).toString('base64url');
  return `${part({ alg: 'RS256', ...(kid && { kid }) })}.${part({})}.${signature}`;
}

function toVerified(payload: JWTPayload, now: number): VerifiedGuestToken {
  const exp = payload.exp as number; // required by jwtVerify above
  if (exp * 1000 <= now) throw new InvalidGuestTokenError('token has expired');
  const webchat = payload.webchat as { guestId?: unknown } | undefined;
  const guestId = webchat?.guestId;
  if (typeof guestId !== 'string' || guestId.length === 0 || guestId.length > 256) {
    throw new InvalidGuestTokenError('token has no webchat.guestId claim');
  }
  return { guestId, expiresAt: exp };
}

function rejection(error: unknown): Error {
  if (error instanceof UpstreamUnavailableError || error instanceof InvalidGuestTokenError)
    return error;
  const code = error instanceof errors.JOSEError ? error.code : 'ERR_UNEXPECTED';
  return new InvalidGuestTokenError(code, { cause: error });
}

/** Accepts `{keys:[…]}` or a single JWK; keeps the RSA signing keys only. */
function toRsaKeySet(json: unknown): JSONWebKeySet {
  const candidates: unknown[] =
    typeof json === 'object' && json !== null && Array.isArray((json as { keys?: unknown }).keys)
      ? (json as { keys: unknown[] }).keys
      : [json];
  const keys = candidates.filter(
    (key): key is JWK =>
      typeof key === 'object' &&
      key !== null &&
      (key as JWK).kty === 'RSA' &&
      typeof (key as JWK).n === 'string' &&
      typeof (key as JWK).e === 'string' &&
      ((key as JWK).use === undefined || (key as JWK).use === 'sig'),
  );
  if (keys.length === 0)
    throw new UpstreamUnavailableError('keys', 'key set holds no RSA signing key');
  return { keys };
}
