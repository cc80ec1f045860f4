// Where the sessions Genesys keeps with refresh tokens live: each refresh token's record under the
// SHA-256 of the token (never the token), revocation markers for a family, and sign-out markers
// for a customer or one of their site sessions. Every write comes out the same when it is retried
// after it had committed. This is the in-memory store (local server, tests);
// dynamodb-session-store.ts is the fleet's.

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
  /** The customer's site session (a key, never the site's `sid`): a logout naming it ends the family. */
  siteSession?: string;
  /** Epoch seconds: the original sign-in (`auth_time`). */
  authTime: number;
  /** Epoch milliseconds: when the code was redeemed and the family began. */
  startedAt: number;
  /** Epoch milliseconds: the family's end, counted from the original sign-in. */
  familyExpiresAt: number;
}

/** A rotation as stored: when, and the successor sealed under the service's own key. */
export interface Rotation {
  /** Epoch milliseconds. */
  rotatedAt: number;
  sealedSuccessor: string;
}

/** Which of a customer's sign-ins a logout ends: all of them, or one site session. */
export type SignInScope = { subjectHash: string } | { siteSession: string };

/** When a customer (or one site session) signed out. */
export interface SignOut {
  /** Epoch ms, our clock: families begun at or before it are over. */
  at: number;
  /** Epoch seconds, the site's clock (the logout token's `iat`): site sign-ins up to it are over. */
  siteAt: number;
}

export interface SessionStore {
  /** Stores a token's record; a record already stored under that hash is left as it is. */
  putToken(tokenHash: string, record: RefreshRecord): Promise<void>;
  /** A live token's record, and its rotation if it has been rotated. */
  getToken(tokenHash: string): Promise<(RefreshRecord & { rotation?: Rotation }) | undefined>;
  /**
   * Rotates a live token, in one conditional step: the rotation that stands (this one, or the
   * one another caller, or this call's own committed first try, made before), or undefined when
   * the token is not there.
   */
  rotate(tokenHash: string, rotation: Rotation): Promise<Rotation | undefined>;
  /** Refuses every token of the family from now on, until `until` (epoch ms). */
  revokeFamily(familyId: string, until: number): Promise<void>;
  familyRevoked(familyId: string): Promise<boolean>;
  /** Records a sign-out for the scope until `until` (epoch ms), in place of an earlier one. */
  signOut(scope: SignInScope, signOut: SignOut, until: number): Promise<void>;
  /** The latest sign-out recorded for any of the scopes. */
  signedOut(scopes: readonly SignInScope[]): Promise<SignOut | undefined>;
  /** Whether a one-time value (a logout token's jti) was recorded. */
  seen(key: string): Promise<boolean>;
  /** Records a one-time value until `until` (a plain write: the same however often it is retried). */
  remember(key: string, until: number): Promise<void>;
}

/** The key a refresh token, or a subject, is stored under. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The scopes a family's sign-in belongs to: its customer, and its site session if known. */
export function scopesOf(record: Pick<RefreshRecord, 'claims' | 'siteSession'>): SignInScope[] {
  return [
    { subjectHash: hashOf(record.claims.sub) },
    ...(record.siteSession ? [{ siteSession: record.siteSession }] : []),
  ];
}

export function scopeKey(scope: SignInScope): string {
  return 'subjectHash' in scope ? `sub#${scope.subjectHash}` : `sid#${scope.siteSession}`;
}

/** The later of two sign-outs (either may be missing). */
export function laterSignOut(a: SignOut | undefined, b: SignOut | undefined): SignOut | undefined {
  if (!a || !b) return a ?? b;
  return { at: Math.max(a.at, b.at), siteAt: Math.max(a.siteAt, b.siteAt) };
}

export function createMemorySessionStore(clock: Clock): SessionStore {
  const tokens = new Map<string, RefreshRecord & { rotation?: Rotation }>();
  const families = new Map<string, number>();
  const signOuts = new Map<string, SignOut & { until: number }>();
  const seen = new Map<string, number>();
  const live = <T extends { familyExpiresAt?: number; until?: number }>(value: T | undefined) =>
    value && (value.familyExpiresAt ?? value.until ?? 0) > clock() ? value : undefined;
  return {
    async putToken(tokenHash, record) {
      if (!live(tokens.get(tokenHash))) tokens.set(tokenHash, { ...record });
    },
    async getToken(tokenHash) {
      const record = live(tokens.get(tokenHash));
      return record && { ...record };
    },
    async rotate(tokenHash, rotation) {
      const record = live(tokens.get(tokenHash));
      if (!record) return undefined;
      record.rotation ??= rotation;
      return { ...record.rotation };
    },
    async revokeFamily(familyId, until) {
      families.set(familyId, until);
    },
    async familyRevoked(familyId) {
      return (families.get(familyId) ?? 0) > clock();
    },
    async signOut(scope, signOut, until) {
      signOuts.set(scopeKey(scope), { ...signOut, until });
    },
    async signedOut(scopes) {
      return scopes
        .map((scope) => live(signOuts.get(scopeKey(scope))))
        .reduce<SignOut | undefined>(
          (latest, found) => laterSignOut(latest, found && { at: found.at, siteAt: found.siteAt }),
          undefined,
        );
    },
    async seen(key) {
      return (seen.get(key) ?? 0) > clock();
    },
    async remember(key, until) {
      seen.set(key, until);
    },
  };
}
