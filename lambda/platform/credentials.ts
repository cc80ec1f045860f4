// Step ⑥: an OAuth client (`{"clientId","clientSecret"}`, and while a rotation is under way the
// `previousClientSecret`) from Secrets Manager, kept for a TTL and re-read when the other side
// answers `invalid_client`, so a rotated secret needs no redeploy. A re-read that fails serves the
// last good value and says so (onStale), rather than failing every request.

import * as z from 'zod/mini';
import { type CachedValue, createCachedValue } from './cached-value';
import type { Clock } from './clock';
import { UpstreamUnavailableError } from './errors';
import type { SecretReader } from './secrets';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Our own OIDC client only: the secret before a rotation, still taken until the operator drops
   * it, so that the other side can change over without a cut-over.
   */
  readonly previousClientSecret?: string;
}

export type CredentialsProvider = Pick<CachedValue<ClientCredentials>, 'get' | 'invalidate'>;

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
  previousClientSecret: z.optional(z.string().check(z.minLength(1))),
});

/** How stale a secret may be at most (the extension's own cache is off: see the stack). */
export const CREDENTIALS_TTL_MS = 15 * 60_000;
/** After a failed re-read, how long the last good value is served before the next try. */
export const STALE_RETRY_MS = 60_000;

export interface SecretCredentialsOptions {
  readSecret: SecretReader;
  secretId: string;
  clock: Clock;
  ttlMs?: number;
  /** Told when a re-read failed and the last good value is served (a WARN line and a metric). */
  onStale?: ((error: unknown) => void) | undefined;
}

export function createSecretCredentials({
  readSecret,
  secretId,
  clock,
  ttlMs = CREDENTIALS_TTL_MS,
  onStale = () => {},
}: SecretCredentialsOptions): CredentialsProvider {
  return createCachedValue(
    async () => {
      const value = parseCredentials(await readSecret(secretId));
      return { value, expiresAt: clock() + ttlMs };
    },
    clock,
    { retryAfterMs: STALE_RETRY_MS, onStale },
  );
}

/** Fixed credentials, for the local emulator only. */
export function createStaticCredentials(credentials: ClientCredentials): CredentialsProvider {
  return { get: async () => credentials, invalidate: () => {} };
}

function parseCredentials(secretString: string): ClientCredentials {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new UpstreamUnavailableError('secrets', 'secret is not JSON');
  }
  const parsed = secretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
    throw new UpstreamUnavailableError(
      'secrets',
      `secret is missing or has empty fields: ${fields.join(', ')}`,
    );
  }
  return parsed.data;
}
