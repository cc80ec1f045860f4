// The messenger profile's refusals through the real chain (docs/security.md, RFC 6749 §5.2,
// RFC 7636 §4.6): each asserts the RFC error and status, that no token is in the answer, and
// (on close) that nothing secret reached a log line.

import { createLocalJWKSet, jwtVerify } from 'jose';
import { createLocalSigner, type Signer } from '../../lambda/profiles/messenger/signer';
import type { Answer } from '../fixtures/harness';
import {
  CLIENT,
  ISSUER,
  type MessengerHarness,
  ORIGIN,
  REDIRECT_URI,
  rotatingClient,
  startMessengerHarness,
} from '../fixtures/messenger-harness';

let h: MessengerHarness;
let signer: Signer;
beforeAll(async () => {
  signer = await createLocalSigner(); // RSA key generation is the slow part: once per file.
});
beforeEach(async () => {
  h = await startMessengerHarness({ signer });
});
afterEach(() => h.close());

function expectOAuthError(answer: Answer, status: number, error: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error, error_description: expect.any(String) });
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.raw).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
}

/** A code, and the form that redeems it. */
const issued = () => h.issued();

describe('the happy path', () => {
  it('issues a code for a checked guest and redeems it once for a verifiable id_token', async () => {
    const { form, nonce } = await issued();
    const answer = await h.redeem(form);
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toMatchObject({
      token_type: 'Bearer',
      // The access token lives 900 s by default (Genesys's JWT lives the smaller of 15 minutes
      // and this); the id_token stays short.
      expires_in: 900,
      scope: 'openid profile',
    });
    const [, access] = (answer.body.access_token as string).split('.');
    const accessClaims = JSON.parse(Buffer.from(access as string, 'base64url').toString());
    expect(accessClaims.exp - accessClaims.iat).toBe(900);

    const keys = createLocalJWKSet({ keys: await h.provider.signer.publicKeys() });
    const { payload, protectedHeader } = await jwtVerify(answer.body.id_token, keys, {
      issuer: ISSUER,
      audience: CLIENT.clientId,
      algorithms: ['RS256'],
      currentDate: new Date(h.clock()),
    });
    expect(protectedHeader.kid).toBe((await h.provider.signer.current()).kid);
    expect(payload).toMatchObject({ nonce, name: 'Ada Lovelace', given_name: 'Ada Lovelace' });
    expect(payload.exp).toBe((payload.iat as number) + 300);
    expect(payload).not.toHaveProperty('email');
  });

  it('never puts a typed email or phone into the identity claims', async () => {
    const { answer, pkce } = await h.requestCode({
      email: 'someone.else@example.com',
      customAttributes: { phone: '+1 415 555 0100' },
    });
    const tokens = await h.redeem({
      grant_type: 'authorization_code',
      code: answer.body.authCode,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
    });
    const [, payload] = (tokens.body.id_token as string).split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'auth_time', 'exp', 'given_name', 'iat', 'iss', 'name', 'nonce', 'sub'].sort(),
    );
  });
});

