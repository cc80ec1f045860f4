// Messenger profile: GET or POST /userinfo (OpenID Connect Core §5.3) with an access token
// from our token endpoint as a Bearer token (RFC 6750 §2.1): the same claims as the id_token.

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UpstreamUnavailableError } from '../../platform/errors';
import { header, NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import { bearerChallenge, invalidToken } from './oauth-errors';
import type { Provider } from './provider';
import { verifyAccessToken } from './tokens';

export async function userinfo(
  event: APIGatewayProxyEvent,
  provider: Provider,
): Promise<PipelineResult> {
  const [scheme, token] = (header(event, 'authorization') ?? '').trim().split(/\s+/, 2);
  // RFC 6750 §3.1: a request without credentials gets the challenge and no error code.
  if (scheme?.toLowerCase() !== 'bearer' || !token) throw bearerChallenge();
  let claims: Awaited<ReturnType<typeof verifyAccessToken>>;
  try {
    claims = await verifyAccessToken(token, {
      issuer: provider.issuer,
      serviceKey: provider.serviceKey,
      now: provider.clock(),
    });
  } catch (error) {
    // The service key could not be read: 503, not the token's fault.
    if (error instanceof UpstreamUnavailableError) throw error;
    throw invalidToken('The access token is invalid or expired');
  }
  return { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: JSON.stringify(claims) };
}
