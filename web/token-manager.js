// @ts-check
// The browser side of the guest token service: one object that gets a guest token from the
// proxy, keeps it in memory only (never localStorage, sessionStorage, IndexedDB or a cookie
// JavaScript can read), refreshes it before it expires, and tells the page what happened.
//
//   const tokens = new TokenManager({ endpoint: 'https://tokens.example.com/guest-token' });
//   tokens.addEventListener('token', (e) => chat.setAccessToken(e.detail.accessToken));
//   await tokens.start();
//
// Refresh timing: 10 minutes before expiry by default, a third of the lifetime for tokens
// shorter than 30 minutes. Timers do not fire while a laptop sleeps, so the token is checked
// again when the tab becomes visible or the network comes back. Concurrent callers share one
// request; failures are retried with full-jitter exponential backoff, honouring Retry-After.
// Every request says why it was made (`initial`, `refresh`, `expired`), so the backend can
// count expiry-driven refreshes.

import {
  browserTimers,
  postWithRetry,
  retryAfterMs,
  TokenRequestError,
  withIdentityToken,
} from './post-with-retry.js';

/** @typedef {'initial' | 'refresh' | 'expired'} RefreshReason */
/** @typedef {import('./post-with-retry.js').Timers} Timers */

/**
 * @typedef {object} GuestToken
 * @property {string} accessToken The guest JWT.
 * @property {string} guestId
 * @property {number} expiresAt Epoch milliseconds, computed from `expiresIn` on this clock.
 * @property {number} issuedAt Epoch milliseconds when it was requested.
 * @property {RefreshReason} reason Why this token was requested.
 */

/**
 * @typedef {object} TokenManagerOptions
 * @property {string} endpoint The proxy's `/guest-token` URL.
 * @property {() => Record<string, unknown>} [visitor] Fields sent with each request (name,
 *   email, customAttributes, pageUrl).
 * @property {import('./post-with-retry.js').IdentityTokenSource} [identityToken] The site's
 *   sign-in, asked for each request: a signed-in customer's token makes the guest a known
 *   customer; undefined keeps the visitor an anonymous guest. Call identityChanged() after
 *   the site's sign-in or sign-out.
 * @property {number} [refreshMarginMs] How long before expiry to refresh; default 10 minutes.
 * @property {number} [maxAttempts] Attempts per refresh before an `error` event; default 4.
 * @property {number} [baseDelayMs] First backoff step; default 1 s.
 * @property {number} [maxDelayMs] Longest backoff wait; default 30 s.
 * @property {typeof fetch} [fetch]
 * @property {() => number} [now] Epoch milliseconds.
 * @property {Timers} [timers]
 * @property {() => number} [random] A number in [0, 1), for the jitter.
 * @property {EventTarget & { visibilityState?: string }} [document] Where `visibilitychange`
 *   is heard; the page's document by default.
 * @property {EventTarget} [window] Where `online` is heard; the page's window by default.
 */

const DEFAULT_MARGIN_MS = 10 * 60_000;

/**
 * Events: `refresh` (a request starts; detail `{ reason }`), `retry` (a failed attempt will be
 * retried; detail `{ attempt, delayMs, error }`), `token` (detail: the GuestToken), `error`
 * (a refresh gave up; detail `{ error }`), `identity` (identityChanged() dropped the token).
 */
export class TokenManager extends EventTarget {
  /** @type {GuestToken | undefined} */ #token;
  /** @type {Promise<GuestToken> | undefined} */ #inFlight;
  /** @type {unknown} */ #timer;
  #started = false;
  /** Bumped by stop(): requests begun before it neither retry nor keep their token. */
  #generation = 0;
  #options;
  #fetch;
  #now;
  #timers;
  #random;

