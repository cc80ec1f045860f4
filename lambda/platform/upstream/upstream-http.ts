// The one way the service talks HTTP upstream: a keep-alive undici pool, timeouts, a response cap,
// a breaker per upstream, retries with full jitter or Retry-After within the call's deadline, and
// Genesys's inin-ratelimit-* headers respected, so every failure is a 503 and never a hang.

import type { Dispatcher, Agent as UndiciAgent } from 'undici';
import type { Clock } from '../clock';
import {
  DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
  type Upstream,
  UpstreamUnavailableError,
} from '../errors';
import { type CircuitBreaker, createCircuitBreaker } from './circuit-breaker';
import { Agent, retryInterceptor } from './undici-lean';

export const UPSTREAM_TIMEOUTS = { connectMs: 2_000, headersMs: 5_000, bodyMs: 5_000 } as const;
/** Nothing Genesys sends us (a token, a key set) comes close to this. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/** The production pool: keep-alive, bounded connections per origin, timeouts on every phase. */
export function createUpstreamAgent(): UndiciAgent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: 32,
    connect: { timeout: UPSTREAM_TIMEOUTS.connectMs },
    headersTimeout: UPSTREAM_TIMEOUTS.headersMs,
    bodyTimeout: UPSTREAM_TIMEOUTS.bodyMs,
  });
}

export interface UpstreamRequest {
  upstream: Upstream;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Epoch ms by which the call, retries included, must be over. */
  deadline?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  json: unknown;
}

export interface UpstreamHttp {
  /**
   * Sends one request (retrying as the policy allows); resolves with the final answer for any
   * status, rejects with UpstreamUnavailableError on transport failure, an open breaker or a
   * spent deadline.
   */
  send(req: UpstreamRequest): Promise<UpstreamResponse>;
}

/** Sleeps `ms`, or rejects when `signal` aborts first. Tests pass one that moves their clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RateLimitState {
  allowed: number;
  count: number;
  resetSeconds: number;
}

/** What the upstream layer reports (the audit step turns these into log lines and metrics). */
export interface UpstreamEvents {
  retried?(upstream: Upstream, reason: string, delayMs: number): void;
  breakerOpened?(upstream: Upstream, openMs: number): void;
  rateLimit?(upstream: Upstream, state: RateLimitState): void;
}

export const RETRY_POLICY = {
  /** Attempts per call, the first included. */
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  /** A call that is not over by then is given up (well under API Gateway's 29 s). */
  budgetMs: 8_000,
  /** Stop calling when this share of the rate-limit window is left (at least one call). */
  rateLimitReserve: 0.02,
} as const;

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface UpstreamHttpOptions {
  dispatcher: Dispatcher;
  clock: Clock;
  sleep?: Sleep;
  /** A number in [0, 1) for the jitter. */
  random?: () => number;
  events?: UpstreamEvents;
  breaker?: { failureThreshold?: number; openMs?: number };
}

