// Refresh tokens for Genesys (RFC 6749 §6, RFC 9700 §4.14): each used once, rotated on every
// refresh, with a 30 s grace for a retry whose answer was lost. A token's successor is random; it
// is stored with the rotation, sealed under a key only this service holds, so a retry within the
// grace (or a container racing on the same token) gets the very same successor and no two are
// ever made. Presented any later, a rotated token revokes its whole family.

import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, errors } from 'jose';
import type { Clock } from '../../platform/clock';
import type { ClientCredentials } from '../../platform/credentials';
import { IdentityTokenInvalidError } from '../../platform/errors';
import { MAX_SIGN_IN_AGE_SECONDS } from '../../steps/site-identity/settings';
import type { VerifiedCustomer } from '../../steps/site-identity/verify-identity-token';
import { OAuthError } from './oauth-errors';
import { type ServiceKey, serviceKey } from './service-keys';
import {
  hashOf,
  type RefreshRecord,
  type SessionStore,
  type SignInScope,
  scopesOf,
} from './session-store';

/** A retry of a rotated token within this is answered as the rotation was. */
export const REFRESH_GRACE_MS = 30_000;

/** What the family continues: the code's claims and sign-in, for every refresh's id_token. */
export type FamilyStart = Pick<RefreshRecord, 'claims' | 'customerOf' | 'siteSession' | 'authTime'>;

export type RefreshOutcome<T> =
  | { refreshed: RefreshRecord; token: string; issued: T }
  /** An already-rotated token presented past the grace: its family is revoked now. */
  | { reuse: RefreshRecord };

export interface RefreshTokensOptions {
  sessions: SessionStore;
  clock: Clock;
  serviceKey: ServiceKey;
  /** Seconds a family lives at most, from the original sign-in. */
  lifetimeSeconds: number;
}

export function createRefreshTokens({
  sessions,
  clock,
  serviceKey: key,
  lifetimeSeconds,
}: RefreshTokensOptions) {
  const invalid = () => new OAuthError('invalid_grant', 'The refresh token is invalid or expired');
  const newToken = () => randomBytes(32).toString('base64url');
  const successorKey = () => serviceKey(key, 'refresh token successor');

  /** Revoked on its own, or by a sign-out of its customer (or its site session) since it began. */
  const revoked = async (record: RefreshRecord): Promise<boolean> => {
    const [family, signOut] = await Promise.all([
      sessions.familyRevoked(record.familyId),
      record.customerOf ? sessions.signedOut(scopesOf(record)) : undefined,
    ]);
    return family || (signOut !== undefined && signOut.at >= record.startedAt);
  };

  return {
    /** Starts the family a redeemed code claimed (code-store.ts): its first refresh token. */
    async start(client: ClientCredentials, familyId: string, start: FamilyStart): Promise<string> {
      const now = clock();
      const token = newToken();
      await sessions.putToken(hashOf(token), {
        claims: start.claims,
        ...(start.customerOf !== undefined && { customerOf: start.customerOf }),
        ...(start.siteSession !== undefined && { siteSession: start.siteSession }),
        authTime: start.authTime,
        familyId,
        clientId: client.clientId,
        startedAt: now,
        familyExpiresAt: start.authTime * 1000 + lifetimeSeconds * 1000,
      });
      return token;
    },

    /**
     * Exchanges a refresh token for its successor, or says it was reused past the grace (its
     * family is then revoked). Anything expired, revoked, unknown or another client's throws
     * invalid_grant. `issue` (the signing of the new tokens) runs while the successor is stored.
     */
    async refresh<T>(
      client: ClientCredentials,
      presented: string,
      issue: (family: RefreshRecord) => Promise<T>,
    ): Promise<RefreshOutcome<T>> {
      const tokenHash = hashOf(presented);
      const stored = await sessions.getToken(tokenHash);
      const now = clock();
      if (!stored || stored.clientId !== client.clientId || stored.familyExpiresAt <= now)
        throw invalid();
      const { rotation: earlier, ...record } = stored;
      if (await revoked(record)) throw invalid();
      const rotation =
        earlier ??
        (await sessions.rotate(tokenHash, {
          rotatedAt: now,
          sealedSuccessor: await seal(newToken(), await successorKey()),
        }));
      if (!rotation) throw invalid();
      if (now - rotation.rotatedAt > REFRESH_GRACE_MS) {
        await sessions.revokeFamily(record.familyId, record.familyExpiresAt);
        return { reuse: record };
      }
      const token = await open(rotation.sealedSuccessor, await successorKey());
      if (token === undefined) throw invalid(); // sealed under a service key since replaced
      // Whoever rotated writes it; a retry within the grace makes sure it is there. The signing
      // needs nothing of the write, so both go at once: if either fails, a retry within the grace
      // gets the same successor.
      const [, issued] = await Promise.all([
        sessions.putToken(hashOf(token), record),
        issue(record),
      ]);
      return { refreshed: record, token, issued };
    },

    /** RFC 7009: revokes the family of a refresh token of this client; nothing for any other. */
    async revoke(client: ClientCredentials, presented: string): Promise<boolean> {
      const record = await sessions.getToken(hashOf(presented));
      if (!record || record.clientId !== client.clientId) return false;
      await sessions.revokeFamily(record.familyId, record.familyExpiresAt);
      return true;
    },

    /** A family a replayed code started (RFC 6749 §4.1.2): revoked, if it began at all. */
    async revokeFamily(familyId: string): Promise<void> {
      await sessions.revokeFamily(familyId, clock() + lifetimeSeconds * 1000);
    },

    /**
     * Back-channel logout: the families of the scope begun until now end, and so does any site
     * sign-in of the scope up to the logout token's `iat` (epoch s, the site's clock).
     */
    async signOut(scope: SignInScope, issuedAt: number): Promise<void> {
      const now = clock();
      // Kept as long as a family or a site sign-in it ends could still be presented.
      const until = now + Math.max(lifetimeSeconds, MAX_SIGN_IN_AGE_SECONDS + 60) * 1000;
      await sessions.signOut(scope, { at: now, siteAt: issuedAt }, until);
    },

    /** Refuses a customer whose site sign-in (or its session) has since signed out here. */
    async assertSignedIn(customer: VerifiedCustomer): Promise<void> {
      const signOut = await sessions.signedOut(
        scopesOf({ claims: customer.claims, siteSession: customer.siteSession }),
      );
      if (signOut !== undefined && customer.signedInAt <= signOut.siteAt)
        throw new IdentityTokenInvalidError('signed out since', customer.issuer);
    },
  };
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>;

async function seal(token: string, key: Uint8Array): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(token))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(key);
}

async function open(sealed: string, key: Uint8Array): Promise<string | undefined> {
  try {
    const { plaintext } = await compactDecrypt(sealed, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return new TextDecoder().decode(plaintext);
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
