// The Messenger AuthProvider plugin, against a stand-in of Messenger's plugin API, a scripted
// /guest-token and fake timers: what it registers, what it sends, what it resolves with, and
// how it retries. WebCrypto is Node's own.

import { createHash, webcrypto } from 'node:crypto';
import {
  type AuthCode,
  registerMessengerAuthProvider,
  requestAuthCode,
} from '../../web/messenger-auth-provider.js';
import type { TokenRequestError } from '../../web/post-with-retry.js';
import { fakeTimers } from '../fixtures/fake-timers';
import { tokenEndpoint } from '../fixtures/token-endpoint';

const ENDPOINT = 'https://tokens.example.com/v1/guest-token';
const REDIRECT_URI = 'https://www.example.com/';

/** Answers a code request by echoing its nonce, as the provider does. */
function codeEndpoint() {
  const endpoint = tokenEndpoint();
  const fetch = endpoint.fetch;
  const scripted: typeof fetch = async (url, init) => {
    const body = JSON.parse(String(init?.body));
    const answer = await fetch(url, init);
    if (answer.status !== 200 || (await answer.clone().json()).accessToken === undefined)
      return answer;
    return new Response(
      JSON.stringify({
        authCode: `code-${endpoint.calls.length}`,
        redirectUri: REDIRECT_URI,
        nonce: body.nonce,
        expiresIn: 60,
        // The provider seals a guest's identity; a customer's request gets none.
        ...(!body.identityToken && {
          guestSession: body.guestSession ?? `sealed-${endpoint.calls.length}`,
        }),
      }),
      { status: 200, headers: { 'content-type': 'application/json' } },
    );
  };
  return { ...endpoint, fetch: scripted };
}

