// Where a code waits (≤ 60 s) for Genesys: stored under its SHA-256, never raw, and claimed exactly
// once, so of two concurrent redemptions only one wins. A claim names its attempt, so a claim the
// SDK retried after its first try had committed is still recognised as its own; a spent code's
// record stays until it expires, so a replay can revoke what the code bought (RFC 6749 §4.1.2).
// In memory; dynamodb-code-store.ts is the fleet's.

import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { IdentityClaims } from '../../steps/site-identity/customer-claims';

export const CODE_LIFETIME_SECONDS = 60;

/** What a code is bound to and what the tokens it buys will say. */
export interface CodeRecord {
  /** base64url SHA-256 of the PKCE verifier (S256). */
  codeChallenge: string;
  nonce: string;
  redirectUri: string;
  /** Epoch milliseconds after which the code is refused. */
  expiresAt: number;
  /** Epoch seconds: the sign-in (`auth_time`): the site's for a customer, the first code's for a guest. */
  authTime: number;
  /** A guest's random id and typed name, or a known customer's verified claims. */
  claims: IdentityClaims;
  /** A known customer: the trusted issuer whose sign-in the claims come from. */
  customerOf?: string;
  /** A known customer's site session (steps/site-identity, siteSessionKey): a logout naming it ends the family. */
  siteSession?: string;
}

/** Who claims a code: this redemption's own id, and the refresh-token family it will start. */
export interface CodeClaim {
  attempt: string;
  familyId: string;
}

export type ClaimOutcome =
  /** This redemption holds the code now. */
  | { claimed: CodeRecord }
  /** Another redemption claimed it before: the family that one started is to be revoked. */
  | { replayed: { familyId: string } }
  /** No such code (never issued, or gone with its expiry). */
  | undefined;

export interface CodeStore {
  /** Stores a record under a new code's hash; refuses to overwrite one. */
  put(codeHash: string, record: CodeRecord): Promise<void>;
  /** Claims the code for one redemption; the same answer however often that claim is retried. */
  claim(codeHash: string, claim: CodeClaim): Promise<ClaimOutcome>;
}

/** A new authorization code: 32 random bytes, base64url (256 bits). */
export function newCode(): string {
  return randomBytes(32).toString('base64url');
}

/** The key a code is stored under. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}

/** A write's own id: a retry that finds it written knows the write as its own. */
export function newAttemptId(): string {
  return randomBytes(16).toString('base64url');
}

/** A redemption's claim: a fresh attempt id and the id of the family it would start. */
export function newClaim(): CodeClaim {
  return { attempt: newAttemptId(), familyId: randomBytes(16).toString('base64url') };
}

/** What a claim finds in a stored record: its own, another's, or a record free to claim. */
export function claimOutcome(
  stored: { record: CodeRecord; claimedBy?: CodeClaim } | undefined,
  claim: CodeClaim,
): ClaimOutcome | 'free' {
  if (!stored) return undefined;
  if (!stored.claimedBy) return 'free';
  if (stored.claimedBy.attempt === claim.attempt) return { claimed: stored.record };
  return { replayed: { familyId: stored.claimedBy.familyId } };
}

/** How long a spent code's record is kept past its expiry, to recognise a replay. */
export const SPENT_CODE_KEPT_MS = 60_000;

export function createMemoryCodeStore(clock: Clock, maxRecords = 10_000): CodeStore {
  const records = new Map<string, { record: CodeRecord; claimedBy?: CodeClaim }>();
  const sweep = () => {
    const now = clock();
    for (const [hash, { record }] of records)
      if (record.expiresAt + SPENT_CODE_KEPT_MS <= now) records.delete(hash);
  };
  return {
    async put(codeHash, record) {
      if (records.size >= maxRecords) sweep();
      if (records.has(codeHash)) throw new Error('a code with this hash is already stored');
      records.set(codeHash, { record });
    },
    async claim(codeHash, claim) {
      const stored = records.get(codeHash);
      const outcome = claimOutcome(stored, claim);
      if (outcome !== 'free') return outcome;
      (stored as { claimedBy?: CodeClaim }).claimedBy = claim;
      return { claimed: (stored as { record: CodeRecord }).record };
    },
  };
}
