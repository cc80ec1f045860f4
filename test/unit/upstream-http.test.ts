import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, MockAgent } from 'undici';
import {
  createUpstreamHttp,
  parseRetryAfter,
  RETRY_POLICY,
  readRateLimit,
  type UpstreamRequest,
} from '../../lambda/platform/upstream/upstream-http';
import { manualClock } from '../fixtures/manual-clock';

const API = 'https://api.example.com';

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

describe('readRateLimit', () => {
  it('reads the three inin-ratelimit headers', () => {
    const headers = {
      'inin-ratelimit-allowed': '300',
      'inin-ratelimit-count': '12',
      'inin-ratelimit-reset': '41',
    };
    expect(readRateLimit(headers)).toEqual({ allowed: 300, count: 12, resetSeconds: 41 });
  });
  it('ignores a partial or unreadable set', () => {
    expect(readRateLimit({ 'inin-ratelimit-allowed': '300' })).toBeUndefined();
    expect(
      readRateLimit({
        'inin-ratelimit-allowed': 'lots',
        'inin-ratelimit-count': '1',
        'inin-ratelimit-reset': '1',
      }),
    ).toBeUndefined();
  });
});

/** An UpstreamHttp over a MockAgent whose retries wait on the manual clock, not in real time. */
function setup(
  options: { random?: number; breaker?: { failureThreshold?: number; openMs?: number } } = {},
) {
  const clock = manualClock();
  const agent = new MockAgent();
  agent.disableNetConnect();
  const sleeps: number[] = [];
  const events: string[] = [];
  const http = createUpstreamHttp({
    dispatcher: agent,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => options.random ?? 0.5,
    breaker: options.breaker,
    events: {
      retried: (upstream, reason, delayMs) => events.push(`retry ${upstream} ${reason} ${delayMs}`),
      breakerOpened: (upstream) => events.push(`open ${upstream}`),
      rateLimit: (upstream, state) =>
        events.push(`limit ${upstream} ${state.count}/${state.allowed}`),
    },
  });
  const pool = agent.get(API);
  const call = (extra: Partial<UpstreamRequest> = {}) =>
    http.send({ upstream: 'mint', url: `${API}/mint`, method: 'POST', body: '{}', ...extra });
  const reply = (status: number, headers: Record<string, string> = {}, times = 1) =>
    pool
      .intercept({ path: '/mint', method: 'POST' })
      .reply(status, { status }, { headers })
      .times(times);
  return { clock, agent, pool, http, call, reply, sleeps, events };
}

/**
 * A loopback server answering from a script, for the retry cases: undici's retry handler
 * pauses the response while the policy decides, which MockAgent does not honour.
 */
