// The job both floors do, given a way to make an HTTP call: the same work a cold proxy does (the
// secret through the secrets extension, a client-credentials token, the guest mint, the key set,
// one RS256 verification) with no validation, no logging, no metrics, no retries. Warm, like
// the proxy, it keeps the secret, the token and the keys and only mints and verifies.

import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

export type Call = (
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
  // biome-ignore lint/suspicious/noExplicitAny: the floor trusts the emulator's JSON, unchecked
) => Promise<any>;

/** Checks the minted JWT's RS256 signature against the key set's keys. */
export type Verify = (jwt: string, keys: JsonWebKey[]) => Promise<boolean> | boolean;

/** node:crypto, synchronously: the least a verification can cost. */
const verifyWithBuiltIns: Verify = (jwt, keys) => {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString());
  const key = createPublicKey({
    key: keys.find((k) => k.kid === kid) ?? keys[0],
    format: 'jwk',
  } as never);
  return verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    key,
    Buffer.from(signature, 'base64url'),
  );
};

export function floorHandler(call: Call, verifyJwt: Verify = verifyWithBuiltIns) {
  const env = process.env;
  const api = env.GENESYS_API_BASE_URL as string;
  const login = env.GENESYS_LOGIN_BASE_URL as string;

  let ready: Promise<{ token: string; keys: JsonWebKey[] }> | undefined;
  async function load() {
    const secret = await call(
      `http://localhost:${env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT}/secretsmanager/get?secretId=${encodeURIComponent(env.GENESYS_CREDENTIALS_SECRET_ID as string)}`,
      'GET',
      { 'x-aws-parameters-secrets-token': env.AWS_SESSION_TOKEN as string },
    );
    const { clientId, clientSecret } = JSON.parse(secret.SecretString);
    const [oauth, keySet] = await Promise.all([
      call(
        `${login}/oauth/token`,
        'POST',
        {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        'grant_type=client_credentials',
      ),
      call(`${api}/api/v2/oauth/publickey`, 'GET', {}),
    ]);
    return {
      token: oauth.access_token as string,
      keys: (keySet.keys ?? [keySet]) as JsonWebKey[],
    };
  }

  return async function handler(event: { body: string }) {
    ready ??= load();
    const { token, keys } = await ready;
    const minted = await call(
      `${api}/api/v2/webchat/guest`,
      'POST',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      event.body,
    );
    const jwt = minted.access_token as string;
    const valid = await verifyJwt(jwt, keys);
    return { statusCode: valid ? 200 : 502, body: JSON.stringify({ accessToken: jwt }) };
  };
}
