// The one way the proxy talks HTTP to Genesys: undici over a keep-alive pool created once per
// container, with connect, header and body timeouts, a cap on how much of a response is read,
// and every transport failure turned into UpstreamUnavailableError (503 with Retry-After).

import type { Dispatcher, Agent as UndiciAgent } from 'undici';
import {
  DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
  type Upstream,
  UpstreamUnavailableError,
} from '../errors';
import { Agent } from './undici-lean';

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
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  json: unknown;
}

/** Sends one request; resolves for any HTTP status, rejects only on transport failure. */
export async function sendUpstream(
  dispatcher: Dispatcher,
  req: UpstreamRequest,
): Promise<UpstreamResponse> {
  try {
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
    });
    const text = await readCapped(res.body, req.upstream);
    return { status: res.statusCode, headers: res.headers, json: parseJson(text) };
  } catch (error) {
    if (error instanceof UpstreamUnavailableError) throw error;
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new UpstreamUnavailableError(
      req.upstream,
      `request failed: ${code}`,
      DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
      { cause: error },
    );
  }
}

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
