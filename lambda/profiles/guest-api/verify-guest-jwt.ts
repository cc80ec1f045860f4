// Step ⑨: never hand out a token we cannot vouch for. The guest JWT must be RS256, signed by a
// key from Genesys's key set, with the expected iss and aud, an exp in the future and a
// webchat.guestId claim. Anything else is 502 INVALID_GUEST_TOKEN (fail closed).
// The key set (one JWK or a JWKS) is cached; an unknown `kid` re-fetches it, at most once per
// cooldown, so key rotation is picked up without letting bad tokens hammer the key endpoint.

import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { createCachedValue } from '../../platform/cached-value';
import type { Clock } from '../../platform/clock';
import { InvalidGuestTokenError, UpstreamUnavailableError } from '../../platform/errors';
import { type UpstreamHttp, unavailableFromStatus } from '../../platform/upstream/upstream-http';

export interface VerifiedGuestToken {
  guestId: string;
  /** Seconds since the epoch (the `exp` claim). */
  expiresAt: number;
}

export type KeySet = ReturnType<typeof createLocalJWKSet>;

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
  const keys = createCachedValue<KeySet>(async () => {
    const res = await http.send({ upstream: 'keys', url: keysUrl, method: 'GET' });
    if (res.status !== 200) throw unavailableFromStatus('keys', res, clock());
    const keySet = toRsaKeySet(res.json);
    onKeysRefresh?.();
    const local = createLocalJWKSet(keySet);
    // jose imports a key on its first use; import them now, while loading (at init, too).
    await Promise.allSettled(
      keySet.keys.map((key) => local({ alg: 'RS256', ...(key.kid && { kid: key.kid }) })),
    );
    // Once per container, rehearse a verification on a token no key signed, so jose's
    // verification path and WebCrypto's first RSA verification run with the first load (in
    // Lambda, the warm-up at init) rather than in the first visitor's request.
    if (!rehearsed) {
      rehearsed = true;
      await verifyWith(unsignedToken(keySet.keys[0]?.kid), local).catch(() => {});
    }
    return { value: local, expiresAt: clock() + KEY_SET_TTL_MS };
  }, clock);

  return {
    keySet: () => keys.get(),
    async verify(jwt, loading = keys.get()) {
      rejectMalformed(jwt);
      let keySet = await loading;
      let payload: JWTPayload;
      try {
        payload = await verifyWith(jwt, keySet);
      } catch (error) {
        const loadedAt = keys.loadedAt() ?? 0;
        const mayRefetch = clock() - loadedAt >= UNKNOWN_KID_COOLDOWN_MS;
        if (!(error instanceof errors.JWKSNoMatchingKey) || !mayRefetch) throw rejection(error);
        keys.invalidate(keySet);
        keySet = await keys.get();
        try {
          payload = await verifyWith(jwt, keySet);
        } catch (retryError) {
          throw rejection(retryError);
        }
      }
      return toVerified(payload, clock());
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
  if (error instanceof UpstreamUnavailableError) return error;
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
