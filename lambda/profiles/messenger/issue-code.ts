// After steps ①–⑤ of POST /guest-token: a new code bound to the page's nonce, PKCE challenge and
// redirect URI. A guest is a random `sub` and a name (nothing else goes to Genesys); a customer is
// what the site's sign-in vouched for.

import { randomBytes } from 'node:crypto';
import { InvalidRequestError } from '../../platform/errors';
import { NO_STORE_HEADERS } from '../../steps/context';
import { GUEST_SUB_PREFIX, type IdentityClaims } from '../../steps/site-identity/customer-claims';
import type { VerifiedCustomer } from '../../steps/site-identity/verify-identity-token';
import type { CodeRequest } from './code-request';
import { CODE_LIFETIME_SECONDS, type CodeRecord, hashCode, newCode } from './code-store';
import type { Provider } from './provider';

export interface IssuedCode {
  authCode: string;
  redirectUri: string;
  nonce: string;
  expiresIn: number;
  /** For the audit only; not in the answer. */
  sub: string;
  /** A guest's sealed identity, for the page to send back (guest-session.ts). */
  guestSession?: string;
}

/** A guest's claims: its `sub` (128 random bits, kept for the page) and the validated name. */
export function guestClaims(name: string, sub = newGuestSub()): IdentityClaims {
  return { sub, name, given_name: name };
}

/** A new guest's `sub`: the reserved guest form (customer-claims.ts) and 128 random bits. */
export function newGuestSub(): string {
  return `${GUEST_SUB_PREFIX}${randomBytes(16).toString('base64url')}`;
}

/**
 * Who the code is for: a guest by the name it typed (and its page's `sub` and first code's time,
 * epoch seconds), or a customer.
 */
export type CodeSubject =
  | { guestName: string; guestSub?: string; guestSince?: number; guestSession?: string }
  | { customer: VerifiedCustomer };

export async function issueCode(
  provider: Pick<Provider, 'redirectUris' | 'codes' | 'clock'>,
  request: CodeRequest,
  subject: CodeSubject,
): Promise<IssuedCode> {
  const redirectUri = request.redirectUri ?? provider.redirectUris[0];
  if (redirectUri === undefined || !provider.redirectUris.includes(redirectUri)) {
    throw new InvalidRequestError('redirectUri: must be one of the registered redirect URIs');
  }
  const now = provider.clock();
  const code = newCode();
  const record: CodeRecord = {
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    redirectUri,
    expiresAt: now + CODE_LIFETIME_SECONDS * 1000,
    ...('customer' in subject
      ? {
          claims: subject.customer.claims,
          customerOf: subject.customer.issuer,
          // OpenID Connect Core §2: auth_time is when the customer signed in, at the site.
          authTime: subject.customer.signedInAt,
          ...(subject.customer.siteSession !== undefined && {
            siteSession: subject.customer.siteSession,
          }),
        }
      : {
          claims: guestClaims(subject.guestName, subject.guestSub),
          authTime: subject.guestSince ?? Math.floor(now / 1000),
        }),
  };
  await provider.codes.put(hashCode(code), record);
  return {
    authCode: code,
    redirectUri,
    nonce: request.nonce,
    expiresIn: CODE_LIFETIME_SECONDS,
    sub: record.claims.sub,
    ...(!('customer' in subject) && subject.guestSession && { guestSession: subject.guestSession }),
  };
}

export function codeResult({ authCode, redirectUri, nonce, expiresIn, guestSession }: IssuedCode) {
  return {
    statusCode: 200,
    headers: { ...NO_STORE_HEADERS },
    body: JSON.stringify({
      authCode,
      redirectUri,
      nonce,
      expiresIn,
      ...(guestSession && { guestSession }),
    }),
  };
}
