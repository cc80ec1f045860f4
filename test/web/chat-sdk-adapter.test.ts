import { connectChatSdk } from '../../web/chat-sdk-adapter.js';
import { TokenManager } from '../../web/token-manager.js';
import { fakeTimers } from '../fixtures/fake-timers';
import { scriptedManagerOptions, tokenEndpoint } from '../fixtures/token-endpoint';

/** A chat SDK as the adapter sees it: records what it was told, fires "expired" on demand. */
function fakeSdk() {
  const expiredCallbacks: (() => void)[] = [];
  const log: string[] = [];
  return {
    log,
    expire: () => {
      for (const callback of expiredCallbacks) callback();
    },
    sdk: {
      setAccessToken: (token: string) => void log.push(`token ${token}`),
      onTokenExpired: (callback: () => void) => {
        expiredCallbacks.push(callback);
        return () => void expiredCallbacks.splice(expiredCallbacks.indexOf(callback), 1);
      },
      pause: () => void log.push('pause'),
      resume: () => void log.push('resume'),
    },
  };
}

function setup() {
  const timers = fakeTimers();
  const endpoint = tokenEndpoint();
  const manager = new TokenManager({ ...scriptedManagerOptions(endpoint, timers), maxAttempts: 2 });
  const errors: string[] = [];
  manager.addEventListener('error', (e) => {
    const { error, source } = (e as CustomEvent).detail;
    errors.push(`${source ?? 'manager'}: ${error.code ?? error.message}`);
  });
  const chat = fakeSdk();
  return { timers, endpoint, manager, chat, errors };
}

describe('connectChatSdk', () => {
  it('hands every token to the SDK, the first and each refresh', async () => {
    const { manager, chat, timers } = setup();
    connectChatSdk(manager, chat.sdk, { now: timers.now });
    await manager.start();
    await timers.advance(20 * 60_000);
    expect(chat.log).toEqual(['token jwt-1', 'token jwt-2']);
  });

  it('hands over a token the manager already holds when connected', async () => {
    const { manager, chat, timers } = setup();
    await manager.start();
    connectChatSdk(manager, chat.sdk, { now: timers.now });
    expect(chat.log).toEqual(['token jwt-1']);
  });

  it('recovers from the SDK reporting expiry: pause, one fetch as "expired", hand over, resume', async () => {
    const { manager, chat, timers, endpoint } = setup();
    connectChatSdk(manager, chat.sdk, { now: timers.now });
    await manager.start();
    chat.expire();
    chat.expire(); // reported twice while recovering: still one fetch
    await timers.settle();
    expect(endpoint.calls.map((c) => c.body.reason)).toEqual(['initial', 'expired']);
    expect(chat.log).toEqual(['token jwt-1', 'pause', 'token jwt-2', 'resume']);
  });

  it('raises an error instead of looping when the SDK keeps reporting expiry', async () => {
    const { manager, chat, timers, endpoint, errors } = setup();
    connectChatSdk(manager, chat.sdk, { now: timers.now, maxRecoveries: 2 });
    await manager.start();
    for (let i = 0; i < 4; i++) {
      chat.expire();
      await timers.advance(1_000);
    }
    expect(endpoint.calls).toHaveLength(3);
    expect(errors).toEqual([
      'chat-sdk: the chat SDK keeps reporting an expired token; not retrying',
    ]);
  });

  it('stays paused with an error when the fresh token cannot be had', async () => {
    const { manager, chat, timers, endpoint, errors } = setup();
    connectChatSdk(manager, chat.sdk, { now: timers.now });
    await manager.start();
    endpoint.reply({ status: 403, body: { error: { code: 'ORIGIN_NOT_ALLOWED' } } });
    chat.expire();
    await timers.settle();
    chat.expire();
    await timers.settle();
    expect(chat.log).toEqual(['token jwt-1', 'pause']);
    expect(endpoint.calls).toHaveLength(2);
    expect(errors).toEqual(['manager: ORIGIN_NOT_ALLOWED']);
  });

  it('stops listening when disconnected', async () => {
    const { manager, chat, timers, endpoint } = setup();
    const disconnect = connectChatSdk(manager, chat.sdk, { now: timers.now });
    await manager.start();
    disconnect();
    chat.expire();
    await timers.advance(20 * 60_000);
    expect(chat.log).toEqual(['token jwt-1']);
    expect(endpoint.calls.map((c) => c.body.reason)).toEqual(['initial', 'refresh']);
  });
});
