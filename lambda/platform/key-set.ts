// The one key-set cache behind every JWT we verify: per-issuer TTL, one load in flight, an unknown
// `kid` refetched once per cooldown, fetched through upstream HTTP (cap, budget, breaker). Ours, not
// jose's createRemoteJWKSet, because that one reads Date.now() and TTL must run on the injected clock.

import { createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { createCachedValue } from './cached-value';
import type { Clock } from './clock';
import { type Upstream, UpstreamUnavailableError } from './errors';
import { type UpstreamHttp, unavailableFromStatus } from './upstream/upstream-http';

export type KeySet = ReturnType<typeof createLocalJWKSet>;

export interface RemoteKeySetOptions {
  upstream: Upstream;
  http: UpstreamHttp;
  clock: Clock;
  /** Where the key set is; asked on each load (an issuer's discovery document may say). */
  url: () => string | Promise<string>;
  ttlMs: number;
  /** An unknown `kid` refetches only this long after the last load. */
  refetchCooldownMs: number;
  /** Per fetch; unset, the upstream client's own budget. */
  budgetMs?: number;
  /** The keys this verifier may use, from the answer; throws when none is left. */
  select(json: unknown): JSONWebKeySet;
  /** After each load, with the new key set (to import keys, or rehearse, ahead of use). */
  prepare?(keySet: KeySet, jwks: JSONWebKeySet): Promise<void>;
  /** Once per key set actually fetched (for the refresh metric). */
  onRefresh?(): void;
}

export interface RemoteKeySet {
  /** The cached key set, or the one load in flight. */
  get(): Promise<KeySet>;
  /**
   * Runs `use` with the key set (`loading`, if the caller started the load early). When the
   * token names a `kid` the set lacks, refetches once, cooldown permitting, and runs it again;
   * otherwise the error `use` threw is rethrown as it is.
   */
  verify<T>(use: (keySet: KeySet) => Promise<T>, loading?: Promise<KeySet>): Promise<T>;
}

export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const { upstream, http, clock, url, ttlMs, refetchCooldownMs, budgetMs, select } = options;

  const cache = createCachedValue<KeySet>(async () => {
    const jwks = select(await fetchJson(http, upstream, await url(), clock, budgetMs));
    options.onRefresh?.();
    const keySet = createLocalJWKSet(jwks);
    await options.prepare?.(keySet, jwks);
    return { value: keySet, expiresAt: clock() + ttlMs };
  }, clock);

  return {
    get: () => cache.get(),
    async verify(use, loading = cache.get()) {
      const keySet = await loading;
      try {
        return await use(keySet);
      } catch (error) {
        const coolingDown = clock() - (cache.loadedAt() ?? 0) < refetchCooldownMs;
        if (!(error instanceof errors.JWKSNoMatchingKey) || coolingDown) throw error;
        cache.invalidate(keySet);
        return use(await cache.get());
      }
    },
  };
}

/** GET a JSON document from an upstream: 200 and JSON, or UpstreamUnavailableError. */
export async function fetchJson(
  http: UpstreamHttp,
  upstream: Upstream,
  url: string,
  clock: Clock,
  budgetMs?: number,
): Promise<unknown> {
  const res = await http.send({
    upstream,
    url,
    method: 'GET',
    ...(budgetMs !== undefined && { deadline: clock() + budgetMs }),
  });
  if (res.status !== 200) throw unavailableFromStatus(upstream, res, clock());
  if (res.json === undefined) throw new UpstreamUnavailableError(upstream, `${url} is not JSON`);
  return res.json;
}

/** jose imports a key on its first use; import each now, while loading (at init, too). */
export async function importKeys(keySet: KeySet, jwks: JSONWebKeySet): Promise<void> {
  await Promise.allSettled(
    jwks.keys.map((key) =>
      keySet({ alg: key.alg ?? 'RS256', ...(key.kid !== undefined && { kid: key.kid }) }),
    ),
  );
}
