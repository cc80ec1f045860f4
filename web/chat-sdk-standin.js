// @ts-check
// A small stand-in for a chat SDK, so the demo runs without Genesys: it holds the token it
// is given, reads its `exp`, and reports "token expired" when that passes (checked every
// second) or when asked to (expireNow). It pauses and resumes on request.

/** @typedef {'waiting' | 'connected' | 'paused' | 'expired'} StandInState */

/** @param {{ now?: () => number }} [options] */
export function createStandInChatSdk({ now = Date.now } = {}) {
  /** @type {(() => void)[]} */
  const expiredCallbacks = [];
  /** @type {StandInState} */
  let state = 'waiting';
  let expiresAt = 0;
  let tokensReceived = 0;

  const reportExpired = () => {
    state = 'expired';
    for (const callback of [...expiredCallbacks]) callback();
  };

  const timer = setInterval(() => {
    if (state === 'connected' && now() >= expiresAt) reportExpired();
  }, 1_000);

  return {
    /** @param {string} token */
    setAccessToken(token) {
      expiresAt = expiryOf(token);
      tokensReceived++;
      if (state !== 'paused') state = 'connected';
    },
    /** @param {() => void} callback */
    onTokenExpired(callback) {
      expiredCallbacks.push(callback);
      return () => {
        expiredCallbacks.splice(expiredCallbacks.indexOf(callback), 1);
      };
    },
    pause() {
      state = 'paused';
    },
    resume() {
      state = now() < expiresAt ? 'connected' : 'expired';
    },
    /** What a real SDK does when the server rejects its token mid-conversation. */
    expireNow: reportExpired,
    get state() {
      return state;
    },
    get tokensReceived() {
      return tokensReceived;
    },
    destroy() {
      clearInterval(timer);
    },
  };
}

/**
 * The token's `exp` in epoch ms (0 when unreadable). Reading a JWT's payload is not
 * verifying it; the SDK only needs to know when to expect trouble.
 * @param {string} token
 */
function expiryOf(token) {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = Number(JSON.parse(json).exp);
    return Number.isFinite(exp) ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
