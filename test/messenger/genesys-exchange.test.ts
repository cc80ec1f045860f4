// The emulator's side of authenticated web messaging against our provider over real HTTP, as
// docs/deploy.md describes Genesys: the exchange fetches our discovery document, redeems the code
// at our token endpoint with the integration's client credentials (either method), verifies the
// id_token and answers a Genesys JWT and refresh token; and what Messenger sees when that fails.

import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { request } from 'undici';
import { DEV_OIDC_CREDENTIALS, MESSENGER_PATHS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { OIDC_PATHS } from '../../lambda/profiles/messenger/provider';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';

let stack: LocalStack;
let logs: LogCapture;

beforeAll(async () => {
  logs = captureLogs();
  stack = await startLocal({ GENESYS_PROFILE: 'messenger', PORT: '0', HOST: '127.0.0.1' });
});
afterAll(async () => {
  await stack.close();
  logs.restore();
});
afterEach(() => {
  stack.emulator?.clearFaults();
  stack.emulator?.configureMessenger({
    discoveryUri: `${stack.url}${OIDC_PATHS.discovery}`,
    ...DEV_OIDC_CREDENTIALS,
  });
});

/** What the page's plugin does: a code for a fresh nonce and PKCE pair. */
async function getAuthCode() {
  const verifier = randomBytes(32).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const res = await request(`${stack.url}/guest-token`, {
    method: 'POST',
    headers: { origin: stack.url, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0' },
    body: JSON.stringify({
      name: 'Ada',
      nonce,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
    }),
  });
  const body = (await res.body.json()) as { authCode: string; redirectUri: string };
  return { code: body.authCode, redirectUri: body.redirectUri, nonce, codeVerifier: verifier };
}

/** What Messenger does with it. */
async function exchange(oauth: Record<string, string>) {
  const res = await request(`${stack.emulator?.baseUrl}${MESSENGER_PATHS.exchange}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deploymentId: 'deployment-1', oauth }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe("Genesys's code exchange against our provider", () => {
  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'redeems the code with %s and answers a Genesys JWT for our guest, then refreshes it',
    async (clientAuth) => {
      stack.emulator?.configureMessenger({
        discoveryUri: `${stack.url}${OIDC_PATHS.discovery}`,
        ...DEV_OIDC_CREDENTIALS,
        clientAuth,
      });
      const answer = await exchange(await getAuthCode());
      expect(answer.status).toBe(200);
      const jwt = decodeJwt(String(answer.body.jwt));
      expect(jwt).toMatchObject({ name: 'Ada', deploymentId: 'deployment-1' });
      expect(jwt.sub).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);

      const refreshed = await request(`${stack.emulator?.baseUrl}${MESSENGER_PATHS.refresh}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          refreshToken: answer.body.refreshToken,
          deploymentId: 'deployment-1',
        }),
      });
      expect(refreshed.statusCode).toBe(200);
      expect(decodeJwt(String(((await refreshed.body.json()) as { jwt: string }).jwt)).sub).toBe(
        jwt.sub,
      );
    },
  );

  it.each([
    [
      'a replayed code',
      async () => {
        const code = await getAuthCode();
        expect((await exchange(code)).status).toBe(200);
        return code;
      },
      'invalid_grant',
    ],
    [
      'another nonce',
      async () => ({ ...(await getAuthCode()), nonce: 'someone-elses-nonce-1234' }),
      undefined,
    ],
    [
      'a wrong verifier',
      async () => ({ ...(await getAuthCode()), codeVerifier: 'x'.repeat(43) }),
      'invalid_grant',
    ],
  ])(
    'fails %s, saying what our token endpoint answered',
    async (_name, makeCode, providerError) => {
      const answer = await exchange(await makeCode());
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'oauth.code.exchange.failed',
        ...(providerError && { providerError }),
      });
      expect(answer.body).not.toHaveProperty('jwt');
    },
  );

  it('fails when the integration holds a wrong client secret (our endpoint: invalid_client)', async () => {
    stack.emulator?.configureMessenger({
      discoveryUri: `${stack.url}${OIDC_PATHS.discovery}`,
      clientId: DEV_OIDC_CREDENTIALS.clientId,
      clientSecret: 'not-the-secret',
    });
    const answer = await exchange(await getAuthCode());
    expect(answer).toEqual({
      status: 400,
      body: expect.objectContaining({ providerError: 'invalid_client' }),
    });
  });

  it('can be made slow or failing, for the page to see Genesys misbehave', async () => {
    stack.emulator?.injectMessenger('exchange', { kind: 'status', status: 503 });
    expect((await exchange(await getAuthCode())).status).toBe(503);
    stack.emulator?.injectMessenger('exchange', { kind: 'latency', ms: 50 });
    const started = Date.now();
    expect((await exchange(await getAuthCode())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });
});
