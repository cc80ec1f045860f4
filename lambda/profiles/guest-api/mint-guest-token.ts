// Step ⑧: mint a guest identity with POST {api}/api/v2/webchat/guest and the OAuth bearer
// token. A 401 means the cached token died early (revoked, clock skew): drop it and mint once
// more with a fresh one. Anything else unusable is a 503; the response must carry a token.

import * as z from 'zod/mini';
import type { Clock } from '../../platform/clock';
import { InvalidGuestTokenError, UpstreamUnavailableError } from '../../platform/errors';
import { type UpstreamHttp, unavailableFromStatus } from '../../platform/upstream/upstream-http';
import type { GuestPayload } from '../../steps/context';
import type { OAuthTokenCache } from './oauth-token';

export interface GuestApi {
  /** Resolves with the guest JWT exactly as Genesys returned it (not yet verified). */
  mint(guest: GuestPayload, call?: CallLimits): Promise<string>;
}

/** The caller's abort signal and deadline (epoch ms), retries included. */
export interface CallLimits {
  signal?: AbortSignal;
  deadline?: number;
}

export interface GuestApiOptions {
  guestUrl: string;
  tokens: OAuthTokenCache;
  http: UpstreamHttp;
  clock: Clock;
}

const mintResponse = z.object({ access_token: z.string().check(z.minLength(1)) });

export function createGuestApi({ guestUrl, tokens, http, clock }: GuestApiOptions): GuestApi {
  const post = async (bearer: string, body: string, call: CallLimits) =>
    http.send({
      upstream: 'mint',
      url: guestUrl,
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body,
      ...call,
    });

  return {
    async mint(guest, call = {}) {
      const body = JSON.stringify(guest);
      let bearer = await tokens.get();
      let res = await post(bearer, body, call);
      if (res.status === 401) {
        tokens.invalidate(bearer);
        bearer = await tokens.get();
        res = await post(bearer, body, call);
      }
      if (res.status === 401) {
        throw new UpstreamUnavailableError(
          'mint',
          'Guest API rejected a freshly issued token (401)',
        );
      }
      if (res.status < 200 || res.status > 299) throw unavailableFromStatus('mint', res, clock());
      const parsed = mintResponse.safeParse(res.json);
      if (!parsed.success)
        throw new InvalidGuestTokenError('mint response carries no access_token');
      return parsed.data.access_token;
    },
  };
}
