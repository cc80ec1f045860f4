// Step ③: cheap refusals before any upstream call: 403 for automation user agents (or none), 429 from a
// per-IP token bucket, the second line behind the WAF's fleet-wide rate rule.

import type { Clock } from '../platform/clock';
import { BotDetectedError, RateLimitedError } from '../platform/errors';
import { header, type PipelineMiddleware, type PipelineRequest, sourceIp } from './context';

export interface GuardOptions {
  /** Share one bucket between several routes (the messenger profile's two visitor paths). */
  bucket?: TokenBucket;
  ratePerMinute: number;
  /** Lower-case substrings; a User-Agent containing any of them is refused. */
  botUserAgentPatterns: readonly string[];
  clock: Clock;
  /** Upper bound on remembered clients, so a spray of addresses cannot grow memory. */
  maxClients?: number;
}

export interface TokenBucket {
  /** Takes one token for `key`; returns 0 when allowed, else the seconds until one is free. */
  take(key: string): number;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function createTokenBucket(
  ratePerMinute: number,
  clock: Clock,
  maxClients = 10_000,
): TokenBucket {
  const refillPerMs = ratePerMinute / 60_000;
  // A Map keeps insertion order: re-inserting on use makes the first key the least recent.
  const buckets = new Map<string, Bucket>();

  return {
    take(key) {
      const now = clock();
      const previous = buckets.get(key);
      const bucket: Bucket = previous
        ? {
            tokens: Math.min(
              ratePerMinute,
              previous.tokens + (now - previous.updatedAt) * refillPerMs,
            ),
            updatedAt: now,
          }
        : { tokens: ratePerMinute, updatedAt: now };
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
    },
    get size() {
      return buckets.size;
    },
  };
}

/** A listed automation client, or no User-Agent at all: every browser sends one. */
export function isBotUserAgent(
  userAgent: string | undefined,
  patterns: readonly string[],
): boolean {
  if (!userAgent?.trim()) return true;
  const ua = userAgent.toLowerCase();
  return patterns.some((pattern) => ua.includes(pattern));
}

export function guard({
  bucket: shared,
  ratePerMinute,
  botUserAgentPatterns,
  clock,
  maxClients,
}: GuardOptions): PipelineMiddleware {
  const bucket = shared ?? createTokenBucket(ratePerMinute, clock, maxClients);

  const guardBefore = async (request: PipelineRequest): Promise<void> => {
    if (isBotUserAgent(header(request.event, 'user-agent'), botUserAgentPatterns)) {
      throw new BotDetectedError();
    }
    const retryAfter = bucket.take(sourceIp(request.event));
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
  };
  return { before: guardBefore };
}
