// What a verified site token becomes: `sub` (pairwise by default, stable and opaque to Genesys),
// email and phone only when the token says they are verified, and the names.

import { createHmac } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { IdentityIssuer } from './settings';

/** What Genesys sees of a visitor: a guest's random id and name, or a customer's verified claims. */
export interface IdentityClaims {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  email_verified?: true;
  phone_number?: string;
  phone_number_verified?: true;
}

/**
 * Every guest's `sub` starts with this, and no customer's can: a pairwise subject is base64url
 * (no colon) and a site's own `sub` with this start is refused. So a guest session, which only
 * ever names a guest, can never be made to name a customer.
 */
export const GUEST_SUB_PREFIX = 'guest:';

export function isGuestSub(sub: string): boolean {
  return sub.startsWith(GUEST_SUB_PREFIX);
}

const MAX_NAME = 256;
const MAX_EMAIL = 254;
const MAX_PHONE = 32;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ().-]{3,31}$/;

/**
 * The customer's claims. `subjectKey` is only read for a pairwise issuer. A claim of the wrong
 * type or size is left out rather than passed on; `sub` has been checked by the verifier.
 */
export async function customerClaims(
  payload: JWTPayload,
  issuer: IdentityIssuer,
  subjectKey: () => Promise<Uint8Array>,
): Promise<IdentityClaims> {
  const siteSub = payload.sub as string;
  const sub =
    issuer.subject === 'site'
      ? siteSub
      : pairwiseSubject(await subjectKey(), issuer.issuer, siteSub);
  const given_name = text(payload.given_name, MAX_NAME);
  const family_name = text(payload.family_name, MAX_NAME);
  const name =
    text(payload.name, MAX_NAME) ??
    (given_name || family_name ? [given_name, family_name].filter(Boolean).join(' ') : undefined);
  const email = text(payload.email, MAX_EMAIL);
  const phone = text(payload.phone_number, MAX_PHONE);
  return {
    sub,
    ...(name && { name }),
    ...(given_name && { given_name }),
    ...(family_name && { family_name }),
    ...(email &&
      EMAIL.test(email) &&
      isTrue(payload[issuer.emailVerifiedClaim]) && { email, email_verified: true as const }),
    ...(phone &&
      PHONE.test(phone) &&
      isTrue(payload.phone_number_verified) && {
        phone_number: phone,
        phone_number_verified: true as const,
      }),
  };
}

/** base64url HMAC-SHA-256 of issuer and subject (as a JSON pair, so no two pairs collide). */
export function pairwiseSubject(key: Uint8Array, issuer: string, sub: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify([issuer, sub]))
    .digest('base64url');
}

/** `true`, or the string "true" some IdPs send (Cognito). */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : undefined;
}
