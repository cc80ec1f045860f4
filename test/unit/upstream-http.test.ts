import { MockAgent } from 'undici';
import { parseRetryAfter, sendUpstream } from '../../lambda/genesys/upstream-http';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it.each([
    ['120', 120],
    [' 3 ', 3],
    ['0', 1],
    ['Tue, 24 Nov 2026 12:00:45 GMT', 45],
    ['Tue, 24 Nov 2026 11:00:00 GMT', 1],
    [['9', '10'], 9],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
  it.each([undefined, '', 'soon', '-5'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('sendUpstream', () => {
  it('refuses to read a response beyond the cap', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://api.example.com')
      .intercept({ path: '/big', method: 'GET' })
      .reply(200, 'x'.repeat(300 * 1024));
    await expect(
      sendUpstream(agent, { upstream: 'keys', url: 'https://api.example.com/big', method: 'GET' }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'keys' });
  });

  it('resolves non-2xx answers with their status and parsed JSON', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://api.example.com')
      .intercept({ path: '/x', method: 'GET' })
      .reply(404, { message: 'nope' });
    const res = await sendUpstream(agent, {
      upstream: 'keys',
      url: 'https://api.example.com/x',
      method: 'GET',
    });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: 'nope' });
  });
});
