import { MockAgent } from 'undici';
import { InvalidGuestTokenError } from '../../lambda/platform/errors';
import { createUpstreamHttp } from '../../lambda/platform/upstream/upstream-http';
import {
  createGuestJwtVerifier,
  UNKNOWN_KID_COOLDOWN_MS,
} from '../../lambda/profiles/guest-api/verify-guest-jwt';
import { hs256WithPublicKey, makeKey, signRs256, unsigned } from '../fixtures/jwt';
import { manualClock } from '../fixtures/manual-clock';

const API = 'https://api.mypurecloud.com';
const KEYS_PATH = '/api/v2/oauth/publickey';
const key = makeKey('k1');
const stranger = makeKey('k1');

function setup(keySet: object = { keys: [key.publicJwk] }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(API);
  pool.intercept({ path: KEYS_PATH, method: 'GET' }).reply(200, keySet);
  const clock = manualClock();
  let refreshes = 0;
  const verifier = createGuestJwtVerifier({
    keysUrl: `${API}${KEYS_PATH}`,
    issuer: API,
    audience: API,
    http: createUpstreamHttp({ dispatcher: agent, clock }),
    clock,
    onKeysRefresh: () => refreshes++,
  });
  const now = Math.floor(clock() / 1000);
  const claims = (overrides: Record<string, unknown> = {}) => {
    const payload: Record<string, unknown> = {
      iss: API,
      aud: API,
      sub: 'guest-1',
      iat: now,
      exp: now + 1800,
      webchat: { guestId: 'guest-1' },
    };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    return payload;
  };
  return { agent, pool, clock, verifier, claims, refreshes: () => refreshes };
}

