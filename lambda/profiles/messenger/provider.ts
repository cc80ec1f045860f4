// Messenger profile: what every endpoint of our OpenID provider shares, and where each lives
// under the issuer (OpenID Connect Discovery 1.0 §4: the document is at the issuer's path +
// /.well-known/openid-configuration).

import type { Clock } from '../../platform/clock';
import type { CredentialsProvider } from '../../platform/credentials';
import type { CodeStore } from './code-store';
import type { ServiceKey } from './service-keys';
import type { SessionStore } from './session-store';
import type { Signer } from './signer';

export const OIDC_PATHS = {
  codeRequest: '/guest-token',
  authorize: '/authorize',
  token: '/oauth/token',
  revoke: '/oauth/revoke',
  backchannelLogout: '/backchannel-logout',
  userinfo: '/userinfo',
  discovery: '/.well-known/openid-configuration',
  jwks: '/.well-known/jwks.json',
} as const;

/**
 * What Genesys (and a site's IdP, for logouts) calls, apart from what a visitor's browser calls:
 * the stack serves them from their own function and keeps them out of the WAF's anonymous-IP and
 * IP-reputation rules (Genesys Cloud runs on AWS, whose addresses those lists name).
 */
export const GENESYS_FACING_PATHS: readonly string[] = [
  OIDC_PATHS.token,
  OIDC_PATHS.revoke,
  OIDC_PATHS.userinfo,
  OIDC_PATHS.backchannelLogout,
  OIDC_PATHS.discovery,
  OIDC_PATHS.jwks,
];

export interface Provider {
  /** Public issuer URL, no trailing slash; every endpoint is under it. */
  issuer: string;
  /** Exact redirect URIs a code may be bound to; the first is the default. */
  redirectUris: readonly string[];
  /** Our OIDC client (the one Genesys's integration holds). */
  client: CredentialsProvider;
  /** The key only this service holds (service-keys.ts): guest sessions, access tokens, successors. */
  serviceKey: ServiceKey;
  signer: Signer;
  codes: CodeStore;
  /** Refresh-token families and their revocations. */
  sessions: SessionStore;
  clock: Clock;
  /** Seconds an access token lives (OIDC_ACCESS_TOKEN_LIFETIME_SECONDS). */
  accessTokenLifetimeSeconds: number;
  /** Seconds a refresh-token family lives at most (OIDC_REFRESH_TOKEN_LIFETIME_SECONDS). */
  refreshTokenLifetimeSeconds: number;
}