  /** @param {TokenManagerOptions} options */
  constructor(options) {
    super();
    if (!options?.endpoint) throw new TypeError('TokenManager needs an endpoint');
    if ('delivery' in options) {
      throw new TypeError(
        'TokenManager: the delivery option was removed; the token always comes in the response body',
      );
    }
    this.#options = {
      refreshMarginMs: DEFAULT_MARGIN_MS,
      maxAttempts: 4,
      baseDelayMs: 1_000,
      maxDelayMs: 30_000,
      // The page's own, when there is one: wake-ups are heard without being wired by hand.
      document: /** @type {TokenManagerOptions['document']} */ (globalThis.document),
      window: /** @type {TokenManagerOptions['window']} */ (globalThis.window),
      ...options,
    };
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? browserTimers;
    this.#random = options.random ?? Math.random;
  }

  /** The current token, if any (it may be close to or past expiry). */
  get token() {
    return this.#token;
  }

  /**
   * How long before expiry a token of this lifetime is refreshed: the configured margin, or a
   * third of the lifetime when that is shorter.
   * @param {number} lifetimeMs
   */
  marginFor(lifetimeMs) {
    return Math.min(this.#options.refreshMarginMs, Math.floor(lifetimeMs / 3));
  }

  /**
   * A token that is not yet due for refresh, fetching one if needed. Callers that arrive while
   * a request is in flight share it.
   * @returns {Promise<GuestToken>}
   */
  getToken() {
    const token = this.#token;
    if (token && this.#now() < this.#refreshAt(token)) return Promise.resolve(token);
    return this.refresh();
  }

  /**
   * Fetches a new token now (or joins the request in flight). The reason defaults to what the
   * current token's state implies.
   * @param {RefreshReason} [reason]
   * @returns {Promise<GuestToken>}
   */
  refresh(reason = this.#reasonNow()) {
    if (!this.#inFlight) {
      const request = this.#request(reason).finally(() => {
        // identityChanged() may have started another request since.
        if (this.#inFlight === request) this.#inFlight = undefined;
      });
      this.#inFlight = request;
    }
    return this.#inFlight;
  }

  /** Gets the first token and keeps it fresh until stop(). Resolves with the first token. */
  start() {
    if (!this.#started) {
      this.#started = true;
      this.#options.document?.addEventListener('visibilitychange', this.#onWake);
      this.#options.window?.addEventListener('online', this.#onWake);
    }
    return this.getToken();
  }

  /**
   * The site's sign-in or sign-out happened: the current token belongs to the previous identity,
   * so it is dropped (a request in flight for it too) and a token for the new identity is
   * fetched. Events: `identity`, then the usual `refresh` and `token`.
   * @returns {Promise<GuestToken | undefined>} The new token, or undefined when not started.
   */
  identityChanged() {
    this.#generation++;
    this.#inFlight = undefined;
    this.#token = undefined;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#emit('identity', {});
    if (!this.#started) return Promise.resolve(undefined);
    return this.refresh('initial');
  }

  /** Stops refreshing, stops listening and forgets the token. */
  stop() {
    this.#started = false;
    this.#generation++;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#options.document?.removeEventListener('visibilitychange', this.#onWake);
    this.#options.window?.removeEventListener('online', this.#onWake);
    this.#token = undefined;
  }

  /** The tab became visible or the network came back: refresh if the token is due. */
  #onWake = () => {
    if (!this.#started) return;
    if (this.#options.document?.visibilityState === 'hidden') return;
    const token = this.#token;
    if (token && this.#now() < this.#refreshAt(token)) return;
    this.refresh().catch(() => {}); // reported through the `error` event
  };

  /** @returns {RefreshReason} */
  #reasonNow() {
    const token = this.#token;
    if (!token) return 'initial';
    return this.#now() >= token.expiresAt ? 'expired' : 'refresh';
  }

  /** @param {GuestToken} token */
  #refreshAt(token) {
    return token.expiresAt - this.#margin(token);
  }

  /** @param {GuestToken} token */
  #margin(token) {
    return this.marginFor(token.expiresAt - token.issuedAt);
  }

  /**
   * @param {RefreshReason} reason
   * @returns {Promise<GuestToken>}
   */
  async #request(reason) {
    this.#emit('refresh', { reason });
    const { endpoint, visitor, identityToken, maxAttempts, baseDelayMs, maxDelayMs } =
      this.#options;
    const generation = this.#generation;
    const stopped = () => generation !== this.#generation;
    let token;
    try {
      token = await withIdentityToken(identityToken, (identity) =>
        postWithRetry({
          url: endpoint,
          body: { ...visitor?.(), ...identity, reason },
          read: (body, requestedAt) => readToken(body, requestedAt, reason),
          maxAttempts,
          baseDelayMs,
          maxDelayMs,
          onRetry: (retry) => this.#emit('retry', retry),
          cancelled: stopped,
          fetch: this.#fetch,
          now: this.#now,
          timers: this.#timers,
          random: this.#random,
        }),
      );
    } catch (error) {
      // A request that stop() cut short is nobody's error.
      if (!(error instanceof TokenRequestError && error.code === 'STOPPED')) {
        this.#emit('error', { error });
      }
      throw error;
    }
    // stop() forgets the token: one that lands afterwards goes to the caller only.
    if (stopped()) return token;
    this.#token = token;
    this.#schedule(token);
    this.#emit('token', token);
    return token;
  }

  /** @param {GuestToken} token */
  #schedule(token) {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#started) return;
    const delay = Math.max(0, this.#refreshAt(token) - this.#now());
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.refresh().catch(() => {}); // reported through the `error` event
    }, delay);
  }

  /**
   * @param {string} type
   * @param {unknown} detail
   */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * A guest token from the service's 200 body, its expiry on this clock (so a skewed client clock
 * does not matter).
 * @param {any} body
 * @param {number} requestedAt
 * @param {RefreshReason} reason
 * @returns {GuestToken}
 */
function readToken(body, requestedAt, reason) {
  const expiresIn = Number(body?.expiresIn);
  if (typeof body?.guestId !== 'string' || !Number.isFinite(expiresIn)) {
    throw new TokenRequestError(
      'token response has no guestId or expiresIn',
      200,
      'BAD_RESPONSE',
      true,
    );
  }
  if (typeof body.accessToken !== 'string') {
    throw new TokenRequestError('token response has no accessToken', 200, 'BAD_RESPONSE', false);
  }
  return {
    accessToken: body.accessToken,
    guestId: body.guestId,
    expiresAt: requestedAt + expiresIn * 1000,
    issuedAt: requestedAt,
    reason,
  };
}

export { retryAfterMs, TokenRequestError };
