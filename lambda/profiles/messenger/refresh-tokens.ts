// Refresh tokens for Genesys (RFC 6749 §6, RFC 9700 §4.14): each single-use, rotated on every
// refresh. A token's successor is an HMAC of the token under a key derived from the client secret,
// so a retry whose answer was lost (within 30 s of the rotation) gets the very same successor and
// racing containers never make two; presented any later, it revokes its whole family.

import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { ClientCredentials } from '../../platform/credentials';
import { clientKey } from './client-keys';
import { OAuthError } from './oauth-errors';
import { hashOf, type RefreshRecord, type SessionStore } from './session-store';

/** A retry of a rotated token within this is answered as the rotation was. */
export const REFRESH_GRACE_MS = 30_000;

/** What the family continues: the code's claims and sign-in, for every refresh's id_token. */
export type FamilyStart = Pick<RefreshRecord, 'claims' | 'customerOf' | 'authTime'>;

export type RefreshOutcome<T> =
  | { refreshed: RefreshRecord; token: string; issued: T }
  /** An already-rotated token presented past the grace: its family is revoked now. */
  | { reuse: RefreshRecord };

export interface RefreshTokensOptions {
  sessions: SessionStore;
  clock: Clock;
  /** Seconds a family lives at most, from the original sign-in. */
  lifetimeSeconds: number;
}

export function createRefreshTokens({ sessions, clock, lifetimeSeconds }: RefreshTokensOptions) {
  const invalid = () => new OAuthError('invalid_grant', 'The refresh token is invalid or expired');

  return {
    /** Starts a family for a redeemed code: its first refresh token. */
    async start(client: ClientCredentials, start: FamilyStart): Promise<string> {
      const now = clock();
      const token = randomBytes(32).toString('base64url');
      await sessions.putToken(hashOf(token), {
        claims: start.claims,
        ...(start.customerOf !== undefined && { customerOf: start.customerOf }),
        authTime: start.authTime,
        familyId: randomBytes(16).toString('base64url'),
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
      const record = await sessions.getToken(tokenHash);
      const now = clock();
      if (!record || record.clientId !== client.clientId || record.familyExpiresAt <= now)
        throw invalid();
      if (await sessions.isRevoked(record.familyId, hashOf(record.claims.sub), record.startedAt))
        throw invalid();
      const rotated =
        record.rotatedAt === undefined && (await sessions.markRotated(tokenHash, now))
          ? now
          : (record.rotatedAt ?? (await sessions.getToken(tokenHash))?.rotatedAt);
      if (rotated === undefined) throw invalid();
      if (now - rotated > REFRESH_GRACE_MS) {
        await sessions.revokeFamily(record.familyId, record.familyExpiresAt);
        return { reuse: record };
      }
      const token = successor(client, presented);
      // The one that rotated writes it; a retry within the grace makes sure it is there. The
      // signing needs nothing of the write, so both go at once: if either fails, a retry within
      // the grace gets the same successor.
      const { rotatedAt: _, ...next } = record;
      const [, issued] = await Promise.all([sessions.putToken(hashOf(token), next), issue(record)]);
      return { refreshed: record, token, issued };
    },

    /** RFC 7009: revokes the family of a refresh token of this client; nothing for any other. */
    async revoke(client: ClientCredentials, presented: string): Promise<boolean> {
      const record = await sessions.getToken(hashOf(presented));
      if (!record || record.clientId !== client.clientId) return false;
      await sessions.revokeFamily(record.familyId, record.familyExpiresAt);
      return true;
    },

    /** Back-channel logout: every family of this subject begun until now. */
    async revokeSubject(sub: string): Promise<void> {
      const now = clock();
      await sessions.revokeSubject(hashOf(sub), now, now + lifetimeSeconds * 1000);
    },
  };
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>;

/** The token that follows `token`: the same every time it is asked, unguessable without the key. */
function successor(client: ClientCredentials, token: string): string {
  const key = clientKey(client, 'refresh token successor');
  return createHmac('sha256', key).update(token).digest('base64url');
}