async function scriptedServer(script: { status: number; headers?: Record<string, string> }[]) {
  let served = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    const next = script[Math.min(served++, script.length - 1)] ?? { status: 500 };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify({ status: next.status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mint`,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('UpstreamHttp retries', () => {
  const clock = manualClock();
  const dispatcher = new Agent();
  let sleeps: number[];
  let events: string[];
  let server: Awaited<ReturnType<typeof scriptedServer>> | undefined;
  const http = createUpstreamHttp({
    dispatcher,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
    events: {
      retried: (upstream, reason, delayMs) => events.push(`${upstream} ${reason} ${delayMs}`),
    },
    breaker: { failureThreshold: 100 },
  });
  const callScript = async (
    script: { status: number; headers?: Record<string, string> }[],
    extra: Partial<UpstreamRequest> = {},
  ) => {
    server = await scriptedServer(script);
    return http.send({ upstream: 'mint', url: server.url, method: 'POST', body: '{}', ...extra });
  };
  beforeEach(() => {
    sleeps = [];
    events = [];
  });
  afterEach(() => server?.close());
  afterAll(() => dispatcher.close());

  it.each([429, 502, 503, 504])('retries %i with jittered exponential backoff', async (status) => {
    const res = await callScript([{ status }, { status }, { status: 200 }]);
    expect(res.status).toBe(200);
    expect(server?.served()).toBe(3);
    // Full jitter: random × min(cap, base × 2^(n−1)).
    expect(sleeps).toEqual([RETRY_POLICY.baseDelayMs * 0.5, RETRY_POLICY.baseDelayMs]);
    expect(events).toEqual([`mint HTTP ${status} 50`, `mint HTTP ${status} 100`]);
  });

  it.each([400, 401, 403, 404, 409, 500])('never retries %i', async (status) => {
    const res = await callScript([{ status }, { status: 200 }]);
    expect(res.status).toBe(status);
    expect(server?.served()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after the last attempt and hands back the final answer', async () => {
    const res = await callScript([{ status: 503, headers: { 'retry-after': '1' } }]);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(server?.served()).toBe(RETRY_POLICY.maxAttempts);
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it('waits what Retry-After says, in seconds or as an HTTP date', async () => {
    const date = new Date(clock() + 2_000 + 3_000).toUTCString();
    const res = await callScript([
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, headers: { 'retry-after': date } },
      { status: 200 },
    ]);
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([2_000, 3_000]);
  });

  it('does not wait past the deadline: answers with the upstream Retry-After instead', async () => {
    const res = await callScript([{ status: 503, headers: { 'retry-after': '30' } }], {
      deadline: clock() + 5_000,
    });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(server?.served()).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe('UpstreamHttp.send', () => {
  it('refuses to read a response beyond the cap', async () => {
    const { pool, http } = setup();
    pool.intercept({ path: '/big', method: 'GET' }).reply(200, 'x'.repeat(300 * 1024));
    await expect(
      http.send({ upstream: 'keys', url: `${API}/big`, method: 'GET' }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'keys' });
  });

  it('resolves non-retryable answers at once with their status and parsed JSON', async () => {
    const { reply, call, sleeps } = setup();
    reply(404);
    const res = await call();
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ status: 404 });
    expect(sleeps).toEqual([]);
  });

  it('retries connection errors and turns the last one into a 503', async () => {
    const { pool, call, sleeps } = setup();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    pool.intercept({ path: '/mint', method: 'POST' }).replyWithError(reset).times(3);
    await expect(call()).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'mint',
      detail: 'request failed: ECONNRESET',
    });
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry an error it does not know to be transient', async () => {
    const { pool, call, sleeps } = setup();
    pool.intercept({ path: '/mint', method: 'POST' }).replyWithError(new Error('bad things'));
    await expect(call()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sleeps).toEqual([]);
  });

  it('opens the breaker after repeated failures, fails fast, and half-opens on its own', async () => {
    const { reply, call, clock, events, agent } = setup({
      breaker: { failureThreshold: 2, openMs: 4_000 },
    });
    reply(500, {}, 2);
    expect((await call()).status).toBe(500);
    expect((await call()).status).toBe(500);
    expect(events).toEqual(['open mint']);

    // Open: no call goes out; Retry-After is what is left of the open period.
    await expect(call()).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfterSeconds: 4,
    });
    clock.advance(3_000);
    await expect(call()).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(agent.pendingInterceptors()).toEqual([]);

    // Half-open: one trial; its success closes the breaker.
    clock.advance(1_000);
    reply(200, {}, 2);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
  });

  it('lets only one trial call through while half-open, and re-opens when it fails', async () => {
    const { reply, call, clock, events } = setup({
      breaker: { failureThreshold: 1, openMs: 1_000 },
    });
    reply(500);
    await call();
    clock.advance(1_000);
    reply(500);
    const trial = call();
    await expect(call()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await trial).status).toBe(500);
    expect(events).toEqual(['open mint', 'open mint']);
    await expect(call()).rejects.toMatchObject({ retryAfterSeconds: 1 });
  });

  it('holds calls until the rate-limit window resets once it is nearly spent', async () => {
    const { reply, call, clock, events } = setup();
    reply(200, {
      'inin-ratelimit-allowed': '300',
      'inin-ratelimit-count': '150',
      'inin-ratelimit-reset': '20',
    });
    reply(200, {
      'inin-ratelimit-allowed': '300',
      'inin-ratelimit-count': '294',
      'inin-ratelimit-reset': '20',
    });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect(events).toEqual(['limit mint 150/300', 'limit mint 294/300']);

    await expect(call()).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfterSeconds: 20,
    });
    clock.advance(20_000);
    reply(200);
    expect((await call()).status).toBe(200);
  });

  it('keeps each upstream on its own breaker', async () => {
    const { reply, call, pool, http } = setup({ breaker: { failureThreshold: 1 } });
    reply(500);
    await call();
    await expect(call()).rejects.toMatchObject({ upstream: 'mint' });
    pool.intercept({ path: '/keys', method: 'GET' }).reply(200, { keys: [] });
    const res = await http.send({ upstream: 'keys', url: `${API}/keys`, method: 'GET' });
    expect(res.status).toBe(200);
  });
});
