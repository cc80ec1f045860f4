// Lambda's init warms what the function's routes use (OIDC_SERVES): the visitors' function
// never reads the signing keys or the OIDC client (its role may not sign), Genesys's does, and
// locally one process serving every route warms everything.

import { loadConfig } from '../../lambda/config';
import { createStaticCredentials } from '../../lambda/platform/credentials';
import { createMemoryCodeStore } from '../../lambda/profiles/messenger/code-store';
import { createHandler } from '../../lambda/profiles/messenger/handler';
import { createMemorySessionStore } from '../../lambda/profiles/messenger/session-store';
import { createLocalSigner } from '../../lambda/profiles/messenger/signer';
import { captureLogs } from '../fixtures/log-capture';
import { CLIENT, ISSUER, ORIGIN, REDIRECT_URI, SERVICE_KEY } from '../fixtures/messenger-harness';

async function warmUpAs(serves: 'all' | 'visitors' | 'genesys') {
  const config = loadConfig({
    GENESYS_PROFILE: 'messenger',
    ALLOWED_ORIGINS: ORIGIN,
    OIDC_ISSUER: ISSUER,
    OIDC_REDIRECT_URIS: REDIRECT_URI,
    OIDC_SERVES: serves,
  });
  if (config.profile !== 'messenger') throw new Error('expected the messenger profile');
  const used = new Set<string>();
  /** Records that `what` was asked for, then answers as `answer` does. */
  const noting =
    <T>(what: string, answer: () => Promise<T>) =>
    () => {
      used.add(what);
      return answer();
    };
  const signer = await createLocalSigner();
  const client = createStaticCredentials(CLIENT);
  const handler = createHandler({
    config,
    serves: config.messenger.serves,
    provider: {
      issuer: ISSUER,
      redirectUris: [REDIRECT_URI],
      accessTokenLifetimeSeconds: 900,
      refreshTokenLifetimeSeconds: 86_400,
      sessions: createMemorySessionStore(Date.now),
      codes: createMemoryCodeStore(Date.now),
      clock: Date.now,
      signer: { ...signer, publicKeys: noting('signing keys', signer.publicKeys) },
      client: { ...client, get: noting('client', client.get) },
      serviceKey: noting('service key', async () => SERVICE_KEY),
    },
  });
  const logs = captureLogs();
  try {
    await handler.warmUp();
  } finally {
    logs.restore();
  }
  const line = logs.json().find((entry) => entry.message === 'init.warm-up');
  return { used: [...used].sort(), line };
}

describe('the messenger warm-up at init', () => {
  it('never touches the signing keys or the client in the visitors’ function', async () => {
    const { used, line } = await warmUpAs('visitors');
    expect(used).toEqual(['service key']);
    expect(line).not.toHaveProperty('signingKeys');
  });

  it('loads the client, the service key and the signing keys in Genesys’s function', async () => {
    const { used, line } = await warmUpAs('genesys');
    expect(used).toEqual(['client', 'service key', 'signing keys']);
    expect(line).toMatchObject({
      oidcClient: 'loaded',
      serviceKey: 'loaded',
      signingKeys: 'loaded',
    });
  });

  it('loads everything where one process serves every route (the local server)', async () => {
    expect((await warmUpAs('all')).used).toEqual(['client', 'service key', 'signing keys']);
  });
});
