// One per upstream, per container: after a run of failures calls fail fast (503 with Retry-After)
// instead of piling onto a dead upstream; it half-opens by itself, and an upstream's own "stop
// until" (429 Retry-After, a spent rate-limit window) holds calls without counting as a failure.

import type { Clock } from '../clock';
import { type Upstream, UpstreamUnavailableError } from '../errors';

export interface CircuitBreakerOptions {
  upstream: Upstream;
  clock: Clock;
  /** Consecutive failed calls that open the breaker. */
  failureThreshold?: number;
  /** How long it stays open before the trial call. */
  openMs?: number;
  onOpen?: (upstream: Upstream, openMs: number) => void;
}

export interface CircuitBreaker {
  /** Throws UpstreamUnavailableError when the call may not go out now. */
  admit(): void;
  succeeded(): void;
  failed(): void;
  /** The upstream asked us to wait until `until` (epoch ms). */
  holdUntil(until: number): void;
}

export const BREAKER_DEFAULTS = { failureThreshold: 5, openMs: 5_000 } as const;

export function createCircuitBreaker({
  upstream,
  clock,
  failureThreshold = BREAKER_DEFAULTS.failureThreshold,
  openMs = BREAKER_DEFAULTS.openMs,
  onOpen,
}: CircuitBreakerOptions): CircuitBreaker {
  let failures = 0;
  let openUntil = 0;
  let heldUntil = 0;
  let trialInFlight = false;

  const refuse = (until: number, detail: string): never => {
    throw new UpstreamUnavailableError(
      upstream,
      detail,
      Math.max(1, Math.ceil((until - clock()) / 1000)),
    );
  };
  const open = () => {
    openUntil = clock() + openMs;
    trialInFlight = false;
    onOpen?.(upstream, openMs);
  };

  return {
    admit() {
      const now = clock();
      if (now < heldUntil) refuse(heldUntil, 'holding off: upstream asked us to wait');
      if (openUntil === 0) return;
      if (now < openUntil) refuse(openUntil, 'circuit open after repeated failures');
      if (trialInFlight) refuse(now + 1000, 'circuit half-open: trial call in flight');
      trialInFlight = true;
    },
    succeeded() {
      failures = 0;
      openUntil = 0;
      trialInFlight = false;
    },
    failed() {
      failures++;
      if (trialInFlight || (openUntil === 0 && failures >= failureThreshold)) open();
    },
    holdUntil(until) {
      heldUntil = Math.max(heldUntil, until);
    },
  };
}
