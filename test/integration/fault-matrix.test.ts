// The fault matrix: every fault the emulator can inject, through the real handler chain. Each
// case asserts the exact answer, that no token left where none should, how many upstream calls
// were made (retries are bounded), and that the next request after the fault clears succeeds.

import type { EmulatorEndpoint, Fault } from '../../dev/genesys-emulator';
import { DEV_CREDENTIALS } from '../../dev/genesys-emulator';
import { DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS } from '../../lambda/platform/errors';
import { BREAKER_DEFAULTS } from '../../lambda/platform/upstream/circuit-breaker';
import { RETRY_POLICY } from '../../lambda/platform/upstream/upstream-http';
import {
  type Answer,
  containsJwt,
  type Harness,
  type HarnessOptions,
  startHarness,
} from '../fixtures/harness';
import { hs256WithPublicKey, makeKey, signRs256, unsigned } from '../fixtures/jwt';

const ATTEMPTS = RETRY_POLICY.maxAttempts;

function expectRefused(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
  expect(containsJwt(JSON.stringify(answer))).toBe(false);
}

function expectToken(answer: Answer): void {
  expect(answer.status).toBe(200);
  expect(containsJwt(String((answer.body as { accessToken?: unknown }).accessToken))).toBe(true);
}

let h: Harness;
async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
afterEach(() => h.close());

/** A warm container: credentials, OAuth token and key set cached, counters at zero. */
async function warm(options: HarnessOptions = {}): Promise<Harness> {
  await start(options);
  expectToken(await h.invoke());
  h.emulator.resetCounters();
  return h;
}

const RETRYABLE: [string, (now: number) => Fault, string][] = [
  [
    '429 with Retry-After in seconds',
    () => ({ kind: 'status', status: 429, retryAfter: '2' }),
    '2',
  ],
  [
    '429 with Retry-After as an HTTP date',
    (now) => ({ kind: 'status', status: 429, retryAfter: new Date(now + 3_000).toUTCString() }),
    // The date is past by the last answer (3 s and then 1 s were waited): the floor is 1 s.
    '1',
  ],
  ['502', () => ({ kind: 'status', status: 502 }), '5'],
  ['503 with Retry-After', () => ({ kind: 'status', status: 503, retryAfter: '1' }), '1'],
  ['504', () => ({ kind: 'status', status: 504 }), '5'],
  ['a dropped connection', () => ({ kind: 'drop' }), '5'],
];

describe.each<EmulatorEndpoint>(['oauth', 'mint', 'keys'])('%s upstream faults', (endpoint) => {
  // OAuth and the key set are only called on a cold container; the mint on every request.
  const setUp = () => (endpoint === 'mint' ? warm() : start());

  it.each(RETRYABLE)('retries a passing %s and issues the token', async (_name, fault) => {
    await setUp();
    h.emulator.inject(endpoint, fault(h.clock()));
    expectToken(await h.invoke());
    expect(h.emulator.calls[endpoint]).toBe(2);
  });

  it.each(RETRYABLE)(
    'answers 503 after %s on every attempt, then recovers',
    async (_name, fault, retryAfter) => {
      await setUp();
      for (let i = 0; i < ATTEMPTS; i++) h.emulator.inject(endpoint, fault(h.clock()));
      const answer = await h.invoke();
      expectRefused(answer, 503, 'UPSTREAM_UNAVAILABLE');
      expect(answer.headers['retry-after']).toBe(retryAfter);
      expect(h.emulator.calls[endpoint]).toBe(ATTEMPTS);

      h.clock.advance(Number(answer.headers['retry-after']) * 1000);
      expectToken(await h.invoke());
    },
  );

  it.each([400, 403, 404, 500])('does not retry a %i: 503 after one call', async (status) => {
    await setUp();
    h.emulator.inject(endpoint, { kind: 'status', status });
    expectRefused(await h.invoke(), 503, 'UPSTREAM_UNAVAILABLE');
    expect(h.emulator.calls[endpoint]).toBe(1);
    expectToken(await h.invoke());
  });
});

