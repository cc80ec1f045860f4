// Step ⑤: the Genesys OAuth client from Secrets Manager. The secret is JSON
// `{"clientId","clientSecret"}`, read once per container and kept for a TTL; the OAuth step
// invalidates it on `invalid_client`, so a rotated secret is picked up without a redeploy.

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { type CachedValue, createCachedValue } from '../cached-value';
import type { Clock } from '../clock';
import { UpstreamUnavailableError } from '../errors';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export type CredentialsProvider = Pick<CachedValue<ClientCredentials>, 'get' | 'invalidate'>;

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});

export const CREDENTIALS_TTL_MS = 15 * 60_000;

export interface SecretsManagerCredentialsOptions {
  client: SecretsManagerClient;
  secretId: string;
  clock: Clock;
  ttlMs?: number;
}

export function createSecretsManagerCredentials({
  client,
  secretId,
  clock,
  ttlMs = CREDENTIALS_TTL_MS,
}: SecretsManagerCredentialsOptions): CredentialsProvider {
  return createCachedValue(async () => {
    const value = await readSecret(client, secretId);
    return { value, expiresAt: clock() + ttlMs };
  }, clock);
}

/** Fixed credentials, for the local emulator only. */
export function createStaticCredentials(credentials: ClientCredentials): CredentialsProvider {
  return { get: async () => credentials, invalidate: () => {} };
}

async function readSecret(
  client: SecretsManagerClient,
  secretId: string,
): Promise<ClientCredentials> {
  let secretString: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = out.SecretString;
  } catch (error) {
    // The SDK's error name (ThrottlingException, ResourceNotFoundException, …) is safe to log;
    // its message is not needed and the value never appears in it.
    throw new UpstreamUnavailableError(
      'secrets',
      `GetSecretValue failed: ${(error as Error).name}`,
      undefined,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? '');
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
