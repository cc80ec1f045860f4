// KMS, locally: Sign (RS256 over a SHA-256 digest, as RSASSA_PKCS1_V1_5_SHA_256) and
// GetPublicKey with a key the caller holds, answered in KMS's JSON protocol like the real one.

import { constants, createPublicKey, KeyObject, privateEncrypt } from 'node:crypto';
import type { JWK } from 'jose';
import type { HttpFault } from './stand-in-server';

export type KmsOperation = 'Sign' | 'GetPublicKey';
export const KMS_PROTOCOL = 'application/x-amz-json-1.1';
export const KMS_TARGETS: Record<string, KmsOperation> = {
  'TrentService.Sign': 'Sign',
  'TrentService.GetPublicKey': 'GetPublicKey',
};

/** An AWS error as the service's JSON protocol answers it. */
export function awsError(status: number, type: string): HttpFault {
  return { kind: 'status', status, body: { __type: type, message: 'injected by the emulator' } };
}

/** What KMS answers when it is throttling or failing inside. */
export const KMS_FAULTS: readonly HttpFault[] = [
  awsError(400, 'ThrottlingException'),
  awsError(500, 'KMSInternalException'),
  { kind: 'latency', ms: 300 },
];

/** The DER DigestInfo prefix of a SHA-256 digest (RFC 8017 §9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function kmsAnswer(
  operation: KmsOperation,
  input: { KeyId?: string; Message?: string },
  key: { privateKey: CryptoKey; publicJwk: JWK },
): unknown {
  if (operation === 'GetPublicKey') {
    const der = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'der',
    });
    return {
      KeyId: input.KeyId,
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
      PublicKey: der.toString('base64'),
    };
  }
  const digest = Buffer.from(String(input.Message), 'base64');
  const signature = privateEncrypt(
    { key: KeyObject.from(key.privateKey), padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([SHA256_DIGEST_INFO, digest]),
  );
  return {
    KeyId: input.KeyId,
    Signature: signature.toString('base64'),
    SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
  };
}
