import {
  type GuestToken,
  TokenManager,
  type TokenManagerOptions,
  type TokenRequestError,
} from '../../web/token-manager.js';
import { type FakeTimers, fakeTimers } from '../fixtures/fake-timers';
import {
  scriptedManagerOptions,
  type TokenEndpoint,
  tokenBody,
  tokenEndpoint,
} from '../fixtures/token-endpoint';

const MINUTE = 60_000;

interface Setup {
  manager: TokenManager;
  endpoint: TokenEndpoint;
  timers: FakeTimers;
  document: EventTarget & { visibilityState: string };
  window: EventTarget;
  events: string[];
}

function setup(
  options: Partial<TokenManagerOptions> = {},
  defaults: Parameters<typeof tokenEndpoint>[0] = {},
): Setup {
  const timers = fakeTimers();
  const endpoint = tokenEndpoint(defaults);
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const window = new EventTarget();
  const manager = new TokenManager({
    ...scriptedManagerOptions(endpoint, timers),
    document,
    window,
    ...options,
  });
  const events: string[] = [];
  manager.addEventListener('refresh', (e) => {
    events.push(`refresh:${(e as CustomEvent).detail.reason}`);
  });
  manager.addEventListener('token', (e) => {
    events.push(`token:${(e as CustomEvent<GuestToken>).detail.guestId}`);
  });
  manager.addEventListener('retry', (e) => {
    events.push(`retry:${(e as CustomEvent).detail.delayMs}`);
  });
  manager.addEventListener('error', (e) => {
    events.push(`error:${(e as CustomEvent).detail.error.code}`);
  });
  return { manager, endpoint, timers, document, window, events };
}

describe('TokenManager: getting and refreshing', () => {
  it('gets a token on start, sending the visitor and the reason', async () => {
    const { manager, endpoint, events } = setup({ visitor: () => ({ name: 'Ada' }) });
    const token = await manager.start();
    expect(token).toMatchObject({ accessToken: 'jwt-1', guestId: 'guest-1', reason: 'initial' });
    expect(endpoint.calls.map((c) => c.body)).toEqual([{ name: 'Ada', reason: 'initial' }]);
    expect(endpoint.calls[0]?.init).toMatchObject({
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
    });
    expect(events).toEqual(['refresh:initial', 'token:guest-1']);
  });

  it('takes expiry from expiresIn on its own clock, not from the server date', async () => {
    const { manager, timers } = setup();
    const started = timers.now();
    const token = await manager.start();
    expect(token.expiresAt).toBe(started + 1800 * 1000);
  });

  it('refreshes 10 minutes before a 30-minute token expires', async () => {
    const { manager, endpoint, timers, events } = setup();
    await manager.start();
    await timers.advance(20 * MINUTE - 1);
    expect(endpoint.calls).toHaveLength(1);
    await timers.advance(1);
    expect(endpoint.calls.map((c) => c.body.reason)).toEqual(['initial', 'refresh']);
    expect(manager.token?.guestId).toBe('guest-2');
    expect(events).toEqual([
      'refresh:initial',
      'token:guest-1',
      'refresh:refresh',
      'token:guest-2',
    ]);
  });

  it.each([
    [60, undefined, 20_000],
    [6, undefined, 2_000],
    [1800, undefined, 10 * MINUTE],
    [300, 30_000, 30_000],
    [7200, undefined, 10 * MINUTE],
  ])(
    'clamps the margin for a %i s token (margin option %p) to %i ms',
    async (expiresIn, margin, expected) => {
      const { manager, timers } = setup(margin ? { refreshMarginMs: margin } : {}, { expiresIn });
      await manager.start();
      expect(timers.pending()).toEqual([expiresIn * 1000 - expected]);
      expect(manager.marginFor(expiresIn * 1000)).toBe(expected);
    },
  );

  it('returns the cached token while it is fresh', async () => {
    const { manager, endpoint, timers } = setup();
    await manager.start();
    await timers.advance(5 * MINUTE);
    expect((await manager.getToken()).guestId).toBe('guest-1');
    expect(endpoint.calls).toHaveLength(1);
  });

  it('shares one request between concurrent callers', async () => {
    const { manager, endpoint, timers } = setup();
    endpoint.hold();
    const callers = [manager.getToken(), manager.getToken(), manager.start(), manager.refresh()];
    await timers.settle();
    endpoint.release();
    const tokens = await Promise.all(callers);
    expect(endpoint.calls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.guestId))).toEqual(new Set(['guest-1']));
  });

  it('sends and keeps no cookies', async () => {
    const { manager, endpoint } = setup();
    await manager.start();
    expect(endpoint.calls[0]?.init.credentials).toBe('omit');
  });

  it('refuses the removed delivery option rather than ignoring it', () => {
    const options = { endpoint: '/guest-token', delivery: 'cookie' } as TokenManagerOptions;
    expect(() => new TokenManager(options)).toThrow(/delivery option was removed/);
  });

  it('does not retry, or keep a late token, once stopped', async () => {
    const { manager, endpoint, timers } = setup();
    endpoint.reply({ status: 503, headers: { 'retry-after': '5' } });
    const first = manager.start();
    first.catch(() => {});
    await timers.settle();
    manager.stop();
    await timers.advance(10_000);
    await expect(first).rejects.toMatchObject({ code: 'STOPPED' });
    expect(endpoint.calls).toHaveLength(1);

    endpoint.hold();
    const late = manager.start();
    await timers.settle();
    manager.stop();
    endpoint.release();
    await expect(late).resolves.toMatchObject({ guestId: 'guest-2' });
    expect(manager.token).toBeUndefined();
    expect(timers.pending()).toEqual([]);
  });

  it('stops refreshing and forgets the token on stop()', async () => {
    const { manager, endpoint, timers } = setup();
    await manager.start();
    manager.stop();
    expect(manager.token).toBeUndefined();
    await timers.advance(60 * MINUTE);
    expect(endpoint.calls).toHaveLength(1);
  });
});

