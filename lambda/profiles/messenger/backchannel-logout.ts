// POST /backchannel-logout (OpenID Connect Back-Channel Logout 1.0 §2.5, the receiver): a site's
// IdP says a customer signed out, and every refresh-token family of that customer ends here,
// so a shared computer's next user cannot resume the last customer's Messenger session.

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import {
  LogoutTokenInvalidError,
  type LogoutTokenVerifier,
} from '../../steps/site-identity/verify-logout-token';
import { readForm, required } from './client-auth';
import { OAuthError } from './oauth-errors';
import type { RefreshTokens } from './refresh-tokens';
import { hashOf, type SessionStore } from './session-store';

/** 400 invalid_request (§2.8), with the reason for the log only. */
export class LogoutRefusedError extends OAuthError {
  override readonly name = 'LogoutRefusedError';
  constructor(
    readonly reason: string,
    readonly issuer: string | undefined,
  ) {
    super('invalid_request', 'The logout token was not accepted', 400);
  }
}

export interface BackchannelLogoutOptions {
  verify: LogoutTokenVerifier | undefined;
  sessions: SessionStore;
  refreshTokens: RefreshTokens;
}

export function createBackchannelLogout({
  verify,
  sessions,
  refreshTokens,
}: BackchannelLogoutOptions) {
  return async function backchannelLogout(
    event: APIGatewayProxyEvent,
  ): Promise<{ result: PipelineResult; issuer: string; revoked: boolean }> {
    const token = required(readForm(event), 'logout_token');
    if (!verify)
      throw new LogoutRefusedError('no trusted issuer has back-channel logout on', undefined);
    let logout: Awaited<ReturnType<LogoutTokenVerifier>>;
    try {
      logout = await verify(token);
    } catch (error) {
      if (!(error instanceof LogoutTokenInvalidError)) throw error;
      throw new LogoutRefusedError(error.reason, error.issuer);
    }
    const fresh = await sessions.rememberOnce(
      hashOf(JSON.stringify([logout.issuer, logout.jti])),
      logout.replayableUntil,
    );
    if (!fresh) throw new LogoutRefusedError('jti seen before', logout.issuer);
    if (logout.subject !== undefined) await refreshTokens.revokeSubject(logout.subject);
    return {
      result: { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: '' },
      issuer: logout.issuer,
      revoked: logout.subject !== undefined,
    };
  };
}
