// Init does the work, within a deadline: the bundle's load waits for the handler's warm-up at
// most INIT_WARM_UP_DEADLINE_MS (on fake timers here), a failed warm-up never fails init, and
// after a warm-up cut short by a hung upstream the first request still succeeds once the
// upstream answers (it shares the load still in flight). What the warm-up rehearses leaves no
// trace but the one line it logs and the cold-start metric, which it publishes in init instead
// of the first request.

import { INIT_WARM_UP_DEADLINE_MS, warmUpWithin } from '../../lambda/platform/warm-up';
import { fakeTimers } from '../fixtures/fake-timers';
import { startHarness } from '../fixtures/harness';

describe('warmUpWithin', () => {
  it('says done when the warm-up finishes in time, and leaves no timer behind', async () => {
    const timers = fakeTimers();
    await expect(warmUpWithin(async () => {}, 2_000, timers)).resolves.toBe('done');
    expect(timers.pending()).toEqual([]);
  });

  it('says failed, and does not throw, when the warm-up fails', async () => {
    const timers = fakeTimers();
    const outcome = warmUpWithin(
      () => Promise.reject(new Error('secret unreadable')),
      2_000,
      timers,
    );
    await expect(outcome).resolves.toBe('failed');
  });

  it('ends at the deadline when the warm-up hangs, not a moment before', async () => {
    const timers = fakeTimers();
    let outcome: string | undefined;
    void warmUpWithin(() => new Promise(() => {}), INIT_WARM_UP_DEADLINE_MS, timers).then(
      (value) => {
        outcome = value;
      },
    );
    await timers.advance(INIT_WARM_UP_DEADLINE_MS - 1);
    expect(outcome).toBeUndefined();
    await timers.advance(1);
    expect(outcome).toBe('timed out');
  });

  it('lets the first request succeed after a warm-up a slow upstream cut short', async () => {
    const h = await startHarness();
    try {
      // Genesys's OAuth endpoint answers only after the init deadline has passed.
      h.emulator.inject('oauth', { kind: 'latency', ms: 300 });
      const timers = fakeTimers();
      const outcome = warmUpWithin(() => h.warmUp(), INIT_WARM_UP_DEADLINE_MS, timers);
      await timers.advance(INIT_WARM_UP_DEADLINE_MS);
      await expect(outcome).resolves.toBe('timed out');
      const answer = await h.invoke();
      expect(answer.status).toBe(200);
      // The request joined the token load the warm-up had started: one OAuth call in all.
      expect(h.emulator.calls.oauth).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('logs once what init loaded, and what it could not', async () => {
    const h = await startHarness();
    try {
      h.emulator.inject('oauth', { kind: 'status', status: 401 });
      await h.warmUp();
      const line = h.logs.json().find((entry) => entry.message === 'init.warm-up');
      expect(line).toMatchObject({ level: 'INFO', oauthToken: 'failed', keySet: 'loaded' });
      expect(typeof line?.ms).toBe('number');
    } finally {
      await h.close();
    }
  });

  /** The harness of a container Lambda initialised this way (Powertools reads it at start). */
  async function harnessInitialisedAs(type: 'on-demand' | 'provisioned-concurrency') {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = type;
    try {
      return await startHarness();
    } finally {
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
  }
  const coldStarts = (lines: Record<string, unknown>[]) =>
    lines.filter((line) => line.ColdStart !== undefined);

  it('publishes the cold start during init, once, and leaves the first request none to publish', async () => {
    const h = await harnessInitialisedAs('on-demand');
    try {
      await h.warmUp({ functionName: 'guest-token-fn' });
      // Nothing but the cold-start metric and the warm-up's own line: the rehearsals (schema,
      // PII patterns, client-IP hash, a verification no key passes) log and count nothing.
      const atInit = h.logs.json();
      expect(atInit).toEqual([
        expect.objectContaining({ function_name: 'guest-token-fn', ColdStart: 1 }),
        expect.objectContaining({ message: 'init.warm-up' }),
      ]);
      expect((await h.invoke()).status).toBe(200);
      expect((await h.invoke({ body: { name: 'Grace' } })).status).toBe(200);
      expect(coldStarts(h.logs.json())).toHaveLength(1);
      const issued = h.logs.json().filter((line) => line.message === 'guest-token.issued');
      expect(issued.map((line) => line.cold_start)).toEqual([true, false]);
    } finally {
      await h.close();
    }
  });

  it('publishes no cold start for a provisioned container, at init or after', async () => {
    const h = await harnessInitialisedAs('provisioned-concurrency');
    try {
      await h.warmUp({ functionName: 'guest-token-fn' });
      expect((await h.invoke()).status).toBe(200);
      expect(coldStarts(h.logs.json())).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