describe('guest JWT verification', () => {
  it('accepts a well-formed token and returns the guest id and exp', async () => {
    const { verifier, claims, clock } = setup();
    const result = await verifier.verify(signRs256(key, claims()));
    expect(result).toEqual({ guestId: 'guest-1', expiresAt: Math.floor(clock() / 1000) + 1800 });
  });

  it('accepts a key set served as a single JWK', async () => {
    const { verifier, claims } = setup(key.publicJwk);
    await expect(verifier.verify(signRs256(key, claims()))).resolves.toMatchObject({
      guestId: 'guest-1',
    });
  });

  it('fetches the key set once for many verifications', async () => {
    const { verifier, claims, refreshes } = setup();
    await Promise.all(Array.from({ length: 10 }, () => verifier.verify(signRs256(key, claims()))));
    expect(refreshes()).toBe(1);
  });

  it('rehearses one verification with the first key set, and never again', async () => {
    // What makes the first visitor's verification warm: when the key set first loads (in
    // Lambda, the warm-up at init), one RSA verification of a token no key signed. A rotation's
    // re-fetch does not repeat it.
    const verify = jest.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      const { verifier, claims, pool, clock } = setup();
      await verifier.keySet();
      expect(verify).toHaveBeenCalledTimes(1);
      await expect(verify.mock.results[0]?.value).resolves.toBe(false);
      await verifier.verify(signRs256(key, claims()));
      expect(verify).toHaveBeenCalledTimes(2);

      const rotated = makeKey('k2');
      pool
        .intercept({ path: KEYS_PATH, method: 'GET' })
        .reply(200, { keys: [key.publicJwk, rotated.publicJwk] });
      clock.advance(UNKNOWN_KID_COOLDOWN_MS);
      await verifier.verify(signRs256(rotated, claims()));
      expect(verify).toHaveBeenCalledTimes(3);
    } finally {
      verify.mockRestore();
    }
  });

  const now = Math.floor(manualClock()() / 1000);
  it.each<[string, (c: ReturnType<typeof setup>['claims']) => string, string]>([
    ['alg none', (c) => unsigned(c()), 'ERR_JOSE_ALG_NOT_ALLOWED'],
    [
      'HS256 keyed with the public key',
      (c) => hs256WithPublicKey(key, c()),
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    [
      'a signature by a key not in the set',
      (c) => signRs256(stranger, c()),
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    [
      'an embedded jwk header',
      (c) => signRs256(key, c(), { jwk: stranger.publicJwk }),
      'names its own key',
    ],
    [
      'a jku header',
      (c) => signRs256(key, c(), { jku: 'https://evil.example/keys' }),
      'names its own key',
    ],
    [
      'an x5u header',
      (c) => signRs256(key, c(), { x5u: 'https://evil.example/cert' }),
      'names its own key',
    ],
    [
      'an unknown crit parameter',
      (c) => signRs256(key, c(), { crit: ['x-evil'], 'x-evil': 1 }),
      'ERR_JOSE_NOT_SUPPORTED',
    ],
    ['no exp', (c) => signRs256(key, c({ exp: undefined })), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['an expired exp', (c) => signRs256(key, c({ exp: now - 60 })), 'ERR_JWT_EXPIRED'],
    [
      'an exp inside the clock tolerance but past',
      (c) => signRs256(key, c({ exp: now - 5 })),
      'token has expired',
    ],
    [
      'nbf in the future',
      (c) => signRs256(key, c({ nbf: now + 3600 })),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a wrong iss',
      (c) => signRs256(key, c({ iss: 'https://api.evil.example' })),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a wrong aud',
      (c) => signRs256(key, c({ aud: 'https://api.evil.example' })),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'an aud array without ours',
      (c) => signRs256(key, c({ aud: ['https://a.example', 'https://b.example'] })),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    ['no aud', (c) => signRs256(key, c({ aud: undefined })), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['no webchat claim', (c) => signRs256(key, c({ webchat: undefined })), 'webchat.guestId'],
    ['an empty guestId', (c) => signRs256(key, c({ webchat: { guestId: '' } })), 'webchat.guestId'],
    [
      'a numeric guestId',
      (c) => signRs256(key, c({ webchat: { guestId: 42 } })),
      'webchat.guestId',
    ],
    [
      'a token with a truncated signature',
      (c) => signRs256(key, c()).slice(0, -20),
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    ['a token cut inside its header', (c) => signRs256(key, c()).slice(0, 20), 'unreadable'],
    ['garbage', () => 'not-a-jwt', 'unreadable'],
    ['an oversized token', (c) => signRs256(key, c({ pad: 'x'.repeat(20_000) })), 'oversized'],
  ])('refuses %s', async (_name, make, reason) => {
    const s = setup();
    const error = await s.verifier.verify(make(s.claims)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidGuestTokenError);
    expect((error as InvalidGuestTokenError).reason).toContain(reason);
    expect((error as InvalidGuestTokenError).status).toBe(502);
  });

  it('accepts an aud array that includes ours', async () => {
    const { verifier, claims } = setup();
    await expect(
      verifier.verify(signRs256(key, claims({ aud: ['https://other.example', API] }))),
    ).resolves.toBeDefined();
  });

  it('re-fetches the key set for an unknown kid, once per cooldown', async () => {
    const { verifier, claims, pool, clock, refreshes } = setup();
    await verifier.verify(signRs256(key, claims()));
    const rotated = makeKey('k2');
    pool
      .intercept({ path: KEYS_PATH, method: 'GET' })
      .reply(200, { keys: [key.publicJwk, rotated.publicJwk] });

    await expect(verifier.verify(signRs256(rotated, claims()))).rejects.toMatchObject({
      reason: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    expect(refreshes()).toBe(1);
    clock.advance(UNKNOWN_KID_COOLDOWN_MS);
    await expect(verifier.verify(signRs256(rotated, claims()))).resolves.toMatchObject({
      guestId: 'guest-1',
    });
    expect(refreshes()).toBe(2);
  });

  it.each([
    [
      'an unreachable key endpoint',
      (p: ReturnType<MockAgent['get']>) =>
        p.intercept({ path: KEYS_PATH, method: 'GET' }).replyWithError(new Error('ECONNREFUSED')),
    ],
    [
      'a 500 from the key endpoint',
      (p: ReturnType<MockAgent['get']>) =>
        p.intercept({ path: KEYS_PATH, method: 'GET' }).reply(500, {}),
    ],
    [
      'a key set with no RSA key',
      (p: ReturnType<MockAgent['get']>) =>
        p
          .intercept({ path: KEYS_PATH, method: 'GET' })
          .reply(200, { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }),
    ],
  ])('fails closed on %s', async (_name, arrange) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    arrange(agent.get(API));
    const clock = manualClock();
    const verifier = createGuestJwtVerifier({
      keysUrl: `${API}${KEYS_PATH}`,
      issuer: API,
      audience: API,
      http: createUpstreamHttp({ dispatcher: agent, clock }),
      clock,
    });
    const token = signRs256(key, {
      iss: API,
      aud: API,
      exp: Math.floor(clock() / 1000) + 60,
      webchat: { guestId: 'g' },
    });
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'keys',
    });
  });
});
