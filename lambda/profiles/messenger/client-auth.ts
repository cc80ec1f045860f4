// Client authentication at the endpoints Genesys calls with our client's credentials (the token
// and revocation endpoints): client_secret_basic or _post, never both (RFC 6749 §2.3), compared
// in constant time; a mismatch re-reads our secret at most once a minute, in case it was rotated.
// While a rotation is under way the previous secret is taken too, and each use of it is reported,
// so the operator knows when Genesys has changed over and the old one can go.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ClientCredentials } from '../../platform/credentials';
import { PayloadTooLargeError } from '../../platform/errors';
import { header } from '../../steps/context';
import { invalidClient, OAuthError } from './oauth-errors';
import type { Provider } from './provider';

const MAX_BODY_BYTES = 8 * 1024;
/** How often a wrong secret may make us re-read ours (in case it was rotated). */
const REREAD_COOLDOWN_MS = 60_000;

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface AuthenticatedRequest {
  form: URLSearchParams;
  /** Our client, as Secrets Manager holds it now. */
  client: ClientCredentials;
  method: ClientAuthMethod;
}

export interface ClientAuthEvents {
  /** Genesys authenticated with `previousClientSecret`. */
  onPreviousSecret?(): void;
}

export function createClientAuthentication(
  provider: Pick<Provider, 'client' | 'clock'>,
  { onPreviousSecret }: ClientAuthEvents = {},
) {
  let lastReread = Number.NEGATIVE_INFINITY;

  const accepted = (presented: ClientCredentials, ours: ClientCredentials): boolean => {
    const secret = matches(presented, ours);
    if (secret === 'previous') onPreviousSecret?.();
    return secret !== undefined;
  };

  /** Checks the presented secret; on a mismatch, re-reads ours at most once a minute. */
  const authenticate = async (presented: ClientCredentials): Promise<ClientCredentials> => {
    let ours = await provider.client.get();
    if (accepted(presented, ours)) return ours;
    const now = provider.clock();
    if (now - lastReread >= REREAD_COOLDOWN_MS) {
      lastReread = now;
      provider.client.invalidate(ours);
      ours = await provider.client.get();
      if (accepted(presented, ours)) return ours;
    }
    throw invalidClient('Client authentication failed');
  };

  /** The form of a client-authenticated POST, refused before anything else is touched. */
  return async function authenticated(event: APIGatewayProxyEvent): Promise<AuthenticatedRequest> {
    const form = readForm(event);
    const { presented, method } = clientAuthentication(event, form);
    return { form, client: await authenticate(presented), method };
  };
}

export function readForm(event: APIGatewayProxyEvent): URLSearchParams {
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
    throw new OAuthError('invalid_request', new PayloadTooLargeError(MAX_BODY_BYTES).message);
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

export function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

/** Which of our secrets the presented credentials match, if any. */
function matches(
  presented: ClientCredentials,
  ours: ClientCredentials,
): 'current' | 'previous' | undefined {
  // Every comparison made, always, so the time taken says nothing about which one was wrong.
  const id = equalText(presented.clientId, ours.clientId);
  const current = equalText(presented.clientSecret, ours.clientSecret);
  const previous = equalText(presented.clientSecret, ours.previousClientSecret ?? '');
  if (!id) return undefined;
  if (current) return 'current';
  return previous && ours.previousClientSecret !== undefined ? 'previous' : undefined;
}

/** Constant-time equality of two strings of any length (their SHA-256 digests are compared). */
export function equalText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
