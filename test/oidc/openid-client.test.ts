// Acceptance for the messenger profile's provider: a certified OpenID relying party that nobody
// here wrote (openid-client 6) runs the whole flow against `npm start`'s stack in messenger
// mode, over real HTTP. Its only relaxation is allowing http on loopback.

import * as client from 'openid-client';
import { request } from 'undici';
import { DEV_OIDC_CREDENTIALS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';

let stack: LocalStack;
let logs: LogCapture;
const sent: string[] = [];

beforeAll(async () => {
  logs = captureLogs();
  stack = await startLocal({ GENESYS_PROFILE: 'messenger', PORT: '0', HOST: '127.0.0.1' });
});
afterAll(async () => {
  await stack.close();
  logs.restore();
  // Nothing a relying party holds may reach a log line.
  const leaked = sent.filter((value) => logs.lines.some((line) => line.includes(value)));
  expect(leaked).toEqual([]);
});

const authentications = [
  ['client_secret_basic', client.ClientSecretBasic(DEV_OIDC_CREDENTIALS.clientSecret)],
  ['client_secret_post', client.ClientSecretPost(DEV_OIDC_CREDENTIALS.clientSecret)],
] as const;

describe.each(authentications)('openid-client with %s', (method, authentication) => {
  it('discovers the provider, signs in through /authorize with PKCE, nonce and state, and reads userinfo', async () => {
    // Discovery
    const config = await client.discovery(
      new URL(stack.url),
      DEV_OIDC_CREDENTIALS.clientId,
      undefined,
      authentication,
      { execute: [client.allowInsecureRequests] },
    );
    expect(config.serverMetadata().issuer).toBe(stack.url);
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain(method);

    // The authorization request, followed as a browser would (one redirect, not followed).
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const redirectUri = `${stack.url}/`;
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const redirect = await request(authorizationUrl, { headers: { 'user-agent': 'Mozilla/5.0' } });
    await redirect.body.dump();
    expect(redirect.statusCode).toBe(302);
    const callback = new URL(String(redirect.headers.location));
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    sent.push(verifier, callback.searchParams.get('code') ?? 'no code');

    // The token exchange: PKCE, nonce, state, iss and the id_token all checked by the library.
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    sent.push(tokens.access_token, tokens.id_token ?? 'no id_token');
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: stack.url,
      aud: DEV_OIDC_CREDENTIALS.clientId,
      nonce,
      name: 'Anonymous Guest',
    });
    expect(claims?.sub).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(claims).not.toHaveProperty('email');

    // userinfo, with the library's own check that its sub is the id_token's.
    const info = await client.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(info).toEqual({
      sub: claims?.sub,
      name: 'Anonymous Guest',
      given_name: 'Anonymous Guest',
    });
  });
});
