// The Lambda entry point: settings are parsed and clients built once per container, and the
// handler is the same chain the local server and the tests run. GENESYS_PROFILE picks it.

import { loadConfig } from './config';
import { systemClock } from './platform/clock';
import { createSecretCredentials } from './platform/credentials';
import { createSecretReader } from './platform/secrets';
import { createUpstreamAgent } from './platform/upstream/upstream-http';
import { warmUpWithin } from './platform/warm-up';
import { createHandler as createGuestApiHandler } from './profiles/guest-api/handler';
import { subjectKeyFromSecret } from './steps/site-identity/site-identity';

const config = loadConfig(process.env, { lambda: true });
const dispatcher = createUpstreamAgent();
const readSecret = createSecretReader({ dispatcher, extension: config.runtime.secretsExtension });
const { subjectKeySecretId } = config.identity;
const shared = {
  dispatcher,
  clock: systemClock,
  subjectKey: subjectKeySecretId ? subjectKeyFromSecret(readSecret, subjectKeySecretId) : undefined,
};

async function createProfileHandler() {
  if (config.profile === 'guest-api') {
    const secretId = config.guestApi.credentialsSecretId as string; // required in Lambda
    return createGuestApiHandler({
      ...shared,
      config,
      credentials: createSecretCredentials({ readSecret, secretId, clock: systemClock }),
    });
  }
  // Required here, not imported, so the guest-api profile never loads the messenger's modules.
  const { buildProvider } =
    require('./profiles/messenger/build-provider') as typeof import('./profiles/messenger/build-provider');
  const { createHandler } =
    require('./profiles/messenger/handler') as typeof import('./profiles/messenger/handler');
  const provider = await buildProvider(config.messenger, { readSecret, clock: systemClock });
  return createHandler({ ...shared, config, provider });
}

export const handler = await createProfileHandler();

// Init does the work (lambda/platform/warm-up.ts): the bundle is an ES module whose load waits
// for the warm-up, at most INIT_WARM_UP_DEADLINE_MS, so the first visitor finds the secret,
// token and keys loaded and the connections open. The AWS SDK is required lazily, never here.
await warmUpWithin(() => handler.warmUp({ functionName: config.runtime.functionName }));
