import { createCachedValue } from '../../lambda/platform/cached-value';
import { manualClock } from '../fixtures/manual-clock';

describe('createCachedValue', () => {
  it('loads once for concurrent callers and reuses the value until it expires', async () => {
    const clock = manualClock();
    let loads = 0;
    const cache = createCachedValue(async () => {
      loads++;
      return { value: `v${loads}`, expiresAt: clock() + 1000 };
    }, clock);

    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['v1', 'v1', 'v1']);
    clock.advance(999);
    expect(await cache.get()).toBe('v1');
    clock.advance(1);
    expect(await cache.get()).toBe('v2');
    expect(loads).toBe(2);
  });

  it('drops the value only if it is still the stale one', async () => {
    const clock = manualClock();
    let loads = 0;
    const cache = createCachedValue(
      async () => ({ value: `v${++loads}`, expiresAt: clock() + 1000 }),
      clock,
    );
    await cache.get();
    cache.invalidate('v1');
    expect(await cache.get()).toBe('v2');
    cache.invalidate('v1'); // a second caller reporting the same stale value
    expect(await cache.get()).toBe('v2');
    expect(loads).toBe(2);
  });

  it('does not cache a failed load, and the next caller tries again', async () => {
    const clock = manualClock();
    const load = jest
      .fn()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValueOnce({ value: 'ok', expiresAt: clock() + 1000 });
    const cache = createCachedValue(load, clock);
    await expect(cache.get()).rejects.toThrow('down');
    expect(await cache.get()).toBe('ok');
    expect(cache.loadedAt()).toBe(clock());
  });
});
