// A guest keeps one identity for the life of the page: the first code answer carries its `sub`
// sealed (JWE, dir + A256GCM) under a key derived from the OIDC client secret in Secrets Manager;
// the page sends it back with later code requests. Anything that does not open is a new guest.

import { EncryptJWT, errors, jwtDecrypt } from 'jose';
import type { ClientCredentials } from '../../platform/credentials';
import { clientKey } from './client-keys';

/** How long one page's guest identity lasts at most. */
export const GUEST_SESSION_LIFETIME_SECONDS = 24 * 60 * 60;

export interface GuestSession {
  sub: string;
  /** The sealed value for the page; unchanged when it was resumed. */
  value: string;
}

/** Why a presented value did not resume a session (for the WARN line; never the value). */
export type GuestSessionRefusal = 'expired' | 'unreadable';

export async function sealGuestSession(
  client: ClientCredentials,
  sub: string,
  now: number,
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new EncryptJWT({ sub })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'guest-session' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + GUEST_SESSION_LIFETIME_SECONDS)
    .encrypt(clientKey(client, 'guest session'));
}

/** The guest's `sub`, or why the value cannot stand: tampered, foreign, expired or malformed. */
export async function openGuestSession(
  client: ClientCredentials,
  value: string,
  now: number,
): Promise<{ sub: string } | { refused: GuestSessionRefusal }> {
  try {
    const { payload } = await jwtDecrypt(value, clientKey(client, 'guest session'), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      typ: 'guest-session',
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(now),
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      return { refused: 'unreadable' };
    return { sub: payload.sub };
  } catch (error) {
    return { refused: error instanceof errors.JWTExpired ? 'expired' : 'unreadable' };
  }
}
