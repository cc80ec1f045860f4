import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CREDENTIALS_TTL_MS,
  createSecretCredentials,
  STALE_RETRY_MS,
} from '../../lambda/platform/credentials';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import { createSdkSecretReader } from '../../lambda/platform/secrets';
import { manualClock } from '../fixtures/manual-clock';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-AbCdEf';

function provider(clock = manualClock(), onStale?: (error: unknown) => void) {
  return createSecretCredentials({
    readSecret: createSdkSecretReader({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
    }),
    secretId: SECRET_ID,
    clock,
    onStale,
  });
}

describe('Secrets Manager credentials', () => {
  beforeEach(() => secrets.reset());

  it('reads the secret once and caches it for the TTL', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
      SecretString: JSON.stringify({ clientId: 'id', clientSecret: 's3cr3t' }),
    });
    const clock = manualClock();
    const credentials = provider(clock);

    expect(await credentials.get()).toEqual({ clientId: 'id', clientSecret: 's3cr3t' });
    await credentials.get();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    clock.advance(CREDENTIALS_TTL_MS);
    await credentials.get();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('re-reads after invalidation', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ clientId: 'id', clientSecret: 'old' }) })
      .resolves({ SecretString: JSON.stringify({ clientId: 'id', clientSecret: 'new' }) });
    const credentials = provider();
    const first = await credentials.get();
    credentials.invalidate(first);
    expect((await credentials.get()).clientSecret).toBe('new');
  });

  it.each([
    [
      'throttling',
      () =>
        secrets
          .on(GetSecretValueCommand)
          .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      /ThrottlingException/,
    ],
    [
      'a missing secret',
      () =>
        secrets
          .on(GetSecretValueCommand)
          .rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' })),
      /ResourceNotFoundException/,
    ],
    [
      'malformed JSON',
      () => secrets.on(GetSecretValueCommand).resolves({ SecretString: '{clientId: s3cr3t' }),
      /not JSON/,
    ],
    [
      'a missing field',
      () =>
        secrets
          .on(GetSecretValueCommand)
          .resolves({ SecretString: JSON.stringify({ clientId: 'id' }) }),
      /clientSecret/,
    ],
    [
      'an empty field',
      () =>
        secrets
          .on(GetSecretValueCommand)
          .resolves({ SecretString: JSON.stringify({ clientId: '', clientSecret: 's3cr3t' }) }),
      /clientId/,
    ],
    [
      'a binary secret',
      () => secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) }),
      /no SecretString/,
    ],
  ])('turns %s into a 503 that says nothing secret', async (_name, arrange, detail) => {
    arrange();
    const error = await provider()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    const unavailable = error as UpstreamUnavailableError;
    expect(unavailable.status).toBe(503);
    expect(unavailable.upstream).toBe('secrets');
    expect(unavailable.detail).toMatch(detail);
    expect(`${unavailable.message} ${unavailable.detail}`).not.toContain('s3cr3t');
  });

  it('reads previousClientSecret while a rotation is under way', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        clientId: 'id',
        clientSecret: 'new',
        previousClientSecret: 'old',
      }),
    });
    expect(await provider().get()).toEqual({
      clientId: 'id',
      clientSecret: 'new',
      previousClientSecret: 'old',
    });
  });

  it.each([
    [
      'the read fails',
      () =>
        secrets
          .on(GetSecretValueCommand)
          .rejects(Object.assign(new Error('down'), { name: 'InternalServiceError' })),
      /InternalServiceError/,
    ],
    [
      'the new value is not JSON',
      () => secrets.on(GetSecretValueCommand).resolves({ SecretString: '{oops' }),
      /not JSON/,
    ],
  ])(
    'serves the last good value when a re-read fails (%s), says so, and tries again a minute on',
    async (_name, arrange, detail) => {
      secrets
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: JSON.stringify({ clientId: 'id', clientSecret: 'good' }) });
      const clock = manualClock();
      const stale: unknown[] = [];
      const credentials = provider(clock, (error) => stale.push(error));
      const good = await credentials.get();
      arrange();
      // Expired, or invalidated on invalid_client: either way the re-read fails.
      clock.advance(CREDENTIALS_TTL_MS);
      expect(await credentials.get()).toBe(good);
      credentials.invalidate(good);
      expect(await credentials.get()).toBe(good);
      expect(stale).toHaveLength(2);
      expect((stale[0] as UpstreamUnavailableError).detail).toMatch(detail);
      // Served without another read until the retry interval is over.
      const reads = secrets.commandCalls(GetSecretValueCommand).length;
      clock.advance(STALE_RETRY_MS - 1);
      await credentials.get();
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(reads);
      clock.advance(1);
      await credentials.get();
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(reads + 1);
    },
  );

  it('fails as before when no value was ever read', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('down'), { name: 'X' }));
    const stale: unknown[] = [];
    await expect(
      provider(manualClock(), (error) => stale.push(error)).get(),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(stale).toEqual([]);
  });
});