describe('retry budget', () => {
  it('stops waiting once the next wait would pass the deadline', async () => {
    await warm();
    h.emulator.inject('mint', { kind: 'status', status: 503, retryAfter: '30' }, ATTEMPTS);
    const answer = await h.invoke();
    expectRefused(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(answer.headers['retry-after']).toBe('30');
    expect(h.emulator.calls.mint).toBe(1);
    expect(h.retryWaits).toEqual([]);

    h.emulator.clearFaults();
    expectToken(await h.invoke());
  });

  it('never waits longer in total than the budget', async () => {
    await warm();
    h.emulator.inject('mint', { kind: 'status', status: 429, retryAfter: '5' }, ATTEMPTS);
    expectRefused(await h.invoke(), 503, 'UPSTREAM_UNAVAILABLE');
    const waited = h.retryWaits.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeLessThan(RETRY_POLICY.budgetMs);
    expect(h.emulator.calls.mint).toBe(2);

    h.emulator.clearFaults();
    h.clock.advance(5_000); // the 429 asked us to hold off this long
    expectToken(await h.invoke());
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, fails fast without calling, and half-opens on its own', async () => {
    await warm();
    const threshold = BREAKER_DEFAULTS.failureThreshold;
    h.emulator.inject('mint', { kind: 'status', status: 500 }, threshold);
    for (let i = 0; i < threshold; i++) {
      expectRefused(await h.invoke(), 503, 'UPSTREAM_UNAVAILABLE');
    }
    expect(h.emulator.calls.mint).toBe(threshold);

    const fast = await h.invoke();
    expectRefused(fast, 503, 'UPSTREAM_UNAVAILABLE');
    expect(fast.headers['retry-after']).toBe(String(BREAKER_DEFAULTS.openMs / 1000));
    expect(h.emulator.calls.mint).toBe(threshold);

    h.clock.advance(BREAKER_DEFAULTS.openMs);
    expectToken(await h.invoke());
    expectToken(await h.invoke());
    expect(h.emulator.calls.mint).toBe(threshold + 2);
  });
});

describe('Genesys rate-limit headers', () => {
  it('stops calling before the window runs out and resumes when it resets', async () => {
    const allowed = 10;
    await start({ emulator: { rateLimitPerMinute: allowed } });
    // One call is kept in reserve: the proxy stops after allowed − 1 mints.
    for (let i = 0; i < allowed - 1; i++) expectToken(await h.invoke());
    const held = await h.invoke();
    expectRefused(held, 503, 'UPSTREAM_UNAVAILABLE');
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    expect(h.emulator.calls.mint).toBe(allowed - 1);
    expect(h.logs.lines.some((line) => line.includes('upstream.rate-limit'))).toBe(true);

    h.clock.advance(Number(held.headers['retry-after']) * 1000);
    expectToken(await h.invoke());
  });
});

describe('Secrets Manager faults', () => {
  const awsError = (type: string, status = 400): Fault => ({
    kind: 'status',
    status,
    headers: { 'x-amzn-errortype': type, 'content-type': 'application/x-amz-json-1.1' },
    body: { __type: type, message: `injected ${type}` },
  });

  it('rides out one throttling answer (the SDK retries it)', async () => {
    await start({ secrets: 'sdk' });
    h.emulator.inject('secrets', awsError('ThrottlingException'));
    expectToken(await h.invoke());
    expect(h.emulator.calls.secrets).toBe(2);
  });

  it.each([
    ['throttling on every attempt', awsError('ThrottlingException'), ATTEMPTS],
    ['a missing secret', awsError('ResourceNotFoundException'), 1],
    ['access denied', awsError('AccessDeniedException'), 1],
  ])('answers 503 for %s, then recovers', async (_name, fault, calls) => {
    await start({ secrets: 'sdk' });
    h.emulator.inject('secrets', fault, calls);
    const answer = await h.invoke();
    expectRefused(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(h.emulator.calls).toMatchObject({ secrets: calls, oauth: 0, mint: 0 });
    expectToken(await h.invoke());
  });

  it.each([
    ['not JSON', '{"clientId": "local-dev-client", "clientSecret": '],
    ['missing clientSecret', JSON.stringify({ clientId: DEV_CREDENTIALS.clientId })],
    ['an empty clientId', JSON.stringify({ clientId: '', clientSecret: 'x' })],
  ])('answers 503 for a secret that is %s, naming nothing secret', async (_name, value) => {
    await start({ secrets: 'sdk' });
    h.emulator.secretsManager.secretString = value;
    const answer = await h.invoke();
    expectRefused(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(JSON.stringify(answer)).not.toContain(DEV_CREDENTIALS.clientSecret);
    expect(h.emulator.calls.oauth).toBe(0);

    h.emulator.secretsManager.secretString = undefined;
    expectToken(await h.invoke());
  });

  it.each(['sdk', 'extension'] as const)(
    'picks up a secret rotated under a warm container on the next invalid_client (%s)',
    async (secrets) => {
      await warm({ secrets });
      h.emulator.setClientSecret(DEV_CREDENTIALS.clientId, 'rotated-client-secret-value');
      h.emulator.revokeTokens();

      expectToken(await h.invoke());
      // mint 401 → OAuth with the old secret: invalid_client → re-read → OAuth → mint.
      expect(h.emulator.calls).toEqual({ secrets: 1, oauth: 2, mint: 2, keys: 0 });
    },
  );
});

describe('the secrets extension (the path Lambda takes)', () => {
  it('reads the OAuth client through it', async () => {
    await start({ secrets: 'extension' });
    expectToken(await h.invoke());
    expect(h.emulator.calls.secrets).toBe(1);
  });

  it.each([
    ['a missing secret', { kind: 'status', status: 400 } as Fault],
    ['an extension error', { kind: 'status', status: 500 } as Fault],
    ['a dropped connection', { kind: 'drop' } as Fault],
  ])('answers the same 503 as the SDK path for %s, then recovers', async (_name, fault) => {
    await start({ secrets: 'extension' });
    h.emulator.inject('secrets', fault);
    const answer = await h.invoke();
    expectRefused(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(answer.headers['retry-after']).toBe(String(DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS));
    expect(h.emulator.calls).toMatchObject({ secrets: 1, oauth: 0, mint: 0 });
    expectToken(await h.invoke());
  });
});

describe('hostile guest tokens', () => {
  const now = () => Math.floor(h.clock() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: h.emulator.baseUrl,
    aud: h.emulator.baseUrl,
    exp: now() + 1800,
    webchat: { guestId: 'guest-1' },
    ...extra,
  });
  const stranger = makeKey('stranger-kid');

  const cases: [string, () => Promise<Fault> | Fault][] = [
    ['alg: none', () => ({ kind: 'token', token: unsigned(claims()) })],
    [
      'HS256 keyed with the public key (key confusion)',
      () => ({
        kind: 'token',
        token: hs256WithPublicKey(
          { kid: String(h.emulator.publicJwk.kid), publicJwk: h.emulator.publicJwk },
          claims(),
        ),
      }),
    ],
    ['a signature by a key that is not published', () => ({ kind: 'badSignature' })],
    ['an unknown kid', () => ({ kind: 'token', token: signRs256(stranger, claims()) })],
    ['an embedded jwk', () => ({ kind: 'header', header: { jwk: stranger.publicJwk } })],
    ['a jku header', () => ({ kind: 'header', header: { jku: 'https://evil.example/keys' } })],
    ['an x5u header', () => ({ kind: 'header', header: { x5u: 'https://evil.example/cert' } })],
    ['an unknown crit', () => ({ kind: 'header', header: { crit: ['x-evil'], 'x-evil': true } })],
    ['no exp', () => ({ kind: 'claims', claims: { exp: undefined } })],
    ['an expired exp', () => ({ kind: 'claims', claims: { exp: now() - 3600 } })],
    ['an nbf in the future', () => ({ kind: 'claims', claims: { nbf: now() + 3600 } })],
    ['a wrong iss', () => ({ kind: 'claims', claims: { iss: 'https://evil.example' } })],
    ['a wrong aud', () => ({ kind: 'claims', claims: { aud: 'https://evil.example' } })],
    ['no aud', () => ({ kind: 'claims', claims: { aud: undefined } })],
    [
      'an aud array without ours',
      () => ({ kind: 'claims', claims: { aud: ['https://a.example', 'https://b.example'] } }),
    ],
    ['no webchat.guestId', () => ({ kind: 'claims', claims: { webchat: {} } })],
    [
      'a truncated token',
      async () => {
        const token = await h.emulator.signGuestToken();
        return { kind: 'token', token: token.slice(0, -20) };
      },
    ],
    ['garbage', () => ({ kind: 'token', token: 'not.a.jwt' })],
    ['a token of one segment', () => ({ kind: 'token', token: 'eyJhbGciOiJSUzI1NiJ9' })],
    ['an oversized token', () => ({ kind: 'claims', claims: { pad: 'x'.repeat(20_000) } })],
  ];

  it.each(cases)('refuses %s with 502 and hands out nothing', async (_name, fault) => {
    await warm();
    h.emulator.inject('mint', await fault());
    const answer = await h.invoke();
    expectRefused(answer, 502, 'INVALID_GUEST_TOKEN');
    // One mint, never retried; at most one key-set re-fetch for an unknown kid.
    expect(h.emulator.calls.mint).toBe(1);
    expect(h.emulator.calls.keys).toBeLessThanOrEqual(1);

    expectToken(await h.invoke());
  });

  it('fails closed when the key set cannot be fetched', async () => {
    await start();
    h.emulator.inject('keys', { kind: 'status', status: 503 }, ATTEMPTS);
    expectRefused(await h.invoke(), 503, 'UPSTREAM_UNAVAILABLE');
    expect(h.emulator.calls.keys).toBe(ATTEMPTS);
    expectToken(await h.invoke());
  });

  it('fails closed when the key set holds no usable key', async () => {
    await start();
    h.emulator.inject('keys', {
      kind: 'status',
      status: 200,
      body: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
    });
    expectRefused(await h.invoke(), 503, 'UPSTREAM_UNAVAILABLE');
    expectToken(await h.invoke());
  });
});
