// Known customers: a trusted issuer's signing keys, through the one key-set cache
// (lambda/platform/key-set.ts): 10 minutes, an unknown `kid` refetched at most once a minute.

import type { JSONWebKeySet, JWK } from 'jose';
import type { Clock } from '../../platform/clock';
import { UpstreamUnavailableError } from '../../platform/errors';
import { createRemoteKeySet, fetchJson, type RemoteKeySet } from '../../platform/key-set';
import type { UpstreamHttp } from '../../platform/upstream/upstream-http';
import { isAllowedUpstreamUrl } from '../../platform/upstream/upstream-url';
import type { IdentityIssuer } from './settings';

export const KEY_SET_TTL_MS = 10 * 60_000;
export const UNKNOWN_KID_REFETCH_MS = 60_000;
/** A discovery document or key set that is not there within this is a 503, not a hang. */
export const KEY_FETCH_BUDGET_MS = 3_000;

export interface IssuerKeysOptions {
  issuer: IdentityIssuer;
  http: UpstreamHttp;
  clock: Clock;
  /** Called once per key set actually fetched (for the metric). */
  onRefresh?: () => void;
}

/** A trusted issuer's key set: its `jwksUri`, or its discovery document's `jwks_uri`. */
export function createIssuerKeys({
  issuer,
  http,
  clock,
  onRefresh,
}: IssuerKeysOptions): RemoteKeySet {
  let jwksUri = issuer.jwksUri;
  return createRemoteKeySet({
    upstream: 'identity',
    http,
    clock,
    async url() {
      jwksUri ??= await discoverJwksUri(issuer.issuer, (url) =>
        fetchJson(http, 'identity', url, clock, KEY_FETCH_BUDGET_MS),
      );
      return jwksUri;
    },
    ttlMs: KEY_SET_TTL_MS,
    refetchCooldownMs: UNKNOWN_KID_REFETCH_MS,
    budgetMs: KEY_FETCH_BUDGET_MS,
    select: toSigningKeys,
    onRefresh,
  });
}

/** OpenID Connect Discovery 1.0 §4: the document's `issuer` must be the one we trust. */
async function discoverJwksUri(
  issuer: string,
  getJson: (url: string) => Promise<unknown>,
): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const document = (await getJson(url)) as { issuer?: unknown; jwks_uri?: unknown };
  if (document?.issuer !== issuer) {
    throw new UpstreamUnavailableError('identity', 'discovery document names another issuer');
  }
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string' || !isAllowedUpstreamUrl(jwksUri)) {
    throw new UpstreamUnavailableError('identity', 'discovery document has no usable jwks_uri');
  }
  return jwksUri;
}

const SIGNING_KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/** The asymmetric signing keys of a JWKS; a symmetric or encryption key is never used. */
function toSigningKeys(json: unknown): JSONWebKeySet {
  const listed = (json as { keys?: unknown })?.keys;
  if (!Array.isArray(listed)) throw new UpstreamUnavailableError('identity', 'key set has no keys');
  const keys = listed.filter(
    (key): key is JWK =>
      typeof key === 'object' &&
      key !== null &&
      SIGNING_KEY_TYPES.has((key as JWK).kty ?? '') &&
      ((key as JWK).use === undefined || (key as JWK).use === 'sig') &&
      (key as JWK).d === undefined,
  );
  if (keys.length === 0)
    throw new UpstreamUnavailableError('identity', 'key set holds no public signing key');
  return { keys };
}
