// Init does the work: in Lambda the bundle waits, at load, for the handler's warm-up (the
// secret, the OAuth token or OIDC client, the key sets, the first connections), because init
// runs unthrottled and, with provisioned concurrency, before any visitor arrives. The wait is
// bounded: past the deadline init ends anyway and the loads go on in the background, shared
// with the first request; a failed warm-up never fails init (the first request loads again
// and reports it).

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
