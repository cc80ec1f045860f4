// Known customers, per trusted issuer: where its signing keys come from. The key set is read
// from the configured `jwksUri`, or from the `jwks_uri` of the issuer's discovery document
// (read once per container), always through the service's own upstream HTTP: timeouts, a cap
// on the answer's size, no redirect followed, and a circuit breaker per issuer. It is cached
// for 10 minutes, and a token whose `kid` it lacks refetches it at most once a minute, so a key
// the site rotated in is picked up while a flood of made-up `kid`s costs nothing.

import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import type { IdentityIssuer } from '../../config';
import { createCachedValue } from '../../platform/cached-value';
import type { Clock } from '../../platform/clock';
import { UpstreamUnavailableError } from '../../platform/errors';
import { type UpstreamHttp, unavailableFromStatus } from '../../platform/upstream/upstream-http';
import { isAllowedUpstreamUrl } from '../../platform/upstream/upstream-url';

export const KEY_SET_TTL_MS = 10 * 60_000;
export const UNKNOWN_KID_REFETCH_MS = 60_000;
/** A discovery document or key set that is not there within this is a 503, not a hang. */
export const KEY_FETCH_BUDGET_MS = 3_000;

export type KeySet = ReturnType<typeof createLocalJWKSet>;

export interface IssuerKeys {
  /** The cached key set, or the one load in flight. */
  get(): Promise<KeySet>;
  /**
   * A fresh key set after a token named a `kid` that `stale` lacks, or undefined when the last
   * fetch was less than a minute ago.
   */
  refetch(stale: KeySet): Promise<KeySet | undefined>;
}

export interface IssuerKeysOptions {
  issuer: IdentityIssuer;
  http: UpstreamHttp;
  clock: Clock;
  /** Called once per key set actually fetched (for the metric). */
  onRefresh?: () => void;
}

export function createIssuerKeys({
  issuer,
  http,
  clock,
  onRefresh,
}: IssuerKeysOptions): IssuerKeys {
  let jwksUri = issuer.jwksUri;

  const getJson = async (url: string): Promise<unknown> => {
    const res = await http.send({
      upstream: 'identity',
      url,
      method: 'GET',
      deadline: clock() + KEY_FETCH_BUDGET_MS,
    });
    if (res.status !== 200) throw unavailableFromStatus('identity', res, clock());
    if (res.json === undefined)
      throw new UpstreamUnavailableError('identity', `${url} is not JSON`);
    return res.json;
  };

  const keys = createCachedValue<KeySet>(async () => {
    jwksUri ??= await discoverJwksUri(issuer.issuer, getJson);
    const keySet = toSigningKeys(await getJson(jwksUri));
    onRefresh?.();
    return { value: createLocalJWKSet(keySet), expiresAt: clock() + KEY_SET_TTL_MS };
  }, clock);

  return {
    get: () => keys.get(),
    async refetch(stale) {
      if (clock() - (keys.loadedAt() ?? 0) < UNKNOWN_KID_REFETCH_MS) return undefined;
      keys.invalidate(stale);
      return keys.get();
    },
  };
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