export function createUpstreamHttp({
  dispatcher,
  clock,
  sleep = realSleep,
  random = Math.random,
  events = {},
  breaker: breakerOptions,
}: UpstreamHttpOptions): UpstreamHttp {
  const retrying = dispatcher.compose(retryInterceptor({ throwOnError: false }));
  const breakers = new Map<Upstream, CircuitBreaker>();
  const breakerFor = (upstream: Upstream) => {
    let breaker = breakers.get(upstream);
    if (!breaker) {
      breaker = createCircuitBreaker({
        upstream,
        clock,
        ...breakerOptions,
        onOpen: events.breakerOpened,
      });
      breakers.set(upstream, breaker);
    }
    return breaker;
  };

  /** undici's retry hook: `done()` retries, `done(err)` gives the answer (or error) back. */
  const retryDecision =
    (req: UpstreamRequest, deadline: number, breaker: CircuitBreaker) =>
    (
      err: RetryableError,
      { state }: { state: { counter: number } },
      done: (err?: Error | null) => void,
    ) => {
      const status = err.statusCode;
      const now = clock();
      const retryAfter = status ? parseRetryAfter(err.headers?.['retry-after'], now) : undefined;
      if (status === 429 && retryAfter) breaker.holdUntil(now + retryAfter * 1000);
      const retryable = status
        ? RETRYABLE_STATUSES.has(status)
        : RETRYABLE_ERRORS.has(err.code ?? '');
      if (!retryable || state.counter >= RETRY_POLICY.maxAttempts || req.signal?.aborted) {
        return done(err);
      }
      const backoff = Math.min(
        RETRY_POLICY.maxDelayMs,
        RETRY_POLICY.baseDelayMs * 2 ** (state.counter - 1),
      );
      const delayMs = retryAfter ? retryAfter * 1000 : Math.floor(random() * backoff);
      if (now + delayMs >= deadline) return done(err);
      events.retried?.(req.upstream, status ? `HTTP ${status}` : (err.code ?? 'error'), delayMs);
      sleep(delayMs, req.signal).then(
        () => done(null),
        () => done(err),
      );
    };

  return {
    async send(req) {
      const breaker = breakerFor(req.upstream);
      breaker.admit();
      const deadline = Math.min(req.deadline ?? Infinity, clock() + RETRY_POLICY.budgetMs);
      // One controller per call, aborted by the caller's signal or the deadline, whichever
      // comes first, and released when the call is over (cheaper than AbortSignal.timeout and
      // AbortSignal.any, whose timer would outlive the call).
      const budget = new AbortController();
      const timer = setTimeout(() => budget.abort(), Math.max(1, deadline - clock()));
      const abort = () => budget.abort();
      req.signal?.addEventListener('abort', abort, { once: true });
      if (req.signal?.aborted) budget.abort();
      let res: UpstreamResponse;
      try {
        res = await request(
          retrying,
          { ...req, signal: budget.signal },
          retryDecision(req, deadline, breaker),
        );
      } catch (error) {
        breaker.failed();
        if (error instanceof UpstreamUnavailableError) throw error;
        const code =
          budget.signal.aborted && !req.signal?.aborted
            ? 'deadline passed'
            : ((error as { code?: string }).code ?? (error as Error).name);
        throw new UpstreamUnavailableError(
          req.upstream,
          `request failed: ${code}`,
          DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', abort);
      }
      if (res.status >= 500 || res.status === 429) breaker.failed();
      else breaker.succeeded();
      const rateLimit = readRateLimit(res.headers);
      if (rateLimit) {
        events.rateLimit?.(req.upstream, rateLimit);
        const reserve = Math.max(1, Math.floor(rateLimit.allowed * RETRY_POLICY.rateLimitReserve));
        if (rateLimit.allowed - rateLimit.count <= reserve) {
          breaker.holdUntil(clock() + rateLimit.resetSeconds * 1000);
        }
      }
      return res;
    },
  };
}

interface RetryableError extends Error {
  statusCode?: number;
  code?: string;
  headers?: Record<string, string | string[] | undefined>;
}

async function request(
  dispatcher: Dispatcher,
  req: UpstreamRequest,
  retry: unknown,
): Promise<UpstreamResponse> {
  const url = new URL(req.url);
  const res = await dispatcher.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: req.method,
    headers: { accept: 'application/json', ...req.headers },
    body: req.body,
    signal: req.signal,
    headersTimeout: UPSTREAM_TIMEOUTS.headersMs,
    bodyTimeout: UPSTREAM_TIMEOUTS.bodyMs,
    // undici's RetryHandler reads this per request; its types do not list it on request().
    retryOptions: { retry, throwOnError: false },
  } as Dispatcher.RequestOptions);
  const text = await readCapped(res.body, req.upstream);
  return { status: res.statusCode, headers: res.headers, json: parseJson(text) };
}

/** Genesys's (deprecated, sometimes absent) window headers; undefined unless all three parse. */
export function readRateLimit(
  headers: Record<string, string | string[] | undefined>,
): RateLimitState | undefined {
  const read = (name: string) => {
    const value = headers[`inin-ratelimit-${name}`];
    const number = Number(Array.isArray(value) ? value[0] : value);
    return value !== undefined && Number.isFinite(number) && number >= 0 ? number : undefined;
  };
  const allowed = read('allowed');
  const count = read('count');
  const resetSeconds = read('reset');
  if (allowed === undefined || count === undefined || resetSeconds === undefined) return undefined;
  return { allowed, count, resetSeconds };
}

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The 503 for an upstream that answered with a status we cannot use. */
export function unavailableFromStatus(
  upstream: Upstream,
  res: UpstreamResponse,
  now: number,
): UpstreamUnavailableError {
  const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
  return new UpstreamUnavailableError(
    upstream,
    `answered HTTP ${res.status}`,
    retryAfter ?? DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
  );
}

/**
 * Retry-After as whole seconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; never less than 1.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number(trimmed));
  // An HTTP-date always opens with a day name; Date.parse alone would accept "-5".
  const date = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(1, Math.ceil((date - now) / 1000));
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  upstream: Upstream,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new UpstreamUnavailableError(upstream, 'response larger than the cap');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
