// A site's sign-out (OpenID Connect Back-Channel Logout 1.0 §2.6): its logout token is checked
// with the same issuers' keys as its id_tokens (iss with back-channel logout on, aud, algorithm,
// iat within the skew, the logout event, a sub or sid, no nonce, a jti) and names the customer
// as Genesys knows them (the pairwise subject). Whether the jti was seen before is the caller's.

import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from '../../platform/clock';
import type { RemoteKeySet } from '../../platform/key-set';
import { pairwiseSubject } from './customer-claims';
import type { IdentityIssuer } from './settings';
import {
  CLOCK_SKEW_SECONDS,
  KEY_BEARING_HEADERS,
  readUnverified,
  reasonOf,
  siteSessionKey,
} from './verify-identity-token';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_ID = 255;

/** Why a logout token was refused: for the log only, never with the token. */
export class LogoutTokenInvalidError extends Error {
  override readonly name = 'LogoutTokenInvalidError';
  constructor(
    readonly reason: string,
    readonly issuer?: string,
    options?: ErrorOptions,
  ) {
    super(`logout token refused: ${reason}`, options);
  }
}

export interface VerifiedLogout {
  issuer: string;
  /** The customer as Genesys knows them; undefined when the token names only a session. */
  subject: string | undefined;
  /** The site session it ends (siteSessionKey of its `sid`); undefined: every session of `subject`. */
  siteSession: string | undefined;
  /** Epoch seconds, the site's clock: the logout's `iat`. */
  issuedAt: number;
  /** Unique per issuer: the caller refuses one seen before. */
  jti: string;
  /** Epoch ms until which a replay of this token could still verify. */
  replayableUntil: number;
}

export interface LogoutTokenVerifierOptions {
  issuers: ReadonlyArray<{ config: IdentityIssuer; keys: RemoteKeySet }>;
  clock: Clock;
  subjectKey: () => Promise<Uint8Array>;
}

export function createLogoutTokenVerifier({
  issuers,
  clock,
  subjectKey,
}: LogoutTokenVerifierOptions) {
  const byIssuer = new Map(
    issuers
      .filter(({ config }) => config.backchannelLogout)
      .map((entry) => [entry.config.issuer, entry]),
  );

  return async function verifyLogoutToken(token: string): Promise<VerifiedLogout> {
    let header: ReturnType<typeof readUnverified>['header'];
    let unverified: JWTPayload;
    try {
      ({ header, payload: unverified } = readUnverified(token));
    } catch (error) {
      throw new LogoutTokenInvalidError('malformed', undefined, { cause: error });
    }
    const entry = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
    if (!entry) throw new LogoutTokenInvalidError('issuer');
    const { config, keys } = entry;
    const refuse = (reason: string, cause?: unknown) =>
      new LogoutTokenInvalidError(reason, config.issuer, { cause });
    const embedded = KEY_BEARING_HEADERS.filter((name) => name in header);
    if (embedded.length > 0) throw refuse(`key in header (${embedded.join(', ')})`);
    if (header.crit !== undefined) throw refuse('crit header');
    if (!(config.algorithms as readonly string[]).includes(header.alg ?? ''))
      throw refuse('algorithm');

    let payload: JWTPayload;
    try {
      ({ payload } = await keys.verify((keySet) =>
        jwtVerify(token, keySet, {
          issuer: config.issuer,
          audience: [...config.audience],
          algorithms: [...config.algorithms],
          requiredClaims: ['iat', 'jti', 'events'],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: new Date(clock()),
        }),
      ));
    } catch (error) {
      if (!(error instanceof errors.JOSEError)) throw error; // the key set could not be read
      throw refuse(reasonOf(error), error);
    }

    const now = clock() / 1000;
    const iat = payload.iat as number;
    if (Math.abs(now - iat) > CLOCK_SKEW_SECONDS) throw refuse('iat outside the skew');
    const events = payload.events as Record<string, unknown> | undefined;
    const event =
      events && typeof events === 'object' ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (typeof event !== 'object' || event === null) throw refuse('no logout event');
    if ('nonce' in payload) throw refuse('nonce');
    const sub = idOf(payload.sub);
    const sid = idOf(payload.sid);
    if (sub === undefined && sid === undefined) throw refuse('neither sub nor sid');
    const jti = idOf(payload.jti);
    if (jti === undefined) throw refuse('jti');
    const subject =
      sub === undefined
        ? undefined
        : config.subject === 'site'
          ? sub
          : pairwiseSubject(await subjectKey(), config.issuer, sub);
    // Past iat + skew the token no longer verifies, so its jti need not be kept longer.
    return {
      issuer: config.issuer,
      subject,
      siteSession: sid === undefined ? undefined : siteSessionKey(config.issuer, sid),
      issuedAt: iat,
      jti,
      replayableUntil: (iat + CLOCK_SKEW_SECONDS) * 1000,
    };
  };
}

export type LogoutTokenVerifier = ReturnType<typeof createLogoutTokenVerifier>;

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID
    ? value
    : undefined;
}
