// POST /backchannel-logout (OpenID Connect Back-Channel Logout 1.0 §2.5, the receiver): a site's
// IdP says a customer signed out. A token naming a `sid` ends the sessions begun with that site
// session; one naming only `sub`, every session of that customer. Either way the door closes
// behind it: a site sign-in from before the logout can start no new session, and no family begun
// before it refreshes. It fails closed: the sessions are ended first and the `jti` recorded after,
// so a failed write is a 503 the IdP retries, never a logout refused as seen before but not done.

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
  return async function backchannelLogout(event: APIGatewayProxyEvent): Promise<{
    result: PipelineResult;
    issuer: string;
    scope: 'customer' | 'session';
  }> {
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
    const once = hashOf(JSON.stringify([logout.issuer, logout.jti]));
    if (await sessions.seen(once)) throw new LogoutRefusedError('jti seen before', logout.issuer);
    // §2.6: with a sid, that session; with only a sub, all of the customer's.
    const scope =
      logout.siteSession !== undefined
        ? { siteSession: logout.siteSession }
        : { subjectHash: hashOf(logout.subject as string) };
    await refreshTokens.signOut(scope, logout.issuedAt);
    // Recorded only now: had the sign-out failed, the IdP's retry must still be taken.
    await sessions.remember(once, logout.replayableUntil);
    return {
      result: { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: '' },
      issuer: logout.issuer,
      scope: 'siteSession' in scope ? 'session' : 'customer',
    };
  };
}
