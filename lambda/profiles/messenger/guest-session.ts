// A guest keeps one identity for the life of the page: the first code answer carries its `sub`
// sealed (JWE, dir + A256GCM) under a key only this service holds (service-keys.ts); the page
// sends it back with later code requests. Anything that does not open, or names anything but a
// guest, is a new guest: a sealed session can never speak for a known customer.

import { EncryptJWT, errors, jwtDecrypt } from 'jose';
import { isGuestSub } from '../../steps/site-identity/customer-claims';
import { type ServiceKey, serviceKey } from './service-keys';

/** How long one page's guest identity lasts at most. */
export const GUEST_SESSION_LIFETIME_SECONDS = 24 * 60 * 60;

export interface GuestSession {
  sub: string;
  /** Epoch seconds: the guest's first code (its `auth_time`). */
  since: number;
}

/** Why a presented value did not resume a session (for the WARN line; never the value). */
export type GuestSessionRefusal = 'expired' | 'unreadable' | 'not a guest';

/** Seals a new guest's session; `now` (epoch ms) is its first code's time. */
export async function sealGuestSession(key: ServiceKey, sub: string, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new EncryptJWT({ sub })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'guest-session' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + GUEST_SESSION_LIFETIME_SECONDS)
    .encrypt(await serviceKey(key, 'guest session'));
}

/** The guest's `sub` and first code's time, or why the value cannot stand. */
export async function openGuestSession(
  key: ServiceKey,
  value: string,
  now: number,
): Promise<GuestSession | { refused: GuestSessionRefusal }> {
  let payload: Awaited<ReturnType<typeof jwtDecrypt>>['payload'];
  try {
    ({ payload } = await jwtDecrypt(value, await serviceKey(key, 'guest session'), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      typ: 'guest-session',
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: new Date(now),
    }));
  } catch (error) {
    if (!(error instanceof errors.JOSEError)) throw error; // the service key could not be read
    return { refused: error instanceof errors.JWTExpired ? 'expired' : 'unreadable' };
  }
  if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number')
    return { refused: 'unreadable' };
  if (!isGuestSub(payload.sub)) return { refused: 'not a guest' };
  return { sub: payload.sub, since: payload.iat };
}
