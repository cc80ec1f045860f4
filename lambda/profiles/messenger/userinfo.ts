// Messenger profile: GET or POST /userinfo (OpenID Connect Core §5.3) with an access token
// from our token endpoint as a Bearer token (RFC 6750 §2.1): the same claims as the id_token.

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { header, NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import { invalidToken } from './oauth-errors';
import type { Provider } from './provider';
import { verifyAccessToken } from './tokens';

export async function userinfo(
  event: APIGatewayProxyEvent,
  provider: Provider,
): Promise<PipelineResult> {
  const [scheme, token] = (header(event, 'authorization') ?? '').trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw invalidToken('A Bearer access token is required');
  }
  const client = await provider.client.get();
  let claims: Awaited<ReturnType<typeof verifyAccessToken>>;
  try {
    claims = await verifyAccessToken(token, {
      issuer: provider.issuer,
      client,
      now: provider.clock(),
    });
  } catch {
    throw invalidToken('The access token is invalid or expired');
  }
  return { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: JSON.stringify(claims) };
}
