// The Lambda entry point: settings are parsed and clients built once per container, and the
// handler is the same chain the local server and the tests run. GENESYS_PROFILE picks it.

import { loadConfig } from './config';
import { systemClock } from './platform/clock';
import { createSecretCredentials } from './platform/credentials';
import { ConfigError } from './platform/errors';
import { createLogger, createMetrics, reportStaleSecret } from './platform/observability';
import { createSecretReader, keyFromSecret } from './platform/secrets';
import { createUpstreamAgent } from './platform/upstream/upstream-http';
import { warmUpWithin } from './platform/warm-up';

const config = loadConfig(process.env, { lambda: true });
const dispatcher = createUpstreamAgent();
const readSecret = createSecretReader({ dispatcher, extension: config.runtime.secretsExtension });
const logger = createLogger(config.observability.logLevel);
const metrics = createMetrics(logger, config.observability.metricsNamespace);
const onStaleSecret = reportStaleSecret(logger, metrics, 'client');
const { subjectKeySecretId } = config.identity;
const shared = {
  dispatcher,
  clock: systemClock,
  logger,
  metrics,
  subjectKey: subjectKeySecretId
    ? keyFromSecret(readSecret, subjectKeySecretId, 'pairwise-subject key')
    : undefined,
};

// lib/ bundles this file with GENESYS_PROFILE inlined (esbuild define, the same value as the
// function's environment), so esbuild leaves the other profile's code out of the deployed bundle.
async function createProfileHandler() {
  // Each profile is required in its branch, not imported: a profile never loads the other's code.
  if (process.env.GENESYS_PROFILE !== 'messenger' && config.profile === 'guest-api') {
    const { createHandler } =
      require('./profiles/guest-api/handler') as typeof import('./profiles/guest-api/handler');
    const secretId = config.guestApi.credentialsSecretId as string; // required in Lambda
    return createHandler({
      ...shared,
      config,
      credentials: createSecretCredentials({
        readSecret,
        secretId,
        clock: systemClock,
        onStale: onStaleSecret,
      }),
    });
  }
  if (process.env.GENESYS_PROFILE === 'messenger' && config.profile === 'messenger') {
    const { buildProvider } =
      require('./profiles/messenger/build-provider') as typeof import('./profiles/messenger/build-provider');
    const { createHandler } =
      require('./profiles/messenger/handler') as typeof import('./profiles/messenger/handler');
    const provider = await buildProvider(config.messenger, {
      readSecret,
      clock: systemClock,
      onStaleSecret,
    });
    return createHandler({ ...shared, config, provider, serves: config.messenger.serves });
  }
  throw new ConfigError(
    'GENESYS_PROFILE: is not the profile this bundle was built for; deploy again',
  );
}

export const handler = await createProfileHandler();

// Init does the work (lambda/platform/warm-up.ts): the bundle is an ES module whose load waits
// for the warm-up, at most INIT_WARM_UP_DEADLINE_MS, so the first visitor finds the secret,
// token and keys loaded and the connections open. The AWS SDK is required lazily, never here.
await warmUpWithin(() => handler.warmUp({ functionName: config.runtime.functionName }));