describe('TokenManager: failures', () => {
  it('waits what Retry-After says, in seconds', async () => {
    const { manager, endpoint, timers, events } = setup();
    endpoint.reply({
      status: 503,
      body: { error: { code: 'UPSTREAM_UNAVAILABLE' } },
      headers: { 'retry-after': '7' },
    });
    const first = manager.start();
    await timers.settle();
    expect(timers.pending()).toEqual([7_000]);
    await timers.advance(6_999);
    expect(endpoint.calls).toHaveLength(1);
    await timers.advance(1);
    expect((await first).guestId).toBe('guest-2');
    expect(events).toEqual(['refresh:initial', 'retry:7000', 'token:guest-2']);
  });

  it('waits what Retry-After says, as an HTTP date', async () => {
    const { manager, endpoint, timers } = setup();
    const date = new Date(timers.now() + 12_000).toUTCString();
    endpoint.reply({
      status: 429,
      body: { error: { code: 'RATE_LIMITED' } },
      headers: { 'retry-after': date },
    });
    const first = manager.start();
    await timers.settle();
    expect(timers.pending()).toEqual([12_000]);
    await timers.advance(12_000);
    await expect(first).resolves.toMatchObject({ guestId: 'guest-2' });
  });

  it('backs off exponentially with jitter when there is no Retry-After, network errors included', async () => {
    const { manager, endpoint, timers, events } = setup({ baseDelayMs: 1_000, random: () => 0.5 });
    endpoint.reply('network-error', { status: 502 }, { status: 500 });
    const first = manager.start();
    await timers.advance(60_000);
    await expect(first).resolves.toMatchObject({ guestId: 'guest-4' });
    // Full jitter: random × base × 2^(attempt − 1) = 500, 1000, 2000 ms.
    expect(events.filter((e) => e.startsWith('retry'))).toEqual([
      'retry:500',
      'retry:1000',
      'retry:2000',
    ]);
  });

  it('gives up after maxAttempts with one error event', async () => {
    const { manager, endpoint, timers, events } = setup({ maxAttempts: 3 });
    endpoint.reply(
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 200, body: tokenBody(9) },
    );
    const first = manager.start();
    first.catch(() => {});
    await timers.advance(10 * MINUTE);
    await expect(first).rejects.toMatchObject({ status: 503, code: 'HTTP_503' });
    expect(endpoint.calls).toHaveLength(3);
    expect(events.filter((e) => e.startsWith('error'))).toEqual(['error:HTTP_503']);
  });

  it('does not retry a refusal such as 403 ORIGIN_NOT_ALLOWED', async () => {
    const { manager, endpoint, events } = setup();
    endpoint.reply({ status: 403, body: { error: { code: 'ORIGIN_NOT_ALLOWED', message: 'no' } } });
    const error = (await manager.start().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toMatchObject({ status: 403, code: 'ORIGIN_NOT_ALLOWED', retryable: false });
    expect(endpoint.calls).toHaveLength(1);
    expect(events).toEqual(['refresh:initial', 'error:ORIGIN_NOT_ALLOWED']);
  });

  it('refuses a 200 without a token', async () => {
    const { manager, endpoint } = setup();
    endpoint.reply({ status: 200, body: { guestId: 'g', expiresIn: 60 } });
    await expect(manager.start()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});

describe('TokenManager: waking up', () => {
  it('refreshes as "expired" when the tab becomes visible after the token ran out', async () => {
    const { manager, endpoint, timers, document } = setup();
    await manager.start();
    // A laptop asleep: the clock jumps, no timer fires.
    timers.now.advance(45 * MINUTE);
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    await timers.settle();
    expect(endpoint.calls.map((c) => c.body.reason)).toEqual(['initial', 'expired']);
  });

  it('refreshes as "refresh" when the network comes back inside the margin', async () => {
    const { manager, endpoint, timers, window } = setup();
    await manager.start();
    timers.now.advance(25 * MINUTE);
    window.dispatchEvent(new Event('online'));
    await timers.settle();
    expect(endpoint.calls.map((c) => c.body.reason)).toEqual(['initial', 'refresh']);
  });

  it('does nothing when the token is still fresh, when hidden, or once stopped', async () => {
    const { manager, endpoint, timers, document, window } = setup();
    await manager.start();
    window.dispatchEvent(new Event('online'));
    timers.now.advance(45 * MINUTE);
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    manager.stop();
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
    await timers.settle();
    expect(endpoint.calls).toHaveLength(1);
  });
});

describe('TokenManager: known customers', () => {
  const invalid = {
    status: 401,
    body: { error: { code: 'IDENTITY_TOKEN_INVALID', message: 'no', requestId: 'r' } },
  };

  it('sends the site’s identity token with each request, and none for a guest', async () => {
    let signedIn: string | undefined = 'site.id.token-1';
    const { manager, endpoint, timers } = setup({ identityToken: async () => signedIn });
    await manager.start();
    expect(endpoint.calls[0]?.body).toMatchObject({ identityToken: 'site.id.token-1' });
    signedIn = undefined;
    await manager.refresh();
    await timers.settle();
    expect(endpoint.calls[1]?.body).not.toHaveProperty('identityToken');
  });

  it('asks the site once more after IDENTITY_TOKEN_INVALID, then reports the error: no loop', async () => {
    let asked = 0;
    const { manager, endpoint, events } = setup({
      identityToken: async () => `site.id.token-${++asked}`,
    });
    endpoint.reply(invalid, invalid);
    await expect(manager.start()).rejects.toMatchObject({ code: 'IDENTITY_TOKEN_INVALID' });
    expect(asked).toBe(2);
    expect(endpoint.calls.map((call) => call.body.identityToken)).toEqual([
      'site.id.token-1',
      'site.id.token-2',
    ]);
    expect(events).toEqual(['refresh:initial', 'error:IDENTITY_TOKEN_INVALID']);
  });

  it('recovers with the refreshed identity token when the first was refused', async () => {
    let asked = 0;
    const { manager, endpoint } = setup({ identityToken: async () => `site.id.token-${++asked}` });
    endpoint.reply(invalid);
    const token = await manager.start();
    expect(token.guestId).toBe('guest-2');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('on identityChanged() drops the token, ignores the request in flight, and fetches anew', async () => {
    let signedIn: string | undefined;
    const { manager, endpoint, timers, events } = setup({ identityToken: async () => signedIn });
    await manager.start();
    expect(manager.token?.guestId).toBe('guest-1');

    // A refresh for the guest is in flight when the visitor signs in.
    endpoint.hold();
    const stale = manager.refresh();
    stale.catch(() => {});
    await timers.settle();
    signedIn = 'site.id.token-customer';
    const fresh = manager.identityChanged();
    expect(manager.token).toBeUndefined();
    endpoint.release();
    const token = await fresh;
    await timers.settle();

    expect(endpoint.calls.at(-1)?.body).toMatchObject({ identityToken: 'site.id.token-customer' });
    expect(manager.token).toBe(token);
    // The guest's late answer never became the current token.
    expect(manager.token?.guestId).toBe(`guest-${endpoint.calls.length}`);
    expect(events.filter((e) => e.startsWith('token:'))).not.toContain('token:guest-2');
  });
});
