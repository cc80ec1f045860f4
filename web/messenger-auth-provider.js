// @ts-check
// The messenger profile's browser side: registers Genesys Cloud Messenger's AuthProvider plugin
// so Messenger starts authenticated conversations with codes from our OpenID provider.
//
//   registerMessengerAuthProvider({ endpoint: 'https://tokens.example.com/v1/guest-token' });
//
// For each `getAuthCode`, it makes a fresh nonce and a 32-byte PKCE verifier with WebCrypto,
// POSTs the nonce and the verifier's S256 challenge to /guest-token (the same origin, bot, rate
// and PII checks as every guest), and resolves Messenger's command with `{authCode,
// redirectUri, nonce, codeVerifier}`; Messenger sends them to Genesys, which redeems the code
// at our token endpoint. The verifier lives only in this call's closure, and the guest's sealed
// session (which keeps a guest one identity for the life of the page) only in this module's
// memory: nothing is stored in the page. Failures are retried as the token manager retries them.

import {
  browserTimers,
  postWithRetry,
  TokenRequestError,
  withIdentityToken,
} from './post-with-retry.js';

/**
 * Messenger's command API, as its plugin documentation describes it.
 * @typedef {object} AuthProviderPlugin
 * @property {(name: string, handler: (event: CommandEvent) => void) => void} registerCommand
 * @property {(name: string, data?: unknown) => void} publish
 * @property {() => void} ready
 */

/**
 * @typedef {object} CommandEvent
 * @property {unknown} [data]
 * @property {(value?: unknown) => void} resolve
 * @property {(reason?: unknown) => void} reject
 */

/**
 * @typedef {object} AuthCode
 * @property {string} authCode
 * @property {string} redirectUri
 * @property {string} nonce
 * @property {string} codeVerifier
 */

/**
 * @typedef {object} MessengerAuthOptions
 * @property {string} endpoint The provider's `/guest-token` URL.
 * @property {(command: string, ...args: any[]) => unknown} [genesys] Messenger's `Genesys`
 *   function; the page's by default.
 * @property {() => Record<string, unknown>} [visitor] Fields sent with each request (name;
 *   email and customAttributes are checked and scrubbed but never become identity claims).
 * @property {import('./post-with-retry.js').IdentityTokenSource} [identityToken] The site's
 *   sign-in, asked for each code: a signed-in customer's token makes the code a known
 *   customer's (Genesys then sees the verified name and email). Call identityChanged() on the
 *   registration after the site's sign-in or sign-out.
 * @property {string} [redirectUri] One of the provider's registered redirect URIs; the
 *   provider's first one by default.
 * @property {boolean} [sessionUpgrade] The Messenger deployment allows session upgrade
 *   (Genesys's `allowSessionUpgrade`): a sign-in at the site then upgrades the guest's
 *   conversation in place (`signedIn`) instead of ending it and starting a new one.
 * @property {() => Promise<unknown>} [signIn] The site's own login (a pop-up, a redirect, …),
 *   run for Messenger's `signIn` command; it settles once the page has a signed-in customer.
 * @property {(type: string, detail: unknown) => void} [onEvent] `code` (detail `{ redirectUri }`),
 *   `retry`, `error`, `reauthenticate`, `identity`, `signedIn`, `signInFailed`.
 * @property {number} [maxAttempts]
 * @property {number} [baseDelayMs]
 * @property {number} [maxDelayMs]
 * @property {Crypto} [crypto]
 * @property {typeof fetch} [fetch]
 * @property {() => number} [now]
 * @property {import('./post-with-retry.js').Timers} [timers]
 * @property {() => number} [random]
 */

/**
 * What one page keeps between its code requests, in memory only.
 * @typedef {object} PageSession
 * @property {string} [guestSession] The provider's sealed guest identity, sent back with each
 *   request so a guest who re-authenticates stays the same guest.
 */

/**
 * Asks the provider for a code bound to a fresh nonce and PKCE pair.
 * @param {MessengerAuthOptions} options
 * @param {PageSession} [session] Updated with the guest session the answer carries.
 * @returns {Promise<AuthCode>}
 */
