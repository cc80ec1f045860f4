// Step ⑥: an OAuth client (`{"clientId","clientSecret"}`) from Secrets Manager, kept for a TTL
// and re-read when the other side answers `invalid_client`, so a rotated secret needs no redeploy.

import * as z from 'zod/mini';
import { type CachedValue, createCachedValue } from './cached-value';
import type { Clock } from './clock';
import { UpstreamUnavailableError } from './errors';
import type { SecretReader } from './secrets';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export type CredentialsProvider = Pick<CachedValue<ClientCredentials>, 'get' | 'invalidate'>;

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});

/** How stale a secret may be at most (the extension's own cache is off: see the stack). */
export const CREDENTIALS_TTL_MS = 15 * 60_000;

export interface SecretCredentialsOptions {
  readSecret: SecretReader;
  secretId: string;
  clock: Clock;
  ttlMs?: number;
}

export function createSecretCredentials({
  readSecret,
  secretId,
  clock,
  ttlMs = CREDENTIALS_TTL_MS,
}: SecretCredentialsOptions): CredentialsProvider {
  return createCachedValue(async () => {
    const value = parseCredentials(await readSecret(secretId));
    return { value, expiresAt: clock() + ttlMs };
  }, clock);
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
