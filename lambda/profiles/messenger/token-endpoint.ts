// POST /oauth/token (RFC 6749 §4.1.3): client_secret_basic or _post, never both, compared in constant
// time; a malformed request never touches the code; the code is taken once, then expiry, redirect
// URI and PKCE (RFC 7636 §4.6) must match, or it is spent and the answer is invalid_grant.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ClientCredentials } from '../../platform/credentials';
import { UpstreamUnavailableError } from '../../platform/errors';
import { header, NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import type { RedeemedVisitor } from './audit';
import { hashCode } from './code-store';
import { invalidClient, OAuthError } from './oauth-errors';
import type { Provider } from './provider';
import { issueTokens } from './tokens';

const MAX_BODY_BYTES = 8 * 1024;
/** RFC 7636 §4.1: 43–128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** How often a wrong secret may make us re-read ours (in case it was rotated). */
const REREAD_COOLDOWN_MS = 60_000;

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface Redemption {
  result: PipelineResult;
  visitor: RedeemedVisitor;
  method: ClientAuthMethod;
}

export function createTokenEndpoint(provider: Provider) {
  let lastReread = Number.NEGATIVE_INFINITY;

  /** Checks the presented secret; on a mismatch, re-reads ours at most once a minute. */
  const authenticate = async (presented: ClientCredentials): Promise<void> => {
    let ours = await provider.client.get();
    if (matches(presented, ours)) return;
    const now = provider.clock();
    if (now - lastReread >= REREAD_COOLDOWN_MS) {
      lastReread = now;
      provider.client.invalidate(ours);
      ours = await provider.client.get();
      if (matches(presented, ours)) return;
    }
    throw invalidClient('Client authentication failed');
  };

  return async function redeem(event: APIGatewayProxyEvent): Promise<Redemption> {
    const form = readForm(event);
    const { presented, method } = clientAuthentication(event, form);
    await authenticate(presented);

    if (required(form, 'grant_type') !== 'authorization_code') {
      throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code');
    }
    const code = required(form, 'code');
    const redirectUri = required(form, 'redirect_uri');
    const verifier = required(form, 'code_verifier');
    if (!CODE_VERIFIER.test(verifier)) {
      throw new OAuthError('invalid_request', 'code_verifier must be 43–128 unreserved characters');
    }

    const record = await provider.codes.take(hashCode(code));
    const now = provider.clock();
    if (!record)
      throw new OAuthError('invalid_grant', 'The code is invalid, expired or already used');
    if (record.expiresAt <= now) throw new OAuthError('invalid_grant', 'The code has expired');
    if (record.redirectUri !== redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri is not the one the code was issued for');
    }
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!equalText(challenge, record.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
    }

    let tokens: Awaited<ReturnType<typeof issueTokens>>;
    try {
      const client = await provider.client.get();
      tokens = await issueTokens(record, {
        issuer: provider.issuer,
        client,
        signer: provider.signer,
        accessTokenLifetimeSeconds: provider.accessTokenLifetimeSeconds,
        now,
      });
    } catch (error) {
      // The code is already out of the table: say so in the log, so a failure here is never a
      // code lost without a trace. Genesys gets 503 temporarily_unavailable and Messenger asks
      // the page for a new code.
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      throw new UpstreamUnavailableError(
        error.upstream,
        `${error.detail}; the code was already taken, so it is spent`,
        error.retryAfterSeconds,
        { cause: error },
      );
    }
    return {
      result: { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: JSON.stringify(tokens) },
      visitor: record.customerOf ? { customerOf: record.customerOf } : { sub: record.claims.sub },
      method,
    };
  };
}

function readForm(event: APIGatewayProxyEvent): URLSearchParams {
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'Content-Type must be application/x-www-form-urlencoded',
    );
  }
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64')
    : Buffer.from(event.body ?? '', 'utf8');
  if (raw.length > MAX_BODY_BYTES)
    throw new OAuthError('invalid_request', 'Request body is too large');
  const form = new URLSearchParams(raw.toString('utf8'));
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1)
      throw new OAuthError('invalid_request', `${name} is repeated`);
  }
  return form;
}

function clientAuthentication(
  event: APIGatewayProxyEvent,
  form: URLSearchParams,
): { presented: ClientCredentials; method: ClientAuthMethod } {
  const authorization = header(event, 'authorization');
  const basic = authorization ? parseBasic(authorization) : undefined;
  const postedSecret = form.get('client_secret');
  if (basic && postedSecret !== null) {
    throw new OAuthError('invalid_request', 'Use one client authentication method, not two');
  }
  if (basic) {
    const postedId = form.get('client_id');
    if (postedId !== null && postedId !== basic.clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the Authorization header');
    }
    return { presented: basic, method: 'client_secret_basic' };
  }
  const postedId = form.get('client_id');
  if (postedSecret !== null && postedId !== null) {
    return {
      presented: { clientId: postedId, clientSecret: postedSecret },
      method: 'client_secret_post',
    };
  }
  throw invalidClient('Client authentication is required');
}

/** RFC 6749 §2.3.1: Basic with the form-urlencoded id and secret. */
function parseBasic(authorization: string): ClientCredentials {
  const [scheme, encoded] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic' || !encoded) {
    throw invalidClient('Unsupported client authentication scheme');
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('Malformed Basic credentials');
  try {
    const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw invalidClient('Malformed Basic credentials');
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

function matches(presented: ClientCredentials, ours: ClientCredentials): boolean {
  // Both compared, always, so the time taken says nothing about which one was wrong.
  const id = equalText(presented.clientId, ours.clientId);
  const secret = equalText(presented.clientSecret, ours.clientSecret);
  return id && secret;
}

/** Constant-time equality of two strings of any length (their SHA-256 digests are compared). */
function equalText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
