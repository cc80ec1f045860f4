// How many upstream round trips a request costs, against the emulator's call counters:
// the warm path is one mint; a cold burst shares one OAuth fetch and one key-set fetch;
// a revoked token, a rotated key and a rotated client secret are recovered from.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createSecretCredentials } from '../../lambda/platform/credentials';
import { createSdkSecretReader } from '../../lambda/platform/secrets';
import { UNKNOWN_KID_COOLDOWN_MS } from '../../lambda/profiles/guest-api/verify-guest-jwt';
import { type Harness, startHarness } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';

describe('upstream cost per request', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('costs exactly one upstream call (the mint) when warm', async () => {
    expect((await h.invoke()).status).toBe(200);
    h.emulator.resetCounters();

    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 0, mint: 1, keys: 0 });
  });

  it('shares one OAuth fetch and one key-set fetch across 50 concurrent cold requests', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.invoke({ sourceIp: `198.51.100.${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((a) => a.body.guestId)).size).toBe(50);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 1, mint: 50, keys: 1 });
  });

  it('loads the OAuth token and the key set in the warm-up, so the first request only mints', async () => {
    await h.warmUp();
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 1, mint: 0, keys: 1 });

    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 1, mint: 1, keys: 1 });
  });

  it('does not keep a failed warm-up: the first request loads again and succeeds', async () => {
    h.emulator.inject('oauth', { kind: 'status', status: 400 });
    h.emulator.inject('keys', { kind: 'status', status: 400 });
    await h.warmUp();
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 1, mint: 0, keys: 1 });

    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 2, mint: 1, keys: 2 });
  });

  it('refreshes the OAuth token once on an upstream 401 and still succeeds', async () => {
    expect((await h.invoke()).status).toBe(200);
    h.emulator.revokeTokens();
    h.emulator.resetCounters();

    const answer = await h.invoke();
    expect(answer.status).toBe(200);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 1, mint: 2, keys: 0 });
  });

  it('fetches a new OAuth token once the cached one is inside its refresh margin', async () => {
    expect((await h.invoke()).status).toBe(200);
    h.emulator.resetCounters();
    // The emulator's OAuth tokens live 86,400 s; the margin is 5 minutes.
    h.clock.advance((86_400 - 5 * 60) * 1000 - 1);
    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls.oauth).toBe(0);

    h.clock.advance(2);
    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls.oauth).toBe(1);
  });

  it('picks up a rotated signing key, re-fetching the key set at most once per cooldown', async () => {
    expect((await h.invoke()).status).toBe(200);
    await h.emulator.rotateKey();
    h.emulator.resetCounters();

    // Inside the cooldown an unknown kid is refused (fail closed) without another fetch.
    const early = await h.invoke();
    expect(early.status).toBe(502);
    expect(h.emulator.calls.keys).toBe(0);

    h.clock.advance(UNKNOWN_KID_COOLDOWN_MS);
    const answer = await h.invoke();
    expect(answer.status).toBe(200);
    expect(h.emulator.calls.keys).toBe(1);

    h.emulator.resetCounters();
    expect((await h.invoke()).status).toBe(200);
    expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 0, mint: 1, keys: 0 });
  });

  it('accepts a key endpoint that serves one bare JWK instead of a JWKS', async () => {
    h.emulator.keySetFormat = 'jwk';
    const answer = await h.invoke();
    expect(answer.status).toBe(200);
  });
});

describe('a client secret rotated under a warm container', () => {
  it('is re-read from Secrets Manager on invalid_client and the request succeeds', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ clientId: 'proxy', clientSecret: 'old' }) })
      .resolves({ SecretString: JSON.stringify({ clientId: 'proxy', clientSecret: 'new' }) });
    const h = await startHarness({
      emulator: { clients: { proxy: 'old' } },
      credentials: createSecretCredentials({
        readSecret: createSdkSecretReader({
          client: new SecretsManagerClient({ region: 'eu-west-1' }),
        }),
        secretId: 'genesys/guest-token-proxy',
        clock: manualClock(),
      }),
    });
    try {
      expect((await h.invoke()).status).toBe(200);
      h.emulator.setClientSecret('proxy', 'new');
      h.emulator.revokeTokens();
      h.emulator.resetCounters();

      const answer = await h.invoke();
      expect(answer.status).toBe(200);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      // mint (401) → oauth with the old secret (invalid_client) → oauth with the new one → mint
      expect(h.emulator.calls).toEqual({ secrets: 0, oauth: 2, mint: 2, keys: 0 });
    } finally {
      await h.close();
      secrets.restore();
    }
  });
});
