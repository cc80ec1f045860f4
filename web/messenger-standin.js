// @ts-check
// A stand-in for Genesys Cloud Messenger, for the demo page and the browser tests only: the
// documented plugin API (`Genesys('registerPlugin', 'AuthProvider', …)`, `registerCommand`,
// `ready`, commands called by name), the `Auth.logout` and `Auth.getTokens` commands a page
// sends Messenger, and what Messenger does with a code: POST it to Genesys's
// oauthcodegrantjwtexchange (here the emulator's), which redeems it at our token endpoint and
// answers a Genesys JWT. Step-up as Genesys documents it (allowSessionUpgrade): on the plugin's
// `signedIn` the same conversation goes on as the signed-in customer, an upgraded session never
// goes back to anonymous, only a logout starts a new (anonymous) conversation, and a customer's
// session opened elsewhere (another device) closes this one at Genesys. Unlike the
// real Messenger, which keeps its session in the page's local storage, the stand-in keeps it in
// memory, so the tests can tell our storage from Genesys's.

/**
 * @typedef {object} MessengerSession
 * @property {string} sub The guest id our provider issued, as Genesys now knows it.
 * @property {string} name
 * @property {number} expiresAt Epoch milliseconds (the Genesys JWT's exp).
 * @property {string} conversationId The conversation the visitor and the agent are in.
 * @property {boolean} upgraded Stepped up from a guest to a signed-in customer in place.
 */

/**
 * @param {{ genesysApi: string, deploymentId: string }} options
 */
export function installStandInMessenger({ genesysApi, deploymentId }) {
  /** @type {Map<string, (event: { data?: unknown, resolve: (v?: unknown) => void, reject: (e?: unknown) => void }) => void>} */
  const commands = new Map();
  /** @type {() => void} */
  let markReady = () => {};
  const ready = new Promise((resolve) => {
    markReady = () => resolve(undefined);
  });
  /** @type {MessengerSession | undefined} */
  let session;
  /** Genesys's refresh token for the session, which Messenger keeps (in memory here). */
  /** @type {string | undefined} */
  let genesysRefreshToken;
  /** The step-up in progress, if any (`publish` is fire-and-forget in Messenger's API). */
  /** @type {Promise<unknown>} */
  let upgrading = Promise.resolve();
  const newConversation = () => crypto.randomUUID();

  // Genesys's snippet defines `Genesys` as a queue before Messenger loads; Messenger replays it.
  /** @type {any} */
  const page = globalThis;
  /** @type {IArguments[]} */
  const queued = [...(page.Genesys?.q ?? [])];
  /** @type {any} */ (globalThis).Genesys = (
    /** @type {string} */ command,
    /** @type {string} */ plugin,
    /** @type {any} */ register,
    /** @type {(value?: unknown) => void} */ resolve = () => {},
    /** @type {(reason?: unknown) => void} */ reject = () => {},
  ) => {
    if (command === 'command' && plugin === 'Auth.logout') {
      session = undefined;
      genesysRefreshToken = undefined;
      return void resolve();
    }
    if (command === 'command' && plugin === 'Auth.getTokens') {
      return void stand.authenticate().then(resolve, reject);
    }
    if (command !== 'registerPlugin' || plugin !== 'AuthProvider') {
      throw new Error(
        `the stand-in knows only registerPlugin AuthProvider, not ${command} ${plugin}`,
      );
    }
    register({
      registerCommand: (/** @type {string} */ name, /** @type {any} */ handler) =>
        commands.set(name, handler),
      publish: (/** @type {string} */ name, /** @type {any} */ data) => {
        if (name === 'signedIn') upgrading = stand.upgrade(data);
        else if (name === 'signInFailed') upgrading = Promise.reject(data);
        upgrading.catch(() => {});
      },
      ready: markReady,
    });
  };

  /** @param {string} name */
  const call = (name) =>
    new Promise((resolve, reject) => {
      const handler = commands.get(name);
      if (!handler) reject(new Error(`AuthProvider.${name} is not registered`));
      else handler({ data: {}, resolve, reject });
    });

  /**
   * Genesys's exchange of a code for its JWT's claims.
   * @param {import('./messenger-auth-provider.js').AuthCode} code
   */
  const exchange = async (code) => {
    const response = await fetch(
      `${genesysApi}/api/v2/webdeployments/token/oauthcodegrantjwtexchange`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          deploymentId,
          oauth: {
            code: code.authCode,
            redirectUri: code.redirectUri,
            nonce: code.nonce,
            codeVerifier: code.codeVerifier,
          },
        }),
      },
    );
    const body = await response.json();
    if (!response.ok) throw new Error(`Genesys refused the code: ${body.code ?? response.status}`);
    genesysRefreshToken = body.refreshToken;
    return JSON.parse(
      atob(String(body.jwt).split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/') ?? ''),
    );
  };

  const stand = {
    /**
     * Messenger (re)authenticating: a code, then Genesys's exchange. The same visitor goes on in
     * the same conversation; an upgraded session never becomes anonymous again.
     */
    async authenticate() {
      await ready;
      const claims = await exchange(
        /** @type {import('./messenger-auth-provider.js').AuthCode} */ (await call('getAuthCode')),
      );
      if (session?.upgraded && claims.sub !== session.sub) {
        throw new Error('an upgraded session cannot go back to anonymous: log out first');
      }
      /** @type {MessengerSession} */
      const started = {
        sub: claims.sub,
        name: claims.name,
        expiresAt: claims.exp * 1000,
        conversationId:
          session && session.sub === claims.sub ? session.conversationId : newConversation(),
        upgraded: session?.upgraded ?? false,
      };
      session = started;
      return started;
    },
    /**
     * Step-up: the plugin published `signedIn` with the customer's code; the conversation goes on.
     * @param {import('./messenger-auth-provider.js').AuthCode} code
     */
    async upgrade(code) {
      const claims = await exchange(code);
      session = {
        sub: claims.sub,
        name: claims.name,
        expiresAt: claims.exp * 1000,
        conversationId: session?.conversationId ?? newConversation(),
        upgraded: true,
      };
      return session;
    },
    /** Messenger checking its session with Genesys (a page load): false once it was closed. */
    async sessionStillOpen() {
      if (!session || !genesysRefreshToken) return false;
      const response = await fetch(`${genesysApi}/api/v2/webdeployments/token/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ deploymentId, refreshToken: genesysRefreshToken }),
      });
      await response.body?.cancel();
      return response.ok;
    },
    /** Settles when the last step-up the plugin published has. */
    settled: () => upgrading,
    /** What Messenger does when its code or refresh token is no longer valid. */
    reAuthenticate: () => call('reAuthenticate'),
    get session() {
      return session;
    },
  };
  for (const args of queued) /** @type {any} */ (globalThis).Genesys(...args);
  return stand;
}
