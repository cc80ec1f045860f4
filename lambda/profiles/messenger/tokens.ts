// What a redeemed code buys: an RS256 id_token Genesys verifies against our JWKS (never an
// unverified email or phone), and an access token for /userinfo only, HS256 under a key only this
// service holds (service-keys.ts), so every container can check it without a store or a second
// KMS call, and nobody else, Genesys included, can make one.

import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { ClientCredentials } from '../../platform/credentials';
import type { IdentityClaims } from '../../steps/site-identity/customer-claims';
import { type ServiceKey, serviceKey } from './service-keys';
import { type Signer, signJwt } from './signer';

/** Short: Genesys reads it once, at the exchange; the access token is what lasts. */
export const ID_TOKEN_LIFETIME_SECONDS = 300;
/** What an access token is for; `offline_access` is what a refresh token carries on. */
export const SCOPE = 'openid profile';
export const SCOPES_SUPPORTED: readonly string[] = ['openid', 'profile', 'offline_access'];
/** What the id_token, the access token and /userinfo may say of the visitor. */
export const IDENTITY_CLAIM_NAMES = [
  'sub',
  'name',
  'given_name',
  'family_name',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
] as const satisfies readonly (keyof IdentityClaims)[];
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface IssuedTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token: string;
  scope: string;
}

export interface TokenContext {
  issuer: string;
  client: ClientCredentials;
  serviceKey: ServiceKey;
  signer: Signer;
  /** Epoch milliseconds. */
  now: number;
  accessTokenLifetimeSeconds: number;
}

/** Whom the tokens are for: a code's claims and sign-in (and its nonce), or a refresh's. */
export interface TokenSubject {
  claims: IdentityClaims;
  /** Epoch seconds: the original sign-in. */
  authTime: number;
  /** The code's nonce; a refreshed id_token has none. */
  nonce?: string;
}

export async function issueTokens(
  record: TokenSubject,
  { issuer, client, serviceKey: key, signer, now, accessTokenLifetimeSeconds }: TokenContext,
): Promise<IssuedTokens> {
  const iat = Math.floor(now / 1000);
  const idToken = await signJwt(signer, {
    iss: issuer,
    ...record.claims,
    aud: client.clientId,
    iat,
    exp: iat + ID_TOKEN_LIFETIME_SECONDS,
    auth_time: record.authTime,
    ...(record.nonce !== undefined && { nonce: record.nonce }),
  });
  const accessToken = await new SignJWT({
    ...record.claims,
    client_id: client.clientId,
    scope: SCOPE,
  })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
    .setIssuer(issuer)
    .setAudience(userinfoAudience(issuer))
    .setIssuedAt(iat)
    .setExpirationTime(iat + accessTokenLifetimeSeconds)
    .setJti(randomBytes(16).toString('base64url'))
    .sign(await serviceKey(key, 'userinfo access token'));
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: accessTokenLifetimeSeconds,
    id_token: idToken,
    scope: SCOPE,
  };
}

/** The visitor's claims from an access token we issued; throws on anything else. */
export async function verifyAccessToken(
  token: string,
  { issuer, serviceKey: key, now }: Pick<TokenContext, 'issuer' | 'serviceKey' | 'now'>,
): Promise<IdentityClaims> {
  const { payload } = await jwtVerify(token, await serviceKey(key, 'userinfo access token'), {
    algorithms: ['HS256'],
    typ: ACCESS_TOKEN_TYPE,
    issuer,
    audience: userinfoAudience(issuer),
    requiredClaims: ['exp', 'sub'],
    currentDate: new Date(now),
  });
  if (typeof payload.sub !== 'string') throw new Error('access token without a subject');
  return Object.fromEntries(
    IDENTITY_CLAIM_NAMES.filter((name) => payload[name] !== undefined).map((name) => [
      name,
      payload[name],
    ]),
  ) as unknown as IdentityClaims;
}

function userinfoAudience(issuer: string): string {
  return `${issuer}/userinfo`;
}
