// Keys only this service holds, one per purpose, derived (HKDF-SHA256) from the service key: a
// secret the stack generates in Secrets Manager and gives to nobody else. Never from the OIDC
// client secret, which Genesys (and whoever set up its integration) holds too: with that, one
// could seal a guest session for any subject or sign access tokens /userinfo accepts.

import { hkdfSync } from 'node:crypto';

export type KeyPurpose = 'userinfo access token' | 'guest session' | 'refresh token successor';

/** The service key, as the provider reads it (Secrets Manager in Lambda; generated locally). */
export type ServiceKey = () => Promise<Uint8Array>;

/** Derived once per service key and purpose. */
const derived = new WeakMap<Uint8Array, Map<KeyPurpose, Uint8Array>>();

export async function serviceKey(source: ServiceKey, purpose: KeyPurpose): Promise<Uint8Array> {
  const secret = await source();
  let keys = derived.get(secret);
  if (!keys) {
    keys = new Map();
    derived.set(secret, keys);
  }
  let key = keys.get(purpose);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', secret, 'genesys-guest-token-proxy', purpose, 32));
    keys.set(purpose, key);
  }
  return key;
}
