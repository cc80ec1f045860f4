// @ts-check
// What the token manager and the Messenger AuthProvider plugin share: one JSON POST to the
// token service, retried with full-jitter exponential backoff on network failures and on 429,
// 500, 502, 503 and 504, waiting the service's Retry-After when it gives one; and the site's
// identity token, asked of the page for each request. Errors carry the service's error code
// and status; nothing here stores anything.

/**
 * @typedef {object} Timers
 * @property {(callback: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: unknown) => void} clearTimeout
 */

/** A request that failed: the service's error code and status, or a network failure (status 0). */
export class TokenRequestError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string} code
   * @param {boolean} retryable
   * @param {number} [retryAfterMs]
   */
  constructor(message, status, code, retryable, retryAfterMs) {
    super(message);
    this.name = 'TokenRequestError';
    this.status = status;
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

const RETRYABLE_STATUSES = [429, 500, 502, 503, 504];

/** The page's own timers. */
export const browserTimers = {
  setTimeout: (/** @type {() => void} */ callback, /** @type {number} */ ms) =>
    globalThis.setTimeout(callback, ms),
  clearTimeout: (/** @type {any} */ handle) => globalThis.clearTimeout(handle),
};

/**
 * @template T
 * @typedef {object} PostOptions
 * @property {string} url
 * @property {Record<string, unknown>} body Sent as JSON.
 * @property {(body: any, requestedAt: number) => T} read Turns a 200 body into the result;
 *   throws a TokenRequestError when it is unusable.
 * @property {number} [maxAttempts] Default 4.
 * @property {number} [baseDelayMs] First backoff step; default 1 s.
 * @property {number} [maxDelayMs] Longest backoff wait; default 30 s.
 * @property {(retry: { attempt: number, delayMs: number, error: TokenRequestError }) => void} [onRetry]
 * @property {() => boolean} [cancelled] Checked before each retry: true stops retrying.
 * @property {typeof fetch} [fetch]
 * @property {() => number} [now]
 * @property {Timers} [timers]
 * @property {() => number} [random] A number in [0, 1), for the jitter.
 */

/**
 * @template T
 * @param {PostOptions<T>} options
 * @returns {Promise<T>}
 */
export async function postWithRetry(options) {
  const {
    maxAttempts = 4,
    baseDelayMs = 1_000,
    maxDelayMs = 30_000,
    onRetry,
    cancelled = () => false,
    timers = browserTimers,
    random = Math.random,
  } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(options);
    } catch (caught) {
      const error = toTokenError(caught);
      if (!error.retryable || attempt >= maxAttempts || cancelled()) throw error;
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delayMs = error.retryAfterMs ?? Math.floor(random() * backoff);
      onRetry?.({ attempt, delayMs, error });
      await new Promise((resolve) => timers.setTimeout(() => resolve(undefined), delayMs));
      if (cancelled())
        throw new TokenRequestError('stopped while waiting to retry', 0, 'STOPPED', false);
    }
  }
}

/**
 * Where the page's sign-in lives: resolves with the site's current identity token (an id_token,
 * or an access token for this service), or undefined for an anonymous guest.
 * @typedef {() => Promise<string | undefined>} IdentityTokenSource
 */

/**
 * Sends with the site's identity token when the page has one. A token the service refuses
 * (IDENTITY_TOKEN_INVALID: expired, or from before a key rotation) is asked for once more, so
 * the site's login library can refresh it, and sent again; a second refusal goes to the page.
 * Nothing here keeps the token.
 * @template T
 * @param {IdentityTokenSource | undefined} identityToken
 * @param {(fields: { identityToken?: string }) => Promise<T>} send
 * @returns {Promise<T>}
 */
export async function withIdentityToken(identityToken, send) {
  const fields = async () => {
    const token = await identityToken?.();
    return token ? { identityToken: token } : {};
  };
  try {
    return await send(await fields());
  } catch (error) {
    if (!identityToken || !(error instanceof TokenRequestError)) throw error;
    if (error.code !== 'IDENTITY_TOKEN_INVALID') throw error;
    return send(await fields());
  }
}

/**
 * @template T
 * @param {PostOptions<T>} options
 * @returns {Promise<T>}
 */
async function postOnce({ url, body, read, fetch, now = Date.now }) {
  const send = fetch ?? globalThis.fetch.bind(globalThis);
  const requestedAt = now();
  let response;
  try {
    response = await send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      // Nothing rides on cookies: the answer is in the body, so none are sent or kept.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    // fetch rejects on network failure and on a CORS refusal; the page cannot tell which.
    throw new TokenRequestError(`token request failed: ${String(error)}`, 0, 'NETWORK', true);
  }
  /** @type {any} */
  let json;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    throw new TokenRequestError(
      json?.error?.message ?? `token request answered ${response.status}`,
      response.status,
      json?.error?.code ?? `HTTP_${response.status}`,
      RETRYABLE_STATUSES.includes(response.status),
      retryAfterMs(response.headers.get('retry-after'), now()),
    );
  }
  return read(json, requestedAt);
}

/** @param {unknown} error */
function toTokenError(error) {
  if (error instanceof TokenRequestError) return error;
  return new TokenRequestError(String(error), 0, 'CLIENT', false);
}

/**
 * Retry-After in milliseconds from `now`: delta-seconds or an HTTP date.
 * @param {string | null} value
 * @param {number} now
 */
export function retryAfterMs(value, now) {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
