// Keys derived from the OIDC client secret, one per purpose (HKDF-SHA256, salted with the client
// id): rotating the secret retires every access token, guest session and refresh successor.

import { hkdfSync } from 'node:crypto';
import type { ClientCredentials } from '../../platform/credentials';

export type KeyPurpose = 'userinfo access token' | 'guest session' | 'refresh token successor';

/** Derived once per client and purpose: a rotated secret arrives as a new credentials object. */
const derived = new WeakMap<ClientCredentials, Map<KeyPurpose, Uint8Array>>();

export function clientKey(client: ClientCredentials, purpose: KeyPurpose): Uint8Array {
  let keys = derived.get(client);
  if (!keys) {
    keys = new Map();
    derived.set(client, keys);
  }
  let key = keys.get(purpose);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', client.clientSecret, client.clientId, purpose, 32));
    keys.set(purpose, key);
  }
  return key;
}