/** Messenger's plugin API, as far as the plugin uses it. */
function standInMessenger() {
  const commands = new Map<
    string,
    (event: { resolve: (v?: unknown) => void; reject: (e?: unknown) => void }) => void
  >();
  let ready = false;
  const published: { name: string; data: unknown }[] = [];
  const genesys = (command: string, name: string, register: (plugin: unknown) => void) => {
    expect([command, name]).toEqual(['registerPlugin', 'AuthProvider']);
    register({
      registerCommand: (commandName: string, handler: never) => commands.set(commandName, handler),
      publish: (eventName: string, data: unknown) => published.push({ name: eventName, data }),
      ready: () => {
        ready = true;
      },
    });
  };
  const command = (name: string) =>
    new Promise((resolve, reject) => commands.get(name)?.({ resolve, reject }));
  return { genesys, command, commands, published, isReady: () => ready };
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe('the Messenger AuthProvider plugin', () => {
  it('registers getAuthCode, reAuthenticate and signIn, then says it is ready', () => {
    const messenger = standInMessenger();
    registerMessengerAuthProvider({ endpoint: ENDPOINT, genesys: messenger.genesys as never });
    expect([...messenger.commands.keys()].sort()).toEqual([
      'getAuthCode',
      'reAuthenticate',
      'signIn',
    ]);
    expect(messenger.isReady()).toBe(true);
  });

  it('answers getAuthCode with a code bound to a fresh nonce and PKCE S256 pair', async () => {
    const messenger = standInMessenger();
    const endpoint = codeEndpoint();
    registerMessengerAuthProvider({
      endpoint: ENDPOINT,
      genesys: messenger.genesys as never,
      fetch: endpoint.fetch,
      crypto: webcrypto as Crypto,
      visitor: () => ({ name: 'Ada' }),
    });

    const first = (await messenger.command('getAuthCode')) as AuthCode;
    const second = (await messenger.command('getAuthCode')) as AuthCode;

    expect(first).toEqual({
      authCode: 'code-1',
      redirectUri: REDIRECT_URI,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const sent = endpoint.calls[0]?.body;
    expect(sent).toEqual({
      name: 'Ada',
      nonce: first.nonce,
      codeChallenge: s256(first.codeVerifier),
      codeChallengeMethod: 'S256',
    });
    // The verifier itself never leaves the page.
    expect(JSON.stringify(endpoint.calls)).not.toContain(first.codeVerifier);
    expect(endpoint.calls[0]?.init.credentials).toBe('omit');
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });

  it('retries a 503 after its Retry-After, like the token manager', async () => {
    const timers = fakeTimers();
    const endpoint = codeEndpoint();
    endpoint.reply({
      status: 503,
      body: { error: { code: 'UPSTREAM_UNAVAILABLE' } },
      headers: { 'retry-after': '5' },
    });
    const retries: number[] = [];
    // WebCrypto's digest settles on Node's thread pool: wait for the first request itself.
    let firstCall!: () => void;
    const called = new Promise<void>((resolve) => {
      firstCall = resolve;
    });
    const pending = requestAuthCode({
      endpoint: ENDPOINT,
      fetch: (url, init) => {
        firstCall();
        return endpoint.fetch(url, init);
      },
      crypto: webcrypto as Crypto,
      now: timers.now,
      timers,
      onEvent: (type, detail) =>
        type === 'retry' && retries.push((detail as { delayMs: number }).delayMs),
    });
    await called;
    await timers.settle();
    expect(endpoint.calls).toHaveLength(1);
    await timers.advance(4_999);
    expect(endpoint.calls).toHaveLength(1);
    await timers.advance(1);
    expect((await pending).authCode).toBe('code-2');
    expect(retries).toEqual([5_000]);
  });

  it('rejects getAuthCode at once on a refusal, with the service’s code', async () => {
    const messenger = standInMessenger();
    const endpoint = codeEndpoint();
    endpoint.reply({ status: 403, body: { error: { code: 'ORIGIN_NOT_ALLOWED', message: 'no' } } });
    registerMessengerAuthProvider({
      endpoint: ENDPOINT,
      genesys: messenger.genesys as never,
      fetch: endpoint.fetch,
      crypto: webcrypto as Crypto,
    });
    const error = (await messenger
      .command('getAuthCode')
      .catch((e: unknown) => e)) as TokenRequestError;
    expect(error.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(endpoint.calls).toHaveLength(1);
  });

  it('refuses an answer for another nonce', async () => {
    const endpoint = tokenEndpoint();
    endpoint.reply({
      status: 200,
      body: { authCode: 'c', redirectUri: REDIRECT_URI, nonce: 'someone-elses-nonce' },
    });
    const error = (await requestAuthCode({
      endpoint: ENDPOINT,
      fetch: endpoint.fetch,
      crypto: webcrypto as Crypto,
    }).catch((e: unknown) => e)) as TokenRequestError;
    expect(error.code).toBe('BAD_RESPONSE');
  });

  it('resolves reAuthenticate so Messenger asks for a new code', async () => {
    const messenger = standInMessenger();
    registerMessengerAuthProvider({ endpoint: ENDPOINT, genesys: messenger.genesys as never });
    await expect(messenger.command('reAuthenticate')).resolves.toBeUndefined();
  });

  it('says so when Messenger is not on the page', () => {
    expect(() => registerMessengerAuthProvider({ endpoint: ENDPOINT })).toThrow(
      /Messenger is not on this page/,
    );
  });
});

describe('the Messenger AuthProvider plugin: known customers', () => {
  it('sends the site’s identity token with each code request, asking once more if refused', async () => {
    const endpoint = codeEndpoint();
    endpoint.reply({
      status: 401,
      body: { error: { code: 'IDENTITY_TOKEN_INVALID', message: 'no', requestId: 'r' } },
    });
    let asked = 0;
    const code = await requestAuthCode({
      endpoint: ENDPOINT,
      fetch: endpoint.fetch,
      crypto: webcrypto as Crypto,
      identityToken: async () => `site.id.token-${++asked}`,
    });
    expect(code.authCode).toBe('code-2');
    expect(endpoint.calls.map((call) => call.body.identityToken)).toEqual([
      'site.id.token-1',
      'site.id.token-2',
    ]);
  });

  it('on identityChanged() makes Messenger sign out, then authenticate again', async () => {
    const messenger = standInMessenger();
    const called: string[] = [];
    const genesys = (command: string, name: string, ...rest: unknown[]) => {
      if (command === 'registerPlugin') return messenger.genesys(command, name, rest[0] as never);
      called.push(`${command} ${name}`);
      (rest[1] as () => void)(); // Messenger resolves the command
    };
    const registration = registerMessengerAuthProvider({
      endpoint: ENDPOINT,
      genesys: genesys as never,
    });
    await registration.identityChanged();
    expect(called).toEqual(['command Auth.logout', 'command Auth.getTokens']);
  });

  it('keeps a guest’s session in memory and sends it back, never for a customer or after identityChanged()', async () => {
    const messenger = standInMessenger();
    const endpoint = codeEndpoint();
    let signedIn = false;
    const genesys = (command: string, name: string, ...rest: unknown[]) => {
      if (command === 'registerPlugin') return messenger.genesys(command, name, rest[0] as never);
      (rest[1] as () => void)();
    };
    const registration = registerMessengerAuthProvider({
      endpoint: ENDPOINT,
      genesys: genesys as never,
      fetch: endpoint.fetch,
      crypto: webcrypto as Crypto,
      identityToken: async () => (signedIn ? 'site.id.token' : undefined),
    });
    await messenger.command('getAuthCode');
    await messenger.command('getAuthCode');
    await messenger.command('getAuthCode');
    signedIn = true;
    await registration.identityChanged();
    await messenger.command('getAuthCode');
    signedIn = false;
    await registration.identityChanged();
    await messenger.command('getAuthCode');
    expect(endpoint.calls.map((call) => call.body.guestSession)).toEqual([
      undefined,
      'sealed-1',
      'sealed-1',
      undefined,
      undefined,
    ]);
  });

  describe('step-up', () => {
    /** Messenger with its commands (Auth.logout, Auth.getTokens) recorded. */
    function messengerWithCommands() {
      const messenger = standInMessenger();
      const called: string[] = [];
      const genesys = (command: string, name: string, ...rest: unknown[]) => {
        if (command === 'registerPlugin') return messenger.genesys(command, name, rest[0] as never);
        called.push(name);
        (rest[1] as () => void)();
      };
      return { messenger, called, genesys: genesys as never };
    }

    it.each([
      [true, ['signedIn'], []],
      [false, [], ['Auth.logout', 'Auth.getTokens']],
    ])(
      'on a sign-in with sessionUpgrade %s: %j published, %j called',
      async (upgrade, published, called) => {
        const { messenger, genesys, called: commands } = messengerWithCommands();
        const endpoint = codeEndpoint();
        let token: string | undefined;
        const registration = registerMessengerAuthProvider({
          endpoint: ENDPOINT,
          genesys,
          fetch: endpoint.fetch,
          crypto: webcrypto as Crypto,
          sessionUpgrade: upgrade,
          identityToken: async () => token,
        });
        token = 'site.id.token';
        await registration.identityChanged();
        expect(messenger.published.map((event) => event.name)).toEqual(published);
        expect(commands).toEqual(called);
        if (upgrade) {
          // The code is the customer's: the identity token went with it, no guest session.
          expect(endpoint.calls.at(-1)?.body).toMatchObject({ identityToken: 'site.id.token' });
          const code = messenger.published[0]?.data as AuthCode;
          expect(code.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
          expect(s256(code.codeVerifier)).toBe(endpoint.calls.at(-1)?.body.codeChallenge);
        }
      },
    );

    it('signs Messenger out on a sign-out, session upgrade or not', async () => {
      const { messenger, genesys, called } = messengerWithCommands();
      const registration = registerMessengerAuthProvider({
        endpoint: ENDPOINT,
        genesys,
        sessionUpgrade: true,
        identityToken: async () => undefined,
      });
      await registration.identityChanged();
      expect(called).toEqual(['Auth.logout', 'Auth.getTokens']);
      expect(messenger.published).toEqual([]);
    });

    it('runs the page’s sign-in for Messenger’s signIn command, then publishes signedIn, or signInFailed', async () => {
      const { messenger, genesys } = messengerWithCommands();
      const endpoint = codeEndpoint();
      let token: string | undefined;
      let settle: (type: string) => void = () => {};
      const outcome = () =>
        new Promise<string>((resolve) => {
          settle = resolve;
        });
      const signIn = jest.fn(async () => {
        token = 'site.id.token';
      });
      registerMessengerAuthProvider({
        endpoint: ENDPOINT,
        genesys,
        fetch: endpoint.fetch,
        crypto: webcrypto as Crypto,
        identityToken: async () => token,
        signIn,
        maxAttempts: 1,
        onEvent: (type) => {
          if (type === 'signedIn' || type === 'signInFailed') settle(type);
        },
      });
      let settled = outcome();
      await messenger.command('signIn');
      expect(await settled).toBe('signedIn');
      expect(signIn).toHaveBeenCalledTimes(1);
      expect(endpoint.calls.at(-1)?.body).toMatchObject({ identityToken: 'site.id.token' });

      endpoint.reply({
        status: 403,
        body: { error: { code: 'ORIGIN_NOT_ALLOWED', message: 'no' } },
      });
      settled = outcome();
      await messenger.command('signIn');
      expect(await settled).toBe('signInFailed');
      expect(messenger.published.map((event) => event.name)).toEqual(['signedIn', 'signInFailed']);
    });
  });
});
