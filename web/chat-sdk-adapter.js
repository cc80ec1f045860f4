// @ts-check
// Connects a TokenManager to a chat SDK that takes its token through `setAccessToken(token)`
// and reports a dead one through a "token expired" callback. Every new token is handed over;
// when the SDK reports expiry, the adapter pauses it, fetches a fresh token once, hands it
// over and resumes. If the SDK keeps reporting expiry right after being given fresh tokens,
// or the fetch gives up, the adapter stops and raises an `error` event on the manager instead
// of looping.
//
//   connectChatSdk(tokens, {
//     setAccessToken: (token) => sdk.setAccessToken(token),
//     onTokenExpired: (callback) => sdk.on('tokenExpired', callback),
//     pause: () => sdk.pause(),
//     resume: () => sdk.resume(),
//   });

/** @typedef {import('./token-manager.js').TokenManager} TokenManager */
/** @typedef {import('./token-manager.js').GuestToken} GuestToken */

/**
 * @typedef {object} ChatSdk
 * @property {(token: string) => void} setAccessToken
 * @property {(callback: () => void) => (() => void) | void} onTokenExpired Registers the
 *   callback; may return a function that unregisters it.
 * @property {() => void} [pause]
 * @property {() => void} [resume]
 */

/**
 * @typedef {object} AdapterOptions
 * @property {number} [maxRecoveries] Expiry reports tolerated within `windowMs`; default 2.
 * @property {number} [windowMs] default 60 s.
 * @property {() => number} [now]
 */

/**
 * @param {TokenManager} manager A manager in body mode (the SDK needs the token itself).
 * @param {ChatSdk} sdk
 * @param {AdapterOptions} [options]
 * @returns {() => void} Disconnects the adapter.
 */
export function connectChatSdk(manager, sdk, options = {}) {
  const { maxRecoveries = 2, windowMs = 60_000, now = Date.now } = options;
  /** @type {number[]} */
  let recoveries = [];
  let recovering = false;
  let gaveUp = false;

  /** @param {Event} event */
  const handOver = (event) => {
    sdk.setAccessToken(/** @type {CustomEvent<GuestToken>} */ (event).detail.accessToken);
  };

  /** @param {Error} error */
  const fail = (error) => {
    gaveUp = true;
    manager.dispatchEvent(new CustomEvent('error', { detail: { error, source: 'chat-sdk' } }));
  };

  const onExpired = async () => {
    if (recovering || gaveUp) return;
    const at = now();
    recoveries = [...recoveries.filter((time) => at - time < windowMs), at];
    if (recoveries.length > maxRecoveries) {
      fail(new Error('the chat SDK keeps reporting an expired token; not retrying'));
      return;
    }
    recovering = true;
    sdk.pause?.();
    try {
      await manager.refresh('expired'); // the `token` event hands it over
      sdk.resume?.();
    } catch {
      // The manager has raised its own `error` event; stay paused rather than loop.
      gaveUp = true;
    } finally {
      recovering = false;
    }
  };

  manager.addEventListener('token', handOver);
  const unregister = sdk.onTokenExpired(() => {
    void onExpired();
  });
  if (manager.token) handOver(new CustomEvent('token', { detail: manager.token }));

  return () => {
    manager.removeEventListener('token', handOver);
    if (typeof unregister === 'function') unregister();
  };
}
