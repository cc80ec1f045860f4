// The KMS signer, with aws-sdk-client-mock standing in for KMS and answering with a real RSA
// key pair: GetPublicKey gives its SPKI DER, Sign signs the digest it is sent. The id_tokens
// it produces must verify against the JWKS built from GetPublicKey.

import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateEncrypt,
} from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import { createKmsSigner } from '../../lambda/profiles/messenger/kms-signer';
import { signJwt } from '../../lambda/profiles/messenger/signer';
import { manualClock } from '../fixtures/manual-clock';

const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/0b7c7e4a-3c1e-4f7e-9d55-2d8b8a1c0e11';
const PREVIOUS = 'arn:aws:kms:eu-west-1:123456789012:key/1c8d8f5b-4d2f-4a8f-8e66-3e9c9b2d1f22';
const kms = mockClient(KMSClient);

function keyPair() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { privateKey: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), der };
}
const current = keyPair();
const previous = keyPair();

function kmsWithKeys() {
  kms.on(GetPublicKeyCommand, { KeyId: KEY_ID }).resolves({
    KeyId: KEY_ID,
    KeySpec: 'RSA_2048',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
    PublicKey: new Uint8Array(current.der),
  });
  kms.on(GetPublicKeyCommand, { KeyId: PREVIOUS }).resolves({
    KeyId: PREVIOUS,
    KeySpec: 'RSA_2048',
    SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
    PublicKey: new Uint8Array(previous.der),
  });
  // KMS signs the digest it is given (MessageType DIGEST) with PKCS#1 v1.5.
  kms.on(SignCommand).callsFake((input) => {
    expect(input).toMatchObject({
      KeyId: KEY_ID,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    // A PKCS#1 v1.5 signature is the private-key operation on the DigestInfo (RFC 8017 §8.2.1).
    const signature = privateEncrypt(
      { key: current.privateKey, padding: constants.RSA_PKCS1_PADDING },
      withSha256Prefix(input.Message as Uint8Array),
    );
    return { Signature: new Uint8Array(signature) };
  });
}

/** DigestInfo for SHA-256 (RFC 8017 §9.2), so a raw PKCS#1 v1.5 signature over a digest verifies. */
function withSha256Prefix(digest: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest]);
}

const signer = () =>
  createKmsSigner({
    client: new KMSClient({ region: 'eu-west-1' }),
    keyId: KEY_ID,
    previousKeyId: PREVIOUS,
    clock: manualClock(),
  });

beforeEach(() => kms.reset());

describe('the KMS signer', () => {
  it('signs id_tokens that verify against the JWKS built from GetPublicKey', async () => {
    kmsWithKeys();
    const kmsSigner = signer();
    const jwt = await signJwt(kmsSigner, {
      iss: 'https://issuer.example',
      sub: 'guest-1',
      aud: 'client',
    });
    const jwks = { keys: await kmsSigner.publicKeys() };
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[0]?.kid).not.toBe(jwks.keys[1]?.kid);

    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      issuer: 'https://issuer.example',
      audience: 'client',
    });
    expect(payload.sub).toBe('guest-1');
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]?.kid });
    expect(kms.commandCalls(SignCommand)).toHaveLength(1);
  });

  it('publishes the next key ahead of a rotation, and still signs with the current one', async () => {
    kmsWithKeys();
    const next = keyPair();
    const NEXT = 'arn:aws:kms:eu-west-1:123456789012:key/2d9e9a6c-5e3a-4b9a-9f77-4fadac3e2a33';
    kms.on(GetPublicKeyCommand, { KeyId: NEXT }).resolves({
      KeyId: NEXT,
      KeySpec: 'RSA_2048',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
      PublicKey: new Uint8Array(next.der),
    });
    const rotating = createKmsSigner({
      client: new KMSClient({ region: 'eu-west-1' }),
      keyId: KEY_ID,
      previousKeyId: PREVIOUS,
      nextKeyId: NEXT,
      clock: manualClock(),
    });
    const keys = await rotating.publicKeys();
    expect(keys).toHaveLength(3);
    expect(new Set(keys.map((key) => key.kid)).size).toBe(3);
    // The current key still signs (the Sign stand-in refuses any other KeyId).
    const jwt = await signJwt(rotating, { iss: 'https://issuer.example', sub: 'guest-1' });
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet({ keys }), {
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(keys[0]?.kid);
  });

  it('fetches the public keys once per container', async () => {
    kmsWithKeys();
    const kmsSigner = signer();
    await signJwt(kmsSigner, { sub: 'a' });
    await signJwt(kmsSigner, { sub: 'b' });
    await kmsSigner.publicKeys();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2); // current + previous
  });

  it.each([
    [
      'an ECC key',
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] },
      'kms GetPublicKey: key spec ECC_NIST_P256 (usage SIGN_VERIFY) cannot sign RS256',
    ],
    [
      'an RSA key for encryption',
      {
        KeySpec: 'RSA_2048',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EncryptionAlgorithms: ['RSAES_OAEP_SHA_256'],
      },
      'kms GetPublicKey: key spec RSA_2048 (usage ENCRYPT_DECRYPT) cannot sign RS256',
    ],
  ] as [string, GetPublicKeyCommandOutput, string][])(
    'names %s as a configuration error at its first use',
    async (_case, answer, detail) => {
      kms.on(GetPublicKeyCommand).resolves({ ...answer, PublicKey: new Uint8Array(current.der) });
      const error = (await signer()
        .current()
        .catch((e: unknown) => e)) as UpstreamUnavailableError;
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error.detail).toContain(detail);
      expect(error.detail).toContain(
        'OIDC_SIGNING_KEY_ID must name an RSA key with usage SIGN_VERIFY',
      );
    },
  );

  it.each([
    ['KeySpec', { KeySpec: 'RSA_3072' }],
    ['only the older CustomerMasterKeySpec', { CustomerMasterKeySpec: 'RSA_4096' }],
  ] as [string, GetPublicKeyCommandOutput][])(
    'takes any RSA signing key, its spec named by %s',
    async (_case, spec) => {
      kms.on(GetPublicKeyCommand).resolves({
        ...spec,
        SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
        PublicKey: new Uint8Array(current.der),
      });
      await expect(signer().current()).resolves.toMatchObject({ kid: expect.any(String) });
    },
  );

  it.each([
    ['AccessDeniedException', 400, 5],
    ['ThrottlingException', 400, 1],
    ['KMSInternalException', 500, 5],
  ])(
    'turns a %s from Sign into a 503 naming the service, operation, status and request id',
    async (name, status, retryAfter) => {
      kmsWithKeys();
      kms.on(SignCommand).rejects(
        Object.assign(new Error('the message is not logged'), {
          name,
          $metadata: { httpStatusCode: status, requestId: 'c0ffee00-1111-2222-3333-444455556666' },
        }),
      );
      const error = (await signJwt(signer(), { sub: 'a' }).catch(
        (e: unknown) => e,
      )) as UpstreamUnavailableError;
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error.upstream).toBe('kms');
      expect(error.detail).toBe(
        `kms Sign: ${name} (${status}, request id c0ffee00-1111-2222-3333-444455556666)`,
      );
      expect(error.retryAfterSeconds).toBe(retryAfter);
    },
  );
});
