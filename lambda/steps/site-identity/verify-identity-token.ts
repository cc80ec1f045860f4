// Is this the site's own sign-in? `iss` picks the trusted issuer before any key is fetched; jose
// checks it with that issuer's keys only, its algorithms, aud/azp, times with 60 s skew and the
// sign-in's age. Any failure is the one 401, its reason only in the log.

import { createHash } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import type { Clock } from '../../platform/clock';
import { IdentityTokenInvalidError, UpstreamUnavailableError } from '../../platform/errors';
import type { RemoteKeySet } from '../../platform/key-set';
import { customerClaims, type IdentityClaims, isGuestSub } from './customer-claims';
import type { IdentityIssuer } from './settings';

export const CLOCK_SKEW_SECONDS = 60;
/** Header parameters that would let a token name its own key (RFC 7515 §4.1.2–4.1.6). */
export const KEY_BEARING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
const MAX_SUBJECT = 255;

export interface VerifiedCustomer {
  /** The trusted issuer entry the token matched (for the audit; not personal). */
  issuer: string;
  claims: IdentityClaims;
  /** Epoch seconds: the sign-in at the site (the token's `auth_time`, else its `iat`). */
  signedInAt: number;
  /** The site session the token belongs to (siteSessionKey of its `sid`), when it names one. */
  siteSession?: string;
}

/**
 * The key a site session is known by here: a hash of issuer and `sid`, so the raw `sid` is never
 * stored or logged, and two issuers' sessions never meet.
 */
export function siteSessionKey(issuer: string, sid: string): string {
  return createHash('sha256')
    .update(JSON.stringify([issuer, sid]))
    .digest('base64url');
}

/** A logout token (OpenID Connect Back-Channel Logout §2.4) is never an identity token. */
export function isLogoutToken(header: ProtectedHeaderParameters, payload: JWTPayload): boolean {
  return header.typ?.toLowerCase() === 'logout+jwt' || payload.events !== undefined;
}

export interface IdentityTokenVerifier {
  verify(token: string): Promise<VerifiedCustomer>;
}

export interface IdentityTokenVerifierOptions {
  issuers: ReadonlyArray<{ config: IdentityIssuer; keys: RemoteKeySet }>;
  clock: Clock;
  /** The pairwise-subject key (read once, on first use). */
  subjectKey: () => Promise<Uint8Array>;
}

export function createIdentityTokenVerifier({
  issuers,
  clock,
  subjectKey,
}: IdentityTokenVerifierOptions): IdentityTokenVerifier {
  // Built once per container: each issuer's keys and the options jose checks it with.
  const byIssuer = new Map(
    issuers.map(({ config, keys }) => [
      config.issuer,
      {
        config,
        keys,
        options: {
          issuer: config.issuer,
          audience: [...config.audience],
          algorithms: [...config.algorithms],
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: CLOCK_SKEW_SECONDS,
        },
      },
    ]),
  );

  return {
    async verify(token) {
      const { header, payload: unverified } = readUnverified(token);
      const entry = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
      if (!entry) throw new IdentityTokenInvalidError('issuer');
      const { config, keys, options } = entry;
      const refuse = (reason: string, cause?: unknown) =>
        new IdentityTokenInvalidError(reason, config.issuer, { cause });
      const embedded = KEY_BEARING_HEADERS.filter((name) => name in header);
      if (embedded.length > 0) throw refuse(`key in header (${embedded.join(', ')})`);
      if (header.crit !== undefined) throw refuse('crit header');
      if (!(config.algorithms as readonly string[]).includes(header.alg ?? '')) {
        throw refuse('algorithm');
      }
      if (isLogoutToken(header, unverified)) throw refuse('a logout token');

      let payload: JWTPayload;
      try {
        const verified = await keys.verify((keySet) =>
          jwtVerify(token, keySet, { ...options, currentDate: new Date(clock()) }),
        );
        payload = verified.payload;
      } catch (error) {
        if (error instanceof UpstreamUnavailableError) throw error;
        throw refuse(reasonOf(error), error);
      }

      const now = clock() / 1000;
      const iat = payload.iat as number;
      if (iat > now + CLOCK_SKEW_SECONDS) throw refuse('issued in the future');
      const signedInAt = typeof payload.auth_time === 'number' ? payload.auth_time : iat;
      if (now - signedInAt > config.maxAgeSeconds + CLOCK_SKEW_SECONDS) throw refuse('too old');
      // OpenID Connect Core 3.1.3.7: a token for several audiences names the one it was for.
      if (
        Array.isArray(payload.aud) &&
        payload.aud.length > 1 &&
        !config.audience.includes(payload.azp as string)
      ) {
        throw refuse('authorized party');
      }
      const sub = payload.sub as string;
      if (sub.length === 0 || sub.length > MAX_SUBJECT) throw refuse('subject');
      // A site `sub` passed on as it is must never take a guest's reserved form.
      if (config.subject === 'site' && isGuestSub(sub)) throw refuse('subject in the guest form');
      const sid =
        typeof payload.sid === 'string' && payload.sid.length > 0 ? payload.sid : undefined;
      return {
        issuer: config.issuer,
        claims: await customerClaims(payload, config, subjectKey),
        signedInAt,
        ...(sid !== undefined && { siteSession: siteSessionKey(config.issuer, sid) }),
      };
    },
  };
}

export function readUnverified(token: string): {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
} {
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch (error) {
    throw new IdentityTokenInvalidError('malformed', undefined, { cause: error });
  }
}

/** A stable, value-free reason for the log (jose's codes, named). */
export function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown key';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf') return 'not yet valid';
    return `claim ${error.claim}: ${error.reason}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JOSENotSupported) return 'unsupported';
  if (error instanceof errors.JOSEError) return error.code;
  return 'unexpected';
}
