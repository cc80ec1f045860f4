import { DESKTOP_USER_AGENT } from '../../dev/browser';
import { createTokenBucket, isBotUserAgent } from '../../lambda/steps/abuse-guard';
import { DEFAULT_BOT_USER_AGENT_PATTERNS } from '../../lambda/steps/settings';
import { startHarness } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';

describe('token bucket', () => {
  it('allows a full minute of budget at once, then refills continuously', () => {
    const clock = manualClock();
    const bucket = createTokenBucket(6, clock); // one token every 10 s
    for (let i = 0; i < 6; i++) expect(bucket.take('ip')).toBe(0);
    expect(bucket.take('ip')).toBe(10);
    clock.advance(9_999);
    expect(bucket.take('ip')).toBe(1);
    clock.advance(1);
    expect(bucket.take('ip')).toBe(0);
    expect(bucket.take('ip')).toBeGreaterThan(0);
  });

  it('keeps clients apart', () => {
    const bucket = createTokenBucket(1, manualClock());
    expect(bucket.take('a')).toBe(0);
    expect(bucket.take('a')).toBe(60);
    expect(bucket.take('b')).toBe(0);
  });

  it('never refills beyond the per-minute budget', () => {
    const clock = manualClock();
    const bucket = createTokenBucket(2, clock);
    clock.advance(3_600_000);
    expect(bucket.take('ip')).toBe(0);
    expect(bucket.take('ip')).toBe(0);
    expect(bucket.take('ip')).toBeGreaterThan(0);
  });

  it('forgets the least recently seen client beyond its bound', () => {
    const bucket = createTokenBucket(1, manualClock(), 3);
    for (const ip of ['a', 'b', 'c', 'd']) bucket.take(ip);
    expect(bucket.size).toBe(3);
    expect(bucket.take('a')).toBe(0); // forgotten, so it starts full again
    expect(bucket.take('d')).toBeGreaterThan(0); // remembered
  });
});

describe('bot user agents', () => {
  it.each([
    'curl/8.5.0',
    'Wget/1.21.4',
    'python-requests/2.32.3',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0 Safari/537.36',
    'Go-http-client/1.1',
    'Scrapy/2.11 (+https://scrapy.org)',
  ])('refuses %s', (ua) => {
    expect(isBotUserAgent(ua, DEFAULT_BOT_USER_AGENT_PATTERNS)).toBe(true);
  });

  it.each([
    DESKTOP_USER_AGENT,
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
  ])('lets %s through', (ua) => {
    expect(isBotUserAgent(ua, DEFAULT_BOT_USER_AGENT_PATTERNS)).toBe(false);
  });

  it.each([
    ['no', undefined],
    ['an empty', ''],
    ['a blank', '   '],
  ])('refuses a request with %s User-Agent: every browser sends one', (_name, ua) => {
    expect(isBotUserAgent(ua, DEFAULT_BOT_USER_AGENT_PATTERNS)).toBe(true);
    expect(isBotUserAgent(ua, [])).toBe(true);
  });
});

describe('a request without a User-Agent', () => {
  it('is refused 403 BOT_DETECTED before anything is minted', async () => {
    const h = await startHarness();
    try {
      const answer = await h.invoke({ headers: { 'User-Agent': '' } });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('BOT_DETECTED');
      expect(h.emulator.calls.mint).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('guard step in the chain', () => {
  it('keys the bucket on the API Gateway source IP, not on X-Forwarded-For', async () => {
    const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      expect(
        (await h.invoke({ sourceIp: '192.0.2.1', headers: { 'X-Forwarded-For': '10.0.0.1' } }))
          .status,
      ).toBe(200);
      const spoofed = await h.invoke({
        sourceIp: '192.0.2.1',
        headers: { 'X-Forwarded-For': '10.0.0.2' },
      });
      expect(spoofed.status).toBe(429);
      expect(spoofed.headers['retry-after']).toBe('60');
      expect((await h.invoke({ sourceIp: '192.0.2.2' })).status).toBe(200);
      expect(h.emulator.calls.mint).toBe(2);

      h.clock.advance(60_000);
      expect((await h.invoke({ sourceIp: '192.0.2.1' })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refuses a bot before any upstream call, whatever the header casing', async () => {
    const h = await startHarness();
    try {
      const answer = await h.invoke({
        headers: { 'User-Agent': '', 'USER-AGENT': 'python-requests/2.32' },
      });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('BOT_DETECTED');
      expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 0, mint: 0, keys: 0 });
    } finally {
      await h.close();
    }
  });
});
