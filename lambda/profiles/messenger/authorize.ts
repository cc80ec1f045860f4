// GET /authorize (RFC 6749 §4.1.1) for relying parties that redirect: a bad client id or redirect
// URI is a 400 page, never a redirect to an unchecked URI (§4.1.2.1); PKCE S256 and a nonce required.

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { isBotUserAgent, type TokenBucket } from '../../steps/abuse-guard';
import { header, type PipelineResult, sourceIp } from '../../steps/context';
import { DEFAULT_GUEST_NAME } from '../../steps/validate-request';
import { CODE_CHALLENGE, NONCE } from './code-request';
import { issueCode } from './issue-code';
import type { OAuthErrorCode } from './oauth-errors';
import type { Provider } from './provider';

/** The request parameters /authorize reads (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1, RFC 7636). */
export const AUTHORIZE_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
] as const;

export interface AuthorizeOptions {
  provider: Provider;
  bucket: TokenBucket;
  botUserAgentPatterns: readonly string[];
  /** SITE_IDENTITY_REQUIRED: no anonymous code by redirect. */
  identityRequired?: boolean;
}

export interface AuthorizeOutcome {
  result: PipelineResult;
  /** For the audit: the guest when a code was issued, the error otherwise. */
  sub?: string;
  error?: OAuthErrorCode | 'invalid_client' | 'invalid_redirect_uri';
}

export async function authorize(
  event: APIGatewayProxyEvent,
  { provider, bucket, botUserAgentPatterns, identityRequired = false }: AuthorizeOptions,
): Promise<AuthorizeOutcome> {
  const repeated = AUTHORIZE_PARAMETERS.filter(
    (name) => (event.multiValueQueryStringParameters?.[name]?.length ?? 0) > 1,
  );
  const q = event.queryStringParameters ?? {};
  const client = await provider.client.get();
  if (repeated.includes('client_id') || q.client_id !== client.clientId) {
    return {
      result: page('The client is not registered with this provider.'),
      error: 'invalid_client',
    };
  }
  const redirectUri = q.redirect_uri;
  if (
    repeated.includes('redirect_uri') ||
    !redirectUri ||
    !provider.redirectUris.includes(redirectUri)
  ) {
    return {
      result: page('The redirect URI is not registered for this client.'),
      error: 'invalid_redirect_uri',
    };
  }
  const back = (params: Record<string, string>): PipelineResult => {
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries({
      ...params,
      ...(q.state && { state: q.state }),
      iss: provider.issuer,
    }))
      target.searchParams.set(name, value);
    return {
      statusCode: 302,
      headers: {
        Location: target.toString(),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      },
      body: '',
    };
  };
  const refuse = (error: OAuthErrorCode, description: string): AuthorizeOutcome => ({
    result: back({ error, error_description: description }),
    error,
  });

  if (isBotUserAgent(header(event, 'user-agent'), botUserAgentPatterns))
    return refuse('access_denied', 'Automated clients may not sign in as guests');
  if (bucket.take(sourceIp(event)) > 0)
    return refuse('temporarily_unavailable', 'Too many requests from this client; retry later');
  if (repeated.length > 0) return refuse('invalid_request', `${repeated[0]} is repeated`);
  if (q.response_type !== 'code')
    return refuse('unsupported_response_type', 'response_type must be code');
  if (!(q.scope ?? '').split(' ').includes('openid'))
    return refuse('invalid_scope', 'scope must include openid');
  if (!q.nonce || !NONCE.test(q.nonce))
    return refuse('invalid_request', 'nonce is required: 16–128 of A–Z a–z 0–9 _ -');
  if (q.code_challenge_method !== 'S256')
    return refuse('invalid_request', 'code_challenge_method must be S256');
  if (!q.code_challenge || !CODE_CHALLENGE.test(q.code_challenge))
    return refuse(
      'invalid_request',
      'code_challenge must be the base64url SHA-256 of the verifier',
    );

  // A redirect carries no identity token: where only signed-in customers are served, the
  // page must use POST /guest-token (OpenID Connect Core 3.1.2.6).
  if (identityRequired)
    return refuse(
      'login_required',
      'Sign in on the site first; this service serves customers only',
    );

  const issued = await issueCode(
    provider,
    { nonce: q.nonce, codeChallenge: q.code_challenge, redirectUri },
    { guestName: DEFAULT_GUEST_NAME },
  );
  return { result: back({ code: issued.authCode }), sub: issued.sub };
}

/** A refusal the browser shows rather than follows. */
function page(message: string): PipelineResult {
  return {
    statusCode: 400,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
    },
    body: `<!doctype html><meta charset="utf-8"><title>Sign-in refused</title><p>${message}</p>`,
  };
}
