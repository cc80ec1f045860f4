// A secret's string from Secrets Manager: in Lambda one loopback call to the Parameters and Secrets
// Extension, so the AWS SDK (half a cold start) loads only where there is no extension.
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Dispatcher } from 'undici';
import { awsCallFailed, UpstreamUnavailableError } from './errors';

/** Resolves with the secret's SecretString; rejects with UpstreamUnavailableError('secrets'). */
export type SecretReader = (secretId: string) => Promise<string>;

/** The extension listens on loopback only; the stack pins its port. */
export const EXTENSION_HOST = 'localhost';
export const EXTENSION_TOKEN_HEADER = 'x-aws-parameters-secrets-token';
/** The extension's answer is GetSecretValue's; a client secret is a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface ExtensionReaderOptions {
  dispatcher: Dispatcher;
  port: number;
  /** The execution environment's AWS_SESSION_TOKEN: the extension refuses calls without it. */
  sessionToken: string;
  host?: string;
  /** Asked from then on when nothing listens on the port (the layer is not attached). */
  fallback?: SecretReader;
}

/** Reads through the extension's `GET /secretsmanager/get?secretId=…`. */
export function createExtensionSecretReader({
  dispatcher,
  port,
  sessionToken,
  host = EXTENSION_HOST,
  fallback,
}: ExtensionReaderOptions): SecretReader {
  let absent = false;
  return async (secretId) => {
    if (absent && fallback) return fallback(secretId);
    let status: number;
    let text: string;
    try {
      const res = await dispatcher.request({
        origin: `http://${host}:${port}`,
        path: `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
        method: 'GET',
        headers: { [EXTENSION_TOKEN_HEADER]: sessionToken },
      });
      status = res.statusCode;
      text = await readCapped(res.body);
    } catch (error) {
      if (fallback && (error as { code?: string }).code === 'ECONNREFUSED') {
        absent = true;
        return fallback(secretId);
      }
      throw new UpstreamUnavailableError(
        'secrets',
        `extension call failed: ${(error as { code?: string }).code ?? (error as Error).name}`,
        undefined,
        { cause: error },
      );
    }
    // Its error answers are plain text that may quote the request: only the status is kept.
    if (status !== 200) {
      throw new UpstreamUnavailableError('secrets', `extension answered ${status}`);
    }
    let secretString: unknown;
    try {
      secretString = (JSON.parse(text) as { SecretString?: unknown }).SecretString;
    } catch {
      throw new UpstreamUnavailableError('secrets', 'extension answer is not JSON');
    }
    if (typeof secretString !== 'string') {
      throw new UpstreamUnavailableError('secrets', 'secret has no SecretString');
    }
    return secretString;
  };
}

export interface SdkReaderOptions {
  /** A ready client (tests pass one under aws-sdk-client-mock); otherwise one is made on first use. */
  client?: SecretsManagerClient;
}

/**
 * Reads with GetSecretValue through the AWS SDK, loaded on the first read. The bundle leaves
 * the SDK out and `require`s the runtime's copy (Lambda's NODE_PATH finds it; `import()` would
 * not look there); the cold-start bench measured that against a lazily-evaluated bundled copy.
 */
export function createSdkSecretReader({ client }: SdkReaderOptions = {}): SecretReader {
  let sdk: Promise<{ send: (secretId: string) => Promise<string | undefined> }> | undefined;
  const load = async () => {
    const { GetSecretValueCommand, SecretsManagerClient } =
      require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    const ready = client ?? new SecretsManagerClient({});
    return {
      send: async (secretId: string) =>
        (await ready.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
    };
  };
  return async (secretId) => {
    sdk ??= load();
    let secretString: string | undefined;
    try {
      secretString = await (await sdk).send(secretId);
    } catch (error) {
      throw awsCallFailed('secrets', 'GetSecretValue', error);
    }
    if (secretString === undefined) {
      throw new UpstreamUnavailableError('secrets', 'secret has no SecretString');
    }
    return secretString;
  };
}

export interface SecretReaderOptions {
  dispatcher: Dispatcher;
  /** Where the extension listens and the token it wants (config.runtime), when attached. */
  extension?: { port: number; sessionToken: string } | undefined;
}

/** The extension where Lambda's runtime says it is attached, else the SDK. */
export function createSecretReader({ extension, dispatcher }: SecretReaderOptions): SecretReader {
  const sdk = createSdkSecretReader();
  if (!extension) return sdk;
  return createExtensionSecretReader({ dispatcher, ...extension, fallback: sdk });
}

/** The minimum length of a key kept in a secret (the stack generates 64 characters). */
export const SECRET_KEY_MIN_LENGTH = 32;

/**
 * A key kept in a secret of the service's own (the pairwise-subject key, the service key), read
 * on first use and kept for the life of the container; a failed or short read is not kept.
 */
export function keyFromSecret(
  readSecret: SecretReader,
  secretId: string,
  what: string,
): () => Promise<Uint8Array> {
  const load = async () => {
    const value = await readSecret(secretId);
    if (value.length < SECRET_KEY_MIN_LENGTH) {
      throw new UpstreamUnavailableError(
        'secrets',
        `the ${what} is shorter than ${SECRET_KEY_MIN_LENGTH} characters`,
      );
    }
    return new TextEncoder().encode(value);
  };
  let key: Promise<Uint8Array> | undefined;
  return () => {
    key ??= load().catch((error) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      throw Object.assign(new Error('answer too large'), { code: 'TOO_LARGE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
