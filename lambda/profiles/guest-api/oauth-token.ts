// Step ⑦: a client-credentials token (RFC 6749 §4.4, HTTP Basic), reused until shortly before it
// expires, one fetch shared by concurrent callers; `invalid_client` re-reads a rotated secret once.

import * as z from 'zod/mini';
import { type CachedValue, createCachedValue } from '../../platform/cached-value';
import type { Clock } from '../../platform/clock';
import type { ClientCredentials, CredentialsProvider } from '../../platform/credentials';
import { UpstreamUnavailableError } from '../../platform/errors';
import { type UpstreamHttp, unavailableFromStatus } from '../../platform/upstream/upstream-http';

export type OAuthTokenCache = Pick<CachedValue<string>, 'get' | 'invalidate'>;

export interface OAuthTokenCacheOptions {
  tokenUrl: string;
  credentials: CredentialsProvider;
  http: UpstreamHttp;
  clock: Clock;
  /** Called once per token actually fetched (for the refresh metric). */
  onRefresh?: (latencyMs: number) => void;
}

const tokenResponse = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.number().check(z.positive()),
});

/** Five minutes, or 10% of the lifetime for tokens shorter than 50 minutes. */
export function refreshMarginMs(expiresInSeconds: number): number {
  return Math.min(5 * 60_000, expiresInSeconds * 100);
}

export function createOAuthTokenCache({
  tokenUrl,
  credentials,
  http,
  clock,
  onRefresh,
}: OAuthTokenCacheOptions): OAuthTokenCache {
  const requestToken = async (client: ClientCredentials) => {
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
    return http.send({
      upstream: 'oauth',
      url: tokenUrl,
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
  };

  return createCachedValue(async () => {
    const started = clock();
    let client = await credentials.get();
    let res = await requestToken(client);
    if (isInvalidClient(res.status, res.json)) {
      credentials.invalidate(client);
      client = await credentials.get();
      res = await requestToken(client);
    }
    if (isInvalidClient(res.status, res.json)) {
      throw new UpstreamUnavailableError('oauth', 'OAuth client rejected (invalid_client)');
    }
    if (res.status !== 200) throw unavailableFromStatus('oauth', res, clock());
    const parsed = tokenResponse.safeParse(res.json);
    if (!parsed.success)
      throw new UpstreamUnavailableError('oauth', 'token response has no usable token');
    onRefresh?.(clock() - started);
    const lifetimeMs = parsed.data.expires_in * 1000;
    return {
      value: parsed.data.access_token,
      expiresAt: started + lifetimeMs - refreshMarginMs(parsed.data.expires_in),
    };
  }, clock);
}

function isInvalidClient(status: number, json: unknown): boolean {
  return (
    (status === 400 || status === 401) &&
    typeof json === 'object' &&
    json !== null &&
    (json as { error?: unknown }).error === 'invalid_client'
  );
}
