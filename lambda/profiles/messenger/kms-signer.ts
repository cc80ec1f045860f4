// id_tokens signed by a KMS RSA key that never leaves KMS: one Sign over the SHA-256 digest
// (RSASSA_PKCS1_V1_5_SHA_256 is RS256); public keys read once per container: the signing key's,
// and those of the key before it and of the next one, published in the JWKS around a rotation.

import type { GetPublicKeyCommandOutput, KMSClient } from '@aws-sdk/client-kms';
import { exportJWK, importSPKI } from 'jose';
import { createCachedValue } from '../../platform/cached-value';
import type { Clock } from '../../platform/clock';
import { awsCallFailed, UpstreamUnavailableError } from '../../platform/errors';
import { type PublicSigningKey, type Signer, sha256, toPublicSigningKey } from './signer';

export interface KmsSignerOptions {
  client: KMSClient;
  keyId: string;
  /** The key that signed before the current one, still published until its tokens expire. */
  previousKeyId?: string | undefined;
  /** The key that signs after the next rotation, published ahead of it (docs/operations.md). */
  nextKeyId?: string | undefined;
  clock: Clock;
}

/** The runtime's SDK, loaded with the signer (never at the bundle's load: see lambda/index.ts). */
const kmsSdk = () => require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');

export function createKmsSigner({
  client,
  keyId,
  previousKeyId,
  nextKeyId,
  clock,
}: KmsSignerOptions): Signer {
  const { SignCommand } = kmsSdk();
  const keys = createCachedValue(async () => {
    const ids = [keyId, previousKeyId, nextKeyId].filter((id): id is string => id !== undefined);
    const value = await Promise.all(ids.map((id) => publicKeyOf(client, id)));
    // Public keys do not change under a key id: they are kept for the life of the container.
    return { value, expiresAt: Number.POSITIVE_INFINITY };
  }, clock);

  return {
    current: async () => (await keys.get())[0] as PublicSigningKey,
    publicKeys: () => keys.get(),
    async sign(signingInput) {
      let signature: Uint8Array | undefined;
      try {
        const out = await client.send(
          new SignCommand({
            KeyId: keyId,
            Message: sha256(signingInput),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        );
        signature = out.Signature;
      } catch (error) {
        throw awsCallFailed('kms', 'Sign', error);
      }
      if (!signature)
        throw new UpstreamUnavailableError('kms', 'kms Sign: the answer holds no signature');
      return signature;
    },
  };
}

async function publicKeyOf(client: KMSClient, keyId: string): Promise<PublicSigningKey> {
  const { GetPublicKeyCommand } = kmsSdk();
  let out: GetPublicKeyCommandOutput;
  try {
    out = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    throw awsCallFailed('kms', 'GetPublicKey', error);
  }
  // Any RSA key that may sign with RSASSA_PKCS1_V1_5_SHA_256 (RS256) will do; KMS names the
  // spec KeySpec, and older answers (and some stand-ins) only CustomerMasterKeySpec.
  const spec = out.KeySpec ?? out.CustomerMasterKeySpec ?? 'of unknown spec';
  const usable =
    spec.startsWith('RSA_') &&
    (out.KeyUsage === undefined || out.KeyUsage === 'SIGN_VERIFY') &&
    out.SigningAlgorithms?.includes('RSASSA_PKCS1_V1_5_SHA_256');
  if (!usable) {
    throw new UpstreamUnavailableError(
      'kms',
      `kms GetPublicKey: key spec ${spec}${out.KeyUsage ? ` (usage ${out.KeyUsage})` : ''} cannot sign RS256: OIDC_SIGNING_KEY_ID must name an RSA key with usage SIGN_VERIFY`,
    );
  }
  const der = out.PublicKey;
  if (!der) throw new UpstreamUnavailableError('kms', 'kms GetPublicKey: the answer holds no key');
  const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString('base64')}\n-----END PUBLIC KEY-----`;
  const key = await importSPKI(pem, 'RS256', { extractable: true });
  return toPublicSigningKey(await exportJWK(key));
}
