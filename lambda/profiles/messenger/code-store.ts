// Where a code waits (≤ 60 s) for Genesys: stored under its SHA-256, never raw, and taken out
// exactly once, so of two concurrent redemptions only one wins. In memory; dynamodb-code-store.ts is the fleet's.

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
  /** Epoch seconds: when the guest passed our checks (`auth_time`). */
  authTime: number;
  /** A guest's random id and typed name, or a known customer's verified claims. */
  claims: IdentityClaims;
  /** A known customer: the trusted issuer whose sign-in the claims come from. */
  customerOf?: string;
}

export interface CodeStore {
  /** Stores a record under a new code's hash; refuses to overwrite one. */
  put(codeHash: string, record: CodeRecord): Promise<void>;
  /** Removes and returns the record, or undefined when there is none (taken, never issued). */
  take(codeHash: string): Promise<CodeRecord | undefined>;
}

/** A new authorization code: 32 random bytes, base64url (256 bits). */
export function newCode(): string {
  return randomBytes(32).toString('base64url');
}

/** The key a code is stored under. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}

export function createMemoryCodeStore(clock: Clock, maxRecords = 10_000): CodeStore {
  const records = new Map<string, CodeRecord>();
  const sweep = () => {
    const now = clock();
    for (const [hash, record] of records) if (record.expiresAt <= now) records.delete(hash);
  };
  return {
    async put(codeHash, record) {
      if (records.size >= maxRecords) sweep();
      if (records.has(codeHash)) throw new Error('a code with this hash is already stored');
      records.set(codeHash, record);
    },
    async take(codeHash) {
      const record = records.get(codeHash);
      records.delete(codeHash);
      return record;
    },
  };
}
