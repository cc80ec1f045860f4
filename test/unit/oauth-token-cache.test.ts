import { MockAgent } from 'undici';
import type { CredentialsProvider } from '../../lambda/platform/credentials';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import { createUpstreamHttp } from '../../lambda/platform/upstream/upstream-http';
import {
  createOAuthTokenCache,
  refreshMarginMs,
} from '../../lambda/profiles/guest-api/oauth-token';
import { manualClock } from '../fixtures/manual-clock';

const LOGIN = 'https://login.mypurecloud.com';
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function setup(secrets: string[] = ['s1']) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const clock = manualClock();
  let reads = 0;
  const credentials: CredentialsProvider = {
    get: async () => ({
      clientId: 'client',
      clientSecret: secrets[Math.min(reads, secrets.length - 1)] as string,
    }),
    invalidate: jest.fn(() => {
      reads++;
    }),
  };
  const cache = createOAuthTokenCache({
    tokenUrl: `${LOGIN}/oauth/token`,
    credentials,
    http: createUpstreamHttp({ dispatcher: agent, clock }),
    clock,
  });
  return { agent, pool: agent.get(LOGIN), clock, credentials, cache };
}

describe('OAuth token cache', () => {
  it('posts client credentials with Basic auth and a form body', async () => {
    const { agent, pool, cache } = setup();
    pool
      .intercept({
        path: '/oauth/token',
        method: 'POST',
        headers: {
          authorization: basic('client', 's1'),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
      .reply(200, { access_token: 'tok-1', token_type: 'bearer', expires_in: 3600 });
    expect(await cache.get()).toBe('tok-1');
    agent.assertNoPendingInterceptors();
  });

  it('reuses the token until expires_in minus the margin, with one fetch for concurrent callers', async () => {
    const { agent, pool, clock, cache } = setup();
    pool
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(200, { access_token: 'tok-1', expires_in: 3600 });
    pool
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(200, { access_token: 'tok-2', expires_in: 3600 });

    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual([
      'tok-1',
      'tok-1',
      'tok-1',
    ]);
    clock.advance(3600_000 - 5 * 60_000 - 1);
    expect(await cache.get()).toBe('tok-1');
    clock.advance(1);
    expect(await cache.get()).toBe('tok-2');
    agent.assertNoPendingInterceptors();
  });

  it('uses a proportional margin for short tokens', () => {
    expect(refreshMarginMs(3600)).toBe(5 * 60_000);
    expect(refreshMarginMs(600)).toBe(60_000);
    expect(refreshMarginMs(60)).toBe(6_000);
  });

  it('re-reads the credentials once on invalid_client', async () => {
    const { agent, pool, cache, credentials } = setup(['old', 'new']);
    pool
      .intercept({
        path: '/oauth/token',
        method: 'POST',
        headers: { authorization: basic('client', 'old') },
      })
      .reply(401, { error: 'invalid_client' });
    pool
      .intercept({
        path: '/oauth/token',
        method: 'POST',
        headers: { authorization: basic('client', 'new') },
      })
      .reply(200, { access_token: 'tok-new', expires_in: 3600 });
    expect(await cache.get()).toBe('tok-new');
    expect(credentials.invalidate).toHaveBeenCalledTimes(1);
    agent.assertNoPendingInterceptors();
  });

  it('gives up with a 503 when the re-read credentials are refused too', async () => {
    const { pool, cache } = setup(['old', 'still-wrong']);
    pool
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(400, { error: 'invalid_client' })
      .times(2);
    await expect(cache.get()).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'oauth',
    });
  });

  it.each([
    [429, { 'retry-after': '12' }, 12],
    [503, {}, 5],
    [500, {}, 5],
  ])('maps HTTP %i to a 503 with Retry-After %i', async (status, headers, retryAfter) => {
    const { pool, cache } = setup();
    pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(status, {}, { headers });
    const error = (await cache.get().catch((e: unknown) => e)) as UpstreamUnavailableError;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.retryAfterSeconds).toBe(retryAfter);
  });

  it.each([
    { token_type: 'bearer' },
    { access_token: '', expires_in: 10 },
    { access_token: 'x', expires_in: -1 },
    'not json',
  ])('refuses an unusable token response %j', async (body) => {
    const { pool, cache } = setup();
    pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, body);
    await expect(cache.get()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});
