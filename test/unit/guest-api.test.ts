import { MockAgent } from 'undici';
import { createUpstreamHttp } from '../../lambda/platform/upstream/upstream-http';
import { createGuestApi } from '../../lambda/profiles/guest-api/mint-guest-token';
import type { OAuthTokenCache } from '../../lambda/profiles/guest-api/oauth-token';
import type { GuestPayload } from '../../lambda/steps/context';
import { manualClock } from '../fixtures/manual-clock';

const API = 'https://api.mypurecloud.com';
const guest: GuestPayload = { name: 'Ada', customAttributes: { plan: 'gold' } };

function setup(bearers = ['tok-1', 'tok-2']) {
  const clock = manualClock();
  const agent = new MockAgent();
  agent.disableNetConnect();
  let current = 0;
  const tokens: OAuthTokenCache = {
    get: async () => bearers[current] as string,
    invalidate: jest.fn(() => {
      current++;
    }),
  };
  const api = createGuestApi({
    guestUrl: `${API}/api/v2/webchat/guest`,
    tokens,
    http: createUpstreamHttp({ dispatcher: agent, clock }),
    clock,
  });
  return { agent, pool: agent.get(API), tokens, api };
}

describe('Guest API mint', () => {
  it('posts the guest with the bearer token and returns the JWT', async () => {
    const { agent, pool, api } = setup();
    pool
      .intercept({
        path: '/api/v2/webchat/guest',
        method: 'POST',
        headers: { authorization: 'Bearer tok-1', 'content-type': 'application/json' },
        body: JSON.stringify(guest),
      })
      .reply(200, { access_token: 'jwt' });
    expect(await api.mint(guest)).toBe('jwt');
    agent.assertNoPendingInterceptors();
  });

  it('drops the token on 401 and retries once with a fresh one', async () => {
    const { agent, pool, api, tokens } = setup();
    pool
      .intercept({
        path: '/api/v2/webchat/guest',
        method: 'POST',
        headers: { authorization: 'Bearer tok-1' },
      })
      .reply(401, {});
    pool
      .intercept({
        path: '/api/v2/webchat/guest',
        method: 'POST',
        headers: { authorization: 'Bearer tok-2' },
      })
      .reply(200, { access_token: 'jwt' });
    expect(await api.mint(guest)).toBe('jwt');
    expect(tokens.invalidate).toHaveBeenCalledWith('tok-1');
    agent.assertNoPendingInterceptors();
  });

  it('does not loop when the fresh token is refused too', async () => {
    const { pool, api } = setup();
    pool.intercept({ path: '/api/v2/webchat/guest', method: 'POST' }).reply(401, {}).times(2);
    await expect(api.mint(guest)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'mint',
    });
  });

  it('maps 429 with an HTTP-date Retry-After to a 503 with seconds', async () => {
    const { pool, api } = setup();
    const in30s = new Date(manualClock()() + 30_000).toUTCString();
    pool
      .intercept({ path: '/api/v2/webchat/guest', method: 'POST' })
      .reply(429, {}, { headers: { 'retry-after': in30s } });
    await expect(api.mint(guest)).rejects.toMatchObject({ status: 503, retryAfterSeconds: 30 });
  });

  it('refuses a 200 without a token as an invalid guest token', async () => {
    const { pool, api } = setup();
    pool.intercept({ path: '/api/v2/webchat/guest', method: 'POST' }).reply(200, { id: 'x' });
    await expect(api.mint(guest)).rejects.toMatchObject({ code: 'INVALID_GUEST_TOKEN' });
  });

  it('turns a transport failure into a 503', async () => {
    const { pool, api } = setup();
    pool
      .intercept({ path: '/api/v2/webchat/guest', method: 'POST' })
      .replyWithError(new Error('ECONNRESET'));
    await expect(api.mint(guest)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'mint',
    });
  });
});
