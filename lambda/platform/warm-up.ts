// Init does the work: Lambda's init runs unthrottled (and, with provisioned concurrency, before any
// visitor), so the bundle's load waits, at most 2 s and never failing, for every part's warm-up.

import type { Clock } from './clock';
import type { Logger } from './observability';

/** How long init may wait for the warm-up. */
export const INIT_WARM_UP_DEADLINE_MS = 2_000;

/** setTimeout and clearTimeout, injectable so tests move time by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type WarmUpOutcome = 'done' | 'failed' | 'timed out';

export async function warmUpWithin(
  warmUp: () => Promise<unknown>,
  deadlineMs = INIT_WARM_UP_DEADLINE_MS,
  timers: Timers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  },
): Promise<WarmUpOutcome> {
  let timer: unknown;
  const timedOut = new Promise<WarmUpOutcome>((resolve) => {
    timer = timers.setTimeout(() => resolve('timed out'), deadlineMs);
  });
  const loaded = warmUp().then(
    (): WarmUpOutcome => 'done',
    (): WarmUpOutcome => 'failed',
  );
  try {
    return await Promise.race([loaded, timedOut]);
  } finally {
    timers.clearTimeout(timer);
  }
}

/**
 * Something with work to do at init: a step, a cache, a client. With a `name`, its outcome is
 * reported in the one `init.warm-up` line; a failure is never cached, the first request loads
 * again and reports it.
 */
export interface WarmUp {
  name?: string;
  warmUp(): unknown;
}

/**
 * Runs every part's warm-up together and logs once per container what init loaded. Parts start
 * in the order given: those that wait on the network first, so their requests are on their way
 * while the CPU-only rehearsals run.
 */
export async function runWarmUps(
  parts: readonly Partial<WarmUp>[],
  { logger, clock }: { logger: Logger; clock: Clock },
): Promise<void> {
  const started = clock();
  const warm = parts.filter((part): part is WarmUp => typeof part.warmUp === 'function');
  const outcomes = await Promise.allSettled(warm.map(async (part) => part.warmUp()));
  const loaded = warm.flatMap((part, index) =>
    part.name ? [[part.name, outcomes[index]?.status === 'fulfilled' ? 'loaded' : 'failed']] : [],
  );
  logger.info('init.warm-up', { ...Object.fromEntries(loaded), ms: clock() - started });
}
