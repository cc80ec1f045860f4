// Where the sessions Genesys keeps with refresh tokens live: each refresh token's record under the
// SHA-256 of the token (never the token), and revocation markers for a family or a customer. This
// is the in-memory store (local server, tests); dynamodb-session-store.ts is the fleet's.

import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { IdentityClaims } from '../../steps/site-identity/customer-claims';

/** One refresh token: whose session it continues, and whether it was already rotated. */
export interface RefreshRecord {
  /** Every token descended from one code redemption shares it. */
  familyId: string;
  clientId: string;
  /** What the code vouched for; every refresh's id_token says the same. */
  claims: IdentityClaims;
  customerOf?: string;
  /** Epoch seconds: the original sign-in (`auth_time`). */
  authTime: number;
  /** Epoch milliseconds: when the code was redeemed and the family began. */
  startedAt: number;
  /** Epoch milliseconds: the family's end, counted from the original sign-in. */
  familyExpiresAt: number;
  /** Epoch milliseconds when it was exchanged for its successor; absent while live. */
  rotatedAt?: number;
}

export interface SessionStore {
  /** Stores a token's record; false when one is already stored under that hash. */
  putToken(tokenHash: string, record: RefreshRecord): Promise<boolean>;
  getToken(tokenHash: string): Promise<RefreshRecord | undefined>;
  /**
   * Marks a live token rotated at `now`, in one conditional step: true for exactly one of any
   * number of concurrent callers; false when it was already rotated or is not there.
   */
  markRotated(tokenHash: string, now: number): Promise<boolean>;
  /** Refuses every token of the family from now on, until `until` (epoch ms). */
  revokeFamily(familyId: string, until: number): Promise<void>;
  /** Refuses every family of this subject begun at or before `at` (epoch ms), until `until`. */
  revokeSubject(subjectHash: string, at: number, until: number): Promise<void>;
  /** Whether the family was revoked, or its subject's families begun up to `startedAt`. */
  isRevoked(familyId: string, subjectHash: string, startedAt: number): Promise<boolean>;
  /** Records a one-time value (a logout token's jti) until `until`; false when seen before. */
  rememberOnce(key: string, until: number): Promise<boolean>;
}

/** The key a refresh token, or a subject, is stored under. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function createMemorySessionStore(clock: Clock): SessionStore {
  const tokens = new Map<string, RefreshRecord>();
  const families = new Map<string, number>();
  const subjects = new Map<string, { at: number; until: number }>();
  const seen = new Map<string, number>();
  const live = <T extends { familyExpiresAt?: number; until?: number }>(value: T | undefined) =>
    value && (value.familyExpiresAt ?? value.until ?? 0) > clock() ? value : undefined;
  return {
    async putToken(tokenHash, record) {
      if (live(tokens.get(tokenHash))) return false;
      tokens.set(tokenHash, { ...record });
      return true;
    },
    async getToken(tokenHash) {
      const record = live(tokens.get(tokenHash));
      return record && { ...record };
    },
    async markRotated(tokenHash, now) {
      const record = live(tokens.get(tokenHash));
      if (!record || record.rotatedAt !== undefined) return false;
      record.rotatedAt = now;
      return true;
    },
    async revokeFamily(familyId, until) {
      families.set(familyId, until);
    },
    async revokeSubject(subjectHash, at, until) {
      const previous = subjects.get(subjectHash);
      subjects.set(subjectHash, { at: Math.max(at, previous?.at ?? 0), until });
    },
    async isRevoked(familyId, subjectHash, startedAt) {
      if ((families.get(familyId) ?? 0) > clock()) return true;
      const subject = live(subjects.get(subjectHash));
      return subject !== undefined && subject.at >= startedAt;
    },
    async rememberOnce(key, until) {
      if ((seen.get(key) ?? 0) > clock()) return false;
      seen.set(key, until);
      return true;
    },
  };
}
