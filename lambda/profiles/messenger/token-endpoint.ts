// POST /oauth/token: Genesys redeems a code (RFC 6749 §4.1.3: claimed once, then expiry, redirect
// URI and PKCE must match, or it is spent; a replay revokes what it bought, §4.1.2) or a refresh
// token (§6: used once and rotated, with a 30 s grace for a lost answer); either way, after client
// authentication and with nothing touched for a malformed request.

import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ClientCredentials } from '../../platform/credentials';
import { UpstreamUnavailableError } from '../../platform/errors';
import { NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import type { RedeemedVisitor } from './audit';
import {
  type ClientAuthEvents,
  type ClientAuthMethod,
  createClientAuthentication,
  equalText,
  required,
} from './client-auth';
import { hashCode, newClaim } from './code-store';
import { OAuthError } from './oauth-errors';
import type { Provider } from './provider';
import { createRefreshTokens, type FamilyStart } from './refresh-tokens';
import type { RefreshRecord } from './session-store';
import { issueTokens, SCOPES_SUPPORTED } from './tokens';

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type Grant = 'authorization_code' | 'refresh_token';

export interface Redemption {
  result: PipelineResult;
  visitor: RedeemedVisitor;
  method: ClientAuthMethod;
  grant: Grant;
}

/** invalid_grant for a refresh token presented again past the grace: its family is revoked. */
export class RefreshTokenReuseError extends OAuthError {
  override readonly name = 'RefreshTokenReuseError';
  constructor(readonly visitor: RedeemedVisitor) {
    super('invalid_grant', 'The refresh token is invalid or expired');
  }
}

/** The token endpoint and the revocation endpoint, sharing client authentication and the store. */
export function createTokenEndpoints(provider: Provider, events: ClientAuthEvents = {}) {
  const authenticated = createClientAuthentication(provider, events);
  const refreshTokens = createRefreshTokens({
    sessions: provider.sessions,
    clock: provider.clock,
    serviceKey: provider.serviceKey,
    lifetimeSeconds: provider.refreshTokenLifetimeSeconds,
  });

  /** The id_token and access token, signed; the refresh token is added by the caller. */
  const signTokens = (client: ClientCredentials, family: FamilyStart & { nonce?: string }) =>
    issueTokens(family, {
      issuer: provider.issuer,
      client,
      serviceKey: provider.serviceKey,
      signer: provider.signer,
      accessTokenLifetimeSeconds: provider.accessTokenLifetimeSeconds,
      now: provider.clock(),
    });
  const answer = (tokens: Awaited<ReturnType<typeof signTokens>>, refreshToken: string) => ({
    statusCode: 200,
    headers: { ...NO_STORE_HEADERS },
    body: JSON.stringify({ ...tokens, refresh_token: refreshToken }),
  });

  const redeemCode = async (form: URLSearchParams, client: ClientCredentials) => {
    const code = required(form, 'code');
    const redirectUri = required(form, 'redirect_uri');
    const verifier = required(form, 'code_verifier');
    if (!CODE_VERIFIER.test(verifier)) {
      throw new OAuthError('invalid_request', 'code_verifier must be 43–128 unreserved characters');
    }
    const claim = newClaim();
    const outcome = await provider.codes.claim(hashCode(code), claim);
    if (outcome && 'replayed' in outcome)
      await refreshTokens.revokeFamily(outcome.replayed.familyId);
    if (!outcome || 'replayed' in outcome)
      throw new OAuthError('invalid_grant', 'The code is invalid, expired or already used');
    const record = outcome.claimed;
    if (record.expiresAt <= provider.clock())
      throw new OAuthError('invalid_grant', 'The code has expired');
    if (record.redirectUri !== redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri is not the one the code was issued for');
    }
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!equalText(challenge, record.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
    }
    try {
      // The refresh token's write and the signing need nothing of each other: one round trip,
      // not two. Neither answer leaves here unless both succeed.
      const [refreshToken, tokens] = await Promise.all([
        refreshTokens.start(client, claim.familyId, record),
        signTokens(client, record),
      ]);
      return { record, result: answer(tokens, refreshToken) };
    } catch (error) {
      // The code is already claimed: say so in the log, so a failure here is never a code lost
      // without a trace. Genesys gets 503 temporarily_unavailable and Messenger asks
      // the page for a new code.
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      throw new UpstreamUnavailableError(
        error.upstream,
        `${error.detail}; the code was already taken, so it is spent`,
        error.retryAfterSeconds,
        { cause: error },
      );
    }
  };

  const refresh = async (form: URLSearchParams, client: ClientCredentials) => {
    const presented = required(form, 'refresh_token');
    const scope = form.get('scope');
    if (scope?.split(' ').some((name) => !SCOPES_SUPPORTED.includes(name)))
      throw new OAuthError('invalid_scope', 'scope may only narrow what was granted');
    // Not one of ours by its shape: no store is asked.
    if (!REFRESH_TOKEN.test(presented))
      throw new OAuthError('invalid_grant', 'The refresh token is invalid or expired');
    // A refreshed id_token: the family's sub and claims, a new iat and exp, no nonce.
    const outcome = await refreshTokens.refresh(client, presented, (family) =>
      signTokens(client, family),
    );
    if ('reuse' in outcome) throw new RefreshTokenReuseError(visitorOf(outcome.reuse));
    return { record: outcome.refreshed, result: answer(outcome.issued, outcome.token) };
  };

  async function redeem(event: APIGatewayProxyEvent): Promise<Redemption> {
    const { form, client, method } = await authenticated(event);
    const grant = required(form, 'grant_type');
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      throw new OAuthError(
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      );
    }
    const { record, result } =
      grant === 'authorization_code' ? await redeemCode(form, client) : await refresh(form, client);
    return { result, visitor: visitorOf(record), method, grant };
  }

  /**
   * POST /oauth/revoke (RFC 7009): revokes the family of one of this client's refresh tokens;
   * anything else (unknown, another client's, an access token) is answered 200 too.
   */
  async function revoke(
    event: APIGatewayProxyEvent,
  ): Promise<{ result: PipelineResult; revoked: boolean; method: ClientAuthMethod }> {
    const { form, client, method } = await authenticated(event);
    const token = required(form, 'token');
    const revoked = REFRESH_TOKEN.test(token) && (await refreshTokens.revoke(client, token));
    return {
      result: { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: '' },
      revoked,
      method,
    };
  }

  return { redeem, revoke, refreshTokens };
}

/** A guest's random `sub` is logged; a customer's never is. */
function visitorOf(record: Pick<RefreshRecord, 'claims' | 'customerOf'>): RedeemedVisitor {
  return record.customerOf ? { customerOf: record.customerOf } : { sub: record.claims.sub };
}
