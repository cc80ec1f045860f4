// The cache behind credentials, the OAuth token and the key set: one value with an expiry,
// at most one load in flight (concurrent callers share it), and invalidation that only drops
// the value the caller saw, so two callers reporting the same stale token cause one reload.

import type { Clock } from './clock';

export interface Loaded<T> {
  value: T;
  /** Epoch milliseconds after which the value is reloaded. */
  expiresAt: number;
}

export interface StaleOnError {
  /** How long the last good value is served after a failed reload before the next try. */
  retryAfterMs: number;
  /** Told each time a reload failed and the last good value is served instead. */
  onStale(error: unknown): void;
}

export interface CachedValue<T> {
  /** The cached value while fresh, otherwise the result of one shared load. */
  get(): Promise<T>;
  /** Drops the value if it is still `stale` (or unconditionally with no argument). */
  invalidate(stale?: T): void;
  /** When the current value was loaded, or undefined before the first load. */
  loadedAt(): number | undefined;
}

/**
 * With `staleOnError`, a reload that fails after a value was once loaded serves that last good
 * value (invalidated or expired as it may be) for `retryAfterMs`, and says so, instead of failing.
 */
export function createCachedValue<T>(
  load: () => Promise<Loaded<T>>,
  clock: Clock,
  staleOnError?: StaleOnError,
): CachedValue<T> {
  let current: (Loaded<T> & { loadedAt: number }) | undefined;
  let lastGood: (Loaded<T> & { loadedAt: number }) | undefined;
  let inFlight: Promise<T> | undefined;

  const reload = (): Promise<T> => {
    inFlight ??= load()
      .then(
        (loaded) => {
          current = { ...loaded, loadedAt: clock() };
          lastGood = current;
          return loaded.value;
        },
        (error: unknown) => {
          if (!staleOnError || !lastGood) throw error;
          staleOnError.onStale(error);
          current = { ...lastGood, expiresAt: clock() + staleOnError.retryAfterMs };
          return lastGood.value;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    get() {
      if (current && clock() < current.expiresAt) return Promise.resolve(current.value);
      return reload();
    },
    invalidate(stale) {
      if (current && (stale === undefined || current.value === stale)) current = undefined;
    },
    loadedAt: () => current?.loadedAt,
  };
}