export async function requestAuthCode(options, session = {}) {
  const webCrypto = options.crypto ?? globalThis.crypto;
  const nonce = base64url(webCrypto.getRandomValues(new Uint8Array(16)));
  const codeVerifier = base64url(webCrypto.getRandomValues(new Uint8Array(32)));
  const digest = await webCrypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  const codeChallenge = base64url(new Uint8Array(digest));
  const answer = await withIdentityToken(options.identityToken, (identity) =>
    postWithRetry({
      url: options.endpoint,
      body: {
        ...options.visitor?.(),
        ...identity,
        nonce,
        codeChallenge,
        codeChallengeMethod: 'S256',
        ...(options.redirectUri && { redirectUri: options.redirectUri }),
        ...(!('identityToken' in identity) &&
          session.guestSession && { guestSession: session.guestSession }),
      },
      read: (body) => {
        if (typeof body?.authCode !== 'string' || typeof body?.redirectUri !== 'string') {
          throw new TokenRequestError('code response has no authCode', 200, 'BAD_RESPONSE', true);
        }
        if (body.nonce !== nonce) {
          throw new TokenRequestError(
            'code response is for another nonce',
            200,
            'BAD_RESPONSE',
            false,
          );
        }
        if (typeof body.guestSession === 'string') session.guestSession = body.guestSession;
        return { authCode: body.authCode, redirectUri: body.redirectUri };
      },
      maxAttempts: options.maxAttempts,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs,
      onRetry: (retry) => options.onEvent?.('retry', retry),
      fetch: options.fetch,
      now: options.now,
      timers: options.timers ?? browserTimers,
      random: options.random,
    }),
  );
  return { ...answer, nonce, codeVerifier };
}

/**
 * Registers the AuthProvider plugin with Messenger: `getAuthCode` (each call a new code),
 * `reAuthenticate` (a guest has nothing to log in again with: it resolves, and Messenger asks
 * for a new code), `signIn` (the page's own login, then `signedIn` with the customer's code, or
 * `signInFailed`), then `ready()`. The returned `identityChanged()` is for the site's sign-in
 * and sign-out. A sign-out always signs Messenger out (`Auth.logout`, then `Auth.getTokens` for
 * a new guest). A sign-in upgrades the conversation in place (`signedIn`) with
 * `sessionUpgrade: true`; without it, Messenger signs out and authenticates the customer anew.
 * @param {MessengerAuthOptions} options
 * @returns {{ identityChanged(): Promise<void> }}
 */
export function registerMessengerAuthProvider(options) {
  const genesys = options.genesys ?? /** @type {any} */ (globalThis).Genesys;
  if (typeof genesys !== 'function') {
    throw new TypeError('Messenger is not on this page: load its snippet before this module');
  }
  /** @type {PageSession} */
  const session = {};
  /** @type {AuthProviderPlugin | undefined} */
  let plugin;
  /** Step-up: a code for the customer now signed in at the site, published as `signedIn`. */
  const publishSignedIn = async () => {
    try {
      const code = await requestAuthCode(options, session);
      options.onEvent?.('signedIn', { redirectUri: code.redirectUri });
      plugin?.publish('signedIn', code);
    } catch (error) {
      options.onEvent?.('signInFailed', { error });
      plugin?.publish('signInFailed', error);
      throw error;
    }
  };
  genesys('registerPlugin', 'AuthProvider', (/** @type {AuthProviderPlugin} */ AuthProvider) => {
    plugin = AuthProvider;
    AuthProvider.registerCommand('getAuthCode', (event) => {
      requestAuthCode(options, session).then(
        (code) => {
          options.onEvent?.('code', { redirectUri: code.redirectUri });
          event.resolve(code);
        },
        (error) => {
          options.onEvent?.('error', { error });
          event.reject(error);
        },
      );
    });
    AuthProvider.registerCommand('reAuthenticate', (event) => {
      options.onEvent?.('reauthenticate', {});
      event.resolve();
    });
    AuthProvider.registerCommand('signIn', (event) => {
      event.resolve();
      Promise.resolve(options.signIn?.())
        .then(publishSignedIn)
        .catch(() => {}); // reported by publishSignedIn as signInFailed
    });
    AuthProvider.ready();
  });
  /** @param {string} name */
  const command = (name) =>
    new Promise((resolve, reject) => genesys('command', name, {}, resolve, reject));
  return {
    async identityChanged() {
      options.onEvent?.('identity', {});
      // Whoever comes next on this page, a customer or a new guest, is not the previous guest.
      delete session.guestSession;
      const signedIn = (await options.identityToken?.()) !== undefined;
      if (signedIn && options.sessionUpgrade) return publishSignedIn();
      await command('Auth.logout');
      await command('Auth.getTokens');
    },
  };
}

/** @param {Uint8Array} bytes */
function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
