// The compact JWS around a signer's RS256 signature (jose cannot sign with a key it does not hold,
// as with KMS), and the public keys as a JWKS with RFC 7638 thumbprints as `kid`.

import { createHash, webcrypto } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface PublicSigningKey extends JWK {
  kid: string;
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
}

export interface Signer {
  /** The key that signs now, with its kid. */
  current(): Promise<PublicSigningKey>;
  /** Every key a verifier should accept: the current one first, then the previous and next, if any. */
  publicKeys(): Promise<PublicSigningKey[]>;
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the bytes given. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** A JWT signed by the signer's current key: `header.payload.signature`, base64url. */
export async function signJwt(
  signer: Signer,
  payload: Record<string, unknown>,
  type = 'JWT',
): Promise<string> {
  const { kid } = await signer.current();
  const header = { alg: 'RS256', typ: type, kid };
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = await signer.sign(new TextEncoder().encode(input));
  return `${input}.${base64url.encode(signature)}`;
}

/** A public key as we publish it: RSA, RS256, for signatures, kid = its JWK thumbprint. */
export async function toPublicSigningKey(jwk: JWK): Promise<PublicSigningKey> {
  const { kty, n, e } = jwk;
  if (kty !== 'RSA' || !n || !e) throw new Error('the signing key is not an RSA key');
  const kid = await calculateJwkThumbprint({ kty, n, e }, 'sha256');
  return { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' };
}

/** An RS256 key pair generated in memory; `rotate()` keeps the old public key published. */
export async function createLocalSigner(): Promise<Signer & { rotate(): Promise<void> }> {
  type Pair = { privateKey: CryptoKey; publicKey: PublicSigningKey };
  const generate = async (): Promise<Pair> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    return { privateKey, publicKey: await toPublicSigningKey(await exportJWK(publicKey)) };
  };
  let current = await generate();
  let previous: Pair | undefined;
  return {
    current: async () => current.publicKey,
    publicKeys: async () => [current.publicKey, ...(previous ? [previous.publicKey] : [])],
    async sign(signingInput) {
      const signature = await webcrypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        current.privateKey,
        signingInput,
      );
      return new Uint8Array(signature);
    },
    async rotate() {
      previous = current;
      current = await generate();
    },
  };
}

/** SHA-256 of the signing input, for signers that sign a digest (KMS). */
export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}