describe('redeeming a code', () => {
  it('refuses a replayed code', async () => {
    const { form } = await issued();
    expect((await h.redeem(form)).status).toBe(200);
    expectOAuthError(await h.redeem(form), 400, 'invalid_grant');
  });

  it('lets exactly one of two concurrent redemptions succeed', async () => {
    const { form } = await issued();
    const answers = await Promise.all([h.redeem(form), h.redeem(form)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expectOAuthError(answers.find((a) => a.status === 400) as Answer, 400, 'invalid_grant');
  });

  it('refuses an expired code', async () => {
    const { form } = await issued();
    h.clock.advance(60_000);
    expectOAuthError(await h.redeem(form), 400, 'invalid_grant');
  });

  it('refuses a code never issued', async () => {
    const { form } = await issued();
    expectOAuthError(await h.redeem({ ...form, code: 'A'.repeat(43) }), 400, 'invalid_grant');
  });

  it('refuses a different redirect_uri, and the code is spent', async () => {
    const { form } = await issued();
    expectOAuthError(
      await h.redeem({ ...form, redirect_uri: 'https://www.example.com/other' }),
      400,
      'invalid_grant',
    );
    expectOAuthError(await h.redeem(form), 400, 'invalid_grant');
  });

  it.each([
    [
      'missing',
      (form: Record<string, string>) => {
        const { code_verifier: _, ...rest } = form;
        return rest;
      },
      'invalid_request',
    ],
    [
      'wrong',
      (form: Record<string, string>) => ({ ...form, code_verifier: 'x'.repeat(43) }),
      'invalid_grant',
    ],
    [
      'plain (the challenge itself)',
      (form: Record<string, string>, challenge: string) => ({
        ...form,
        code_verifier: challenge,
      }),
      'invalid_grant',
    ],
    [
      'malformed',
      (form: Record<string, string>) => ({ ...form, code_verifier: 'short' }),
      'invalid_request',
    ],
  ])('refuses a %s PKCE verifier', async (_name, change, error) => {
    const { form, pkce } = await issued();
    expectOAuthError(await h.redeem(change(form, pkce.challenge)), 400, error);
  });

  it('refuses a wrong client secret with 401 and a Basic challenge', async () => {
    const { form } = await issued();
    for (const auth of ['basic', 'post'] as const) {
      const answer = await h.redeem(form, auth, 'not-the-secret');
      expectOAuthError(answer, 401, 'invalid_client');
      expect(answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
    // The code was not touched by the failed authentications.
    expect((await h.redeem(form)).status).toBe(200);
  });

  it('refuses no client authentication with 401', async () => {
    const { form } = await issued();
    const answer = await h.redeem(form, 'none');
    expectOAuthError(answer, 401, 'invalid_client');
    expect(answer.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('refuses both client authentication methods at once', async () => {
    const { form } = await issued();
    expectOAuthError(await h.redeem(form, 'both'), 400, 'invalid_request');
  });

  it('refuses a missing grant_type as invalid_request', async () => {
    const { form } = await issued();
    const { grant_type: _, ...rest } = form;
    expectOAuthError(await h.redeem(rest), 400, 'invalid_request');
  });

  it('refuses grant_type=refresh_token without a refresh token, and a token not of ours', async () => {
    const { form } = await issued();
    expectOAuthError(
      await h.redeem({ ...form, grant_type: 'refresh_token' }),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await h.redeem({ grant_type: 'refresh_token', refresh_token: 'not-one-of-ours' }),
      400,
      'invalid_grant',
    );
  });

  it.each(['client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer'])(
    'refuses grant_type=%s',
    async (grantType) => {
      const { form } = await issued();
      expectOAuthError(
        await h.redeem({ ...form, grant_type: grantType }),
        400,
        'unsupported_grant_type',
      );
    },
  );

  it.each([
    ['a JSON body', { 'Content-Type': 'application/json' }, '{"grant_type":"authorization_code"}'],
    ['a repeated parameter', undefined, 'grant_type=authorization_code&code=a&code=b'],
  ])('refuses %s with invalid_request', async (_name, headers, body) => {
    const answer = await h.call({
      method: 'POST',
      path: '/oauth/token',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
        ...headers,
      },
      body,
    });
    expectOAuthError(answer, 400, 'invalid_request');
  });

  it('answers 405 to a GET', async () => {
    const answer = await h.call({ path: '/oauth/token' });
    expectOAuthError(answer, 405, 'invalid_request');
    expect(answer.headers.allow).toBe('POST');
  });
});

describe('/authorize', () => {
  const query = (params: Record<string, string>) =>
    `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'state-1',
      nonce: 'nonce-abcdefghijklmnop',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    })}`;

  it.each([
    ['an unknown client_id', { client_id: 'someone-else' }],
    ['a redirect URI that is not registered', { redirect_uri: 'https://evil.example/' }],
    ['a registered redirect URI with a different path', { redirect_uri: `${REDIRECT_URI}x` }],
  ])('answers %s with a 400 page and never a redirect', async (_name, params) => {
    const answer = await h.call({ path: query(params) });
    expect(answer.status).toBe(400);
    expect(answer.headers.location).toBeUndefined();
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.raw).not.toContain('evil.example');
  });

  it.each([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no openid scope', { scope: 'profile' }, 'invalid_scope'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no nonce', { nonce: '' }, 'invalid_request'],
  ])('redirects %s back with the error and the state', async (_name, params, error) => {
    const answer = await h.call({ path: query(params) });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.location as string);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('refuses a bot user agent with access_denied', async () => {
    const answer = await h.call({
      path: query({}),
      headers: { 'User-Agent': 'python-requests/2.31' },
    });
    expect(new URL(answer.headers.location as string).searchParams.get('error')).toBe(
      'access_denied',
    );
  });

  it('issues a code by redirect with state and iss', async () => {
    const answer = await h.call({ path: query({}) });
    const location = new URL(answer.headers.location as string);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('iss')).toBe(ISSUER);
  });
});

describe('the code request (POST /guest-token)', () => {
  it.each([
    ['no nonce', { nonce: undefined }, 'nonce'],
    ['a short nonce', { nonce: 'abc' }, 'nonce'],
    ['no challenge', { codeChallenge: undefined }, 'codeChallenge'],
    ['plain PKCE', { codeChallengeMethod: 'plain' }, 'codeChallengeMethod'],
    ['an unregistered redirect URI', { redirectUri: 'https://evil.example/' }, 'redirectUri'],
  ])('answers %s with 400 naming the field, and issues nothing', async (_name, body, field) => {
    const { answer } = await h.requestCode(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_REQUEST');
    expect(answer.body.error.message).toMatch(new RegExp(`^${field}`));
    expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('refuses a foreign origin like the guest-api profile does', async () => {
    const answer = await h.call({
      method: 'POST',
      path: '/guest-token',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('ORIGIN_NOT_ALLOWED');
  });
});

describe('/userinfo and the public documents', () => {
  it('answers the id_token claims for a valid access token, 401 otherwise', async () => {
    const { form } = await issued();
    const tokens = await h.redeem(form);
    const info = await h.call({
      path: '/userinfo',
      headers: { Authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      sub: expect.any(String),
      name: 'Ada Lovelace',
      given_name: 'Ada Lovelace',
    });

    for (const authorization of ['Bearer nope', `Bearer ${tokens.body.id_token}`]) {
      const refused = await h.call({
        path: '/userinfo',
        headers: { Authorization: authorization },
      });
      expectOAuthError(refused, 401, 'invalid_token');
      expect(refused.headers['www-authenticate']).toMatch(
        /^Bearer realm="[^"]+", error="invalid_token"/,
      );
    }
    // RFC 6750 §3.1: without credentials, the challenge alone, with no error code anywhere.
    for (const headers of [{}, { Authorization: 'Basic abc' }] as Record<string, string>[]) {
      const challenged = await h.call({ path: '/userinfo', headers });
      expect(challenged.status).toBe(401);
      expect(challenged.headers['www-authenticate']).toBe(
        'Bearer realm="genesys-guest-token-proxy"',
      );
      expect(challenged.raw).toBe('');
    }
    h.clock.advance(899_000);
    const stillValid = await h.call({
      path: '/userinfo',
      headers: { Authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(stillValid.status).toBe(200);
    h.clock.advance(1_000);
    const expired = await h.call({
      path: '/userinfo',
      headers: { Authorization: `Bearer ${tokens.body.access_token}` },
    });
    expectOAuthError(expired, 401, 'invalid_token');
  });

  it('publishes discovery and the JWKS, cacheable, without CORS', async () => {
    const discovery = await h.call({ path: '/.well-known/openid-configuration' });
    expect(discovery.body.issuer).toBe(ISSUER);
    expect(discovery.body.jwks_uri).toBe(`${ISSUER}/.well-known/jwks.json`);
    // No site issuer here: every sub is a guest's, the same for any relying party.
    expect(discovery.body.subject_types_supported).toEqual(['public']);
    expect(discovery.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(discovery.headers['access-control-allow-origin']).toBeUndefined();
    const jwks = await h.call({ path: '/.well-known/jwks.json' });
    expect(jwks.body.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
    ]);
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d"|"p"|"q"/);
  });

  it('answers an unknown path with 404 in the documented shape', async () => {
    const answer = await h.call({ path: '/nope' });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
  });
});

describe('a rotated OIDC client secret', () => {
  it('is picked up on the first redemption with the new secret, with one re-read', async () => {
    const client = rotatingClient();
    const rotated = await startMessengerHarness({ signer, client: client.provider });
    try {
      const { form } = await rotated.issued();
      await client.provider.get(); // a warm container holds the old secret
      client.state.value = { ...CLIENT, clientSecret: 'the-new-client-secret-value' };
      rotated.secrets.push(client.state.value.clientSecret);
      const tokens = await rotated.redeem(form, 'basic', client.state.value.clientSecret);
      expect(tokens.status).toBe(200);
      expect(client.state.reads).toBe(2);
    } finally {
      await rotated.close();
    }
  });

  it('is re-read at most once a minute however many wrong secrets arrive', async () => {
    const client = rotatingClient();
    const rotated = await startMessengerHarness({ signer, client: client.provider });
    try {
      const form = {
        grant_type: 'authorization_code',
        code: 'c',
        redirect_uri: REDIRECT_URI,
        code_verifier: 'v'.repeat(43),
      };
      for (let i = 0; i < 5; i++)
        expectOAuthError(
          await rotated.redeem(form, 'basic', 'wrong-secret'),
          401,
          'invalid_client',
        );
      expect(client.state.reads).toBe(2);
      rotated.clock.advance(60_000);
      expectOAuthError(await rotated.redeem(form, 'basic', 'wrong-secret'), 401, 'invalid_client');
      expect(client.state.reads).toBe(3);
    } finally {
      await rotated.close();
    }
  });
});

describe('revoking (RFC 7009)', () => {
  const revoke = (form: Record<string, string>, authorization?: string) =>
    h.call({
      method: 'POST',
      path: '/oauth/revoke',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(authorization && { Authorization: authorization }),
      },
      body: new URLSearchParams(form).toString(),
    });
  const basic = (secret = CLIENT.clientSecret) =>
    `Basic ${Buffer.from(`${CLIENT.clientId}:${secret}`).toString('base64')}`;

  it('refuses a request without our client’s credentials, or without a token, in the RFC’s shape', async () => {
    expectOAuthError(await revoke({ token: 'x' }), 401, 'invalid_client');
    expectOAuthError(await revoke({ token: 'x' }, basic('wrong')), 401, 'invalid_client');
    expectOAuthError(await revoke({}, basic()), 400, 'invalid_request');
    const get = await h.call({ path: '/oauth/revoke' });
    expect(get.status).toBe(405);
  });

  it('answers 200 with no body for a token it does not know, and for an access token', async () => {
    const { form } = await issued();
    const tokens = await h.redeem(form);
    for (const token of ['unknown-token', tokens.body.access_token as string]) {
      const answer = await revoke({ token }, basic());
      expect(answer.status).toBe(200);
      expect(answer.raw).toBe('');
      expect(answer.headers['cache-control']).toBe('no-store');
    }
    // The refresh token still works: revoking something else revoked nothing.
    const refreshed = await h.redeem({
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
  });
});
