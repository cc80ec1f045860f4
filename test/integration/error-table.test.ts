// Every row of the error table (docs/web.md), produced through the real Middy chain against the
// emulator: status, code, request id, CORS headers, Retry-After where due, and no token leaked.

import { RETRY_POLICY } from '../../lambda/platform/upstream/upstream-http';
import { type Answer, containsJwt, type Harness, ORIGIN, startHarness } from '../fixtures/harness';

function expectRefusal(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
  expect(answer.body.error.message).not.toMatch(/\bat \S+ \(|Error:/); // no stack, no raw error
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(containsJwt(answer.raw)).toBe(false);
  expect(answer.setCookie).toEqual([]);
}

function expectCorsFor(answer: Answer, origin: string): void {
  expect(answer.headers['access-control-allow-origin']).toBe(origin);
  expect(answer.headers.vary).toBe('Origin');
  // Nothing rides on cookies, so the browser is never asked to send or keep them.
  expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
}

describe('error table', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
  });
  afterEach(() => h.close());

  it('400 INVALID_REQUEST for malformed JSON', async () => {
    const answer = await h.invoke({ body: '{"name": "Ada"' });
    expectRefusal(answer, 400, 'INVALID_REQUEST');
    expectCorsFor(answer, ORIGIN);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 0, mint: 0, keys: 0 });
  });

  it('400 INVALID_REQUEST naming the field for a schema violation', async () => {
    const tooLong = await h.invoke({ body: { name: 'x'.repeat(101) } });
    expectRefusal(tooLong, 400, 'INVALID_REQUEST');
    expect(tooLong.body.error.message).toMatch(/^name: /);

    const unknown = await h.invoke({ body: { name: 'Ada', admin: true } });
    expectRefusal(unknown, 400, 'INVALID_REQUEST');
    expect(unknown.body.error.message).toMatch(/admin/);
    expect(h.emulator.calls.mint).toBe(0);
  });

  it('403 ORIGIN_NOT_ALLOWED for a foreign or missing Origin, with no CORS grant', async () => {
    const foreign = await h.invoke({ headers: { Origin: 'https://evil.example' } });
    expectRefusal(foreign, 403, 'ORIGIN_NOT_ALLOWED');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const missing = await h.invoke({ headers: { Origin: '' } });
    expectRefusal(missing, 403, 'ORIGIN_NOT_ALLOWED');

    const preflight = await h.invoke({
      method: 'OPTIONS',
      body: undefined,
      headers: { Origin: 'https://evil.example' },
    });
    expectRefusal(preflight, 403, 'ORIGIN_NOT_ALLOWED');
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 0, mint: 0, keys: 0 });
  });

  it('403 BOT_DETECTED for a denylisted user agent', async () => {
    const answer = await h.invoke({ headers: { 'User-Agent': 'curl/8.5.0' } });
    expectRefusal(answer, 403, 'BOT_DETECTED');
    expectCorsFor(answer, ORIGIN);
    expect(h.emulator.calls.mint).toBe(0);
  });

  it('405 METHOD_NOT_ALLOWED with Allow for anything but POST and OPTIONS', async () => {
    const answer = await h.invoke({ method: 'GET', body: undefined });
    expectRefusal(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.allow).toBe('POST, OPTIONS');
    expectCorsFor(answer, ORIGIN);
  });

  it('413 PAYLOAD_TOO_LARGE for a body over 8 KiB', async () => {
    const answer = await h.invoke({ body: JSON.stringify({ name: 'a'.repeat(9000) }) });
    expectRefusal(answer, 413, 'PAYLOAD_TOO_LARGE');
    expectCorsFor(answer, ORIGIN);
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for anything but application/json', async () => {
    const answer = await h.invoke({ headers: { 'Content-Type': 'text/plain' } });
    expectRefusal(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectCorsFor(answer, ORIGIN);
  });

  it('429 RATE_LIMITED with Retry-After once a client is over its budget', async () => {
    expect((await h.invoke()).status).toBe(200);
    expect((await h.invoke()).status).toBe(200);
    const mintsBefore = h.emulator.calls.mint;
    const answer = await h.invoke();
    expectRefusal(answer, 429, 'RATE_LIMITED');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectCorsFor(answer, ORIGIN);
    expect(h.emulator.calls.mint).toBe(mintsBefore);
  });

  it('502 INVALID_GUEST_TOKEN when the minted JWT fails verification', async () => {
    h.emulator.inject('mint', { kind: 'badSignature' });
    const answer = await h.invoke();
    expectRefusal(answer, 502, 'INVALID_GUEST_TOKEN');
    expectCorsFor(answer, ORIGIN);
  });

  it('503 UPSTREAM_UNAVAILABLE passing on the upstream Retry-After', async () => {
    // Every attempt the retry policy makes gets the 503.
    h.emulator.inject(
      'mint',
      { kind: 'status', status: 503, retryAfter: '7' },
      RETRY_POLICY.maxAttempts,
    );
    const answer = await h.invoke();
    expectRefusal(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(answer.headers['retry-after']).toBe('7');
    expectCorsFor(answer, ORIGIN);
  });

  it('503 UPSTREAM_UNAVAILABLE with a default Retry-After when Genesys is unreachable', async () => {
    h.emulator.inject('oauth', { kind: 'drop' }, RETRY_POLICY.maxAttempts);
    const answer = await h.invoke();
    expectRefusal(answer, 503, 'UPSTREAM_UNAVAILABLE');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('500 INTERNAL', () => {
  it('answers a bug with a generic message and logs the detail', async () => {
    const h = await startHarness({
      credentials: {
        get: () => Promise.reject(new TypeError('cannot read properties of undefined')),
        invalidate: () => {},
      },
    });
    try {
      const answer = await h.invoke();
      expectRefusal(answer, 500, 'INTERNAL');
      expect(answer.body.error.message).toBe('Internal error');
      expectCorsFor(answer, ORIGIN);
      expect(
        h.logs.lines.some((line) => line.includes('cannot read properties of undefined')),
      ).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('successful answers', () => {
  it('returns the token with no-store and CORS, and answers the preflight', async () => {
    const h = await startHarness();
    try {
      const answer = await h.invoke({ body: { name: 'Ada', reason: 'initial' } });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        accessToken: expect.stringMatching(/^eyJ/),
        expiresAt: new Date(h.clock() + 1800 * 1000).toISOString(),
        expiresIn: 1800,
        guestId: expect.any(String),
      });
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.setCookie).toEqual([]);
      expectCorsFor(answer, ORIGIN);

      const preflight = await h.invoke({ method: 'OPTIONS', body: undefined });
      expect(preflight.status).toBe(204);
      expectCorsFor(preflight, ORIGIN);
      expect(preflight.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
      expect(preflight.headers['access-control-allow-headers']).toBe('Content-Type');
    } finally {
      await h.close();
    }
  });
});
