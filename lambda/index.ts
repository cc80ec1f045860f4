// The Lambda entry point: configuration and clients are built once per container (cold start)
// and the handler is the same chain the local server and the tests run. Credentials come only
// from Secrets Manager here, never from environment variables: through the Parameters and
// Secrets Lambda Extension the stack attaches, or the AWS SDK where it is absent.

import { systemClock } from './clock';
import { loadConfig } from './config';
import { createSecretCredentials } from './credentials';
import { ConfigError } from './errors';
import { createUpstreamAgent } from './genesys/upstream-http';
import { createHandler } from './handler';
import { createSecretReader } from './secrets';

const config = loadConfig(process.env);
if (!config.credentialsSecretId) {
  throw new ConfigError(
    'Invalid configuration: GENESYS_CREDENTIALS_SECRET_ID: is required in Lambda',
  );
}
const dispatcher = createUpstreamAgent();

export const handler = createHandler({
  config,
  clock: systemClock,
  credentials: createSecretCredentials({
    readSecret: createSecretReader({ env: process.env, dispatcher }),
    secretId: config.credentialsSecretId,
    clock: systemClock,
  }),
  dispatcher,
});

// Init-phase work: the token and key set load while Lambda hands over the first event.
void handler.warmUp();
