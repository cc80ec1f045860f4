// The OAuth error answers: RFC 6749 §5.2 at the token endpoint, RFC 6750 §3 at /userinfo, no-store;
// an AWS failure is 503 temporarily_unavailable, anything else 500 with details only in the log.

import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
  UpstreamUnavailableError,
} from '../../platform/errors';
import {
  NO_STORE_HEADERS,
  type PipelineMiddleware,
  type PipelineRequest,
  type PipelineResult,
} from '../../steps/context';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'login_required'
  | 'invalid_token'
  | 'server_error'
  | 'temporarily_unavailable';

export const REALM = 'genesys-guest-token-proxy';

export class OAuthError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.headers = headers;
  }
}

/** 401 invalid_client, with the challenge RFC 6749 §5.2 asks for. */
export function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description, 401, {
    'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"`,
  });
}

/** 401 to a request that sent no token: the challenge alone, no error code (RFC 6750 §3.1). */
export class BearerChallenge extends OAuthError {
  override readonly name = 'BearerChallenge';
  constructor() {
    super('invalid_request', 'A Bearer access token is required', 401, {
      'WWW-Authenticate': `Bearer realm="${REALM}"`,
    });
  }
}

export function bearerChallenge(): OAuthError {
  return new BearerChallenge();
}

/** 401 with RFC 6750's Bearer challenge. */
export function invalidToken(description: string): OAuthError {
  return new OAuthError('invalid_token', description, 401, {
    'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
  });
}

export function oauthErrorResult(error: OAuthError): PipelineResult {
  return {
    statusCode: error.status,
    headers: { ...NO_STORE_HEADERS, ...error.headers },
    body:
      error instanceof BearerChallenge
        ? ''
        : JSON.stringify({ error: error.error, error_description: error.description }),
  };
}

/** What the OAuth routes do with an error; mirrors ../error-response.ts for our own shape. */
export function toOAuthError(error: Error): OAuthError {
  if (error instanceof OAuthError) return error;
  const unavailable = (headers: Record<string, string>) =>
    new OAuthError(
      'temporarily_unavailable',
      'The token service is temporarily unavailable; retry later',
      503,
      headers,
    );
  if (error instanceof UpstreamUnavailableError) return unavailable(error.headers);
  // Middy's own timeout, just before the function's: the upstreams took too long.
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return unavailable({ 'Retry-After': String(DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS) });
  }
  return new OAuthError('server_error', 'Internal error', 500);
}

export interface OAuthErrorsOptions {
  logger: Logger;
  onRefusal?: (request: PipelineRequest, error: OAuthError, cause: Error) => void;
}

export function oauthErrors({ logger, onRefusal }: OAuthErrorsOptions): PipelineMiddleware {
  const oauthErrorsOnError = async (request: PipelineRequest): Promise<void> => {
    if (request.response !== undefined || !request.error) return;
    const answer = toOAuthError(request.error);
    if (answer.error === 'server_error') logger.error('Unhandled error', { error: request.error });
    onRefusal?.(request, answer, request.error);
    request.response = oauthErrorResult(answer);
  };
  return { onError: oauthErrorsOnError };
}
