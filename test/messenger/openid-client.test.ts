// Acceptance for the messenger profile's provider: a certified OpenID relying party that nobody
// here wrote (openid-client 6) runs the whole flow against `npm start`'s stack in messenger
// mode, over real HTTP. Its only relaxation is allowing http on loopback. It runs twice: with
// the in-memory key and code store, and with the real AWS SDK clients for KMS, DynamoDB and
// Secrets Manager pointed at the emulator's stand-ins (the code path Lambda takes).

import * as client from 'openid-client';
import { request } from 'undici';
import { DEV_OIDC_CREDENTIALS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { awsBackedSettings, type EmulatedAws, startEmulatedAws } from '../fixtures/emulated-aws';

const OIDC_SECRET_ID = 'genesys-guest-token-proxy/test-oidc';

let stack: LocalStack;
let aws: EmulatedAws;
beforeAll(async () => {
  aws = await startEmulatedAws(OIDC_SECRET_ID);
});
afterAll(() => aws.close());

const backends = [
  ['the in-memory key and code store', {}],
  ['KMS, DynamoDB and Secrets Manager through the AWS SDK', awsBackedSettings(OIDC_SECRET_ID)],
] as const;

describe.each(backends)('with %s', (_backend, env) => {
  beforeAll(async () => {
    aws.emulator.resetCounters();
    stack = await startLocal(
      { GENESYS_PROFILE: 'messenger', PORT: '0', HOST: '127.0.0.1', ...env },
      { emulator: aws.emulator },
    );
  });
  afterAll(() => stack.close());

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
      const redirect = await request(authorizationUrl, {
        headers: { 'user-agent': 'Mozilla/5.0' },
      });
      await redirect.body.dump();
      expect(redirect.statusCode).toBe(302);
      const callback = new URL(String(redirect.headers.location));
      expect(callback.origin + callback.pathname).toBe(redirectUri);
      aws.sent.push(verifier, callback.searchParams.get('code') ?? 'no code');

      // The token exchange: PKCE, nonce, state, iss and the id_token all checked by the library.
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedNonce: nonce,
        expectedState: state,
        idTokenExpected: true,
      });
      aws.sent.push(tokens.access_token, tokens.id_token ?? 'no id_token');
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      const claims = tokens.claims();
      expect(claims).toMatchObject({
        iss: stack.url,
        aud: DEV_OIDC_CREDENTIALS.clientId,
        nonce,
        name: 'Anonymous Guest',
      });
      expect(claims?.sub).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
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

  it('made the calls the backend implies', () => {
    const viaSdk = 'OIDC_CODE_TABLE' in env;
    // Two sign-ins: per code a write, a claim and a signature, and a write for the refresh
    // token the redemption starts; the key once.
    expect(aws.emulator.aws.calls).toEqual(
      viaSdk
        ? { PutItem: 4, DeleteItem: 0, Sign: 2, GetPublicKey: 1, GetItem: 0, UpdateItem: 2 }
        : { PutItem: 0, DeleteItem: 0, Sign: 0, GetPublicKey: 0, GetItem: 0, UpdateItem: 0 },
    );
  });
});
