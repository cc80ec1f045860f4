// The Lambda entry point: configuration and clients are built once per container (cold start)
// and the handler is the same chain the local server and the tests run. Credentials come only
// from Secrets Manager here, never from environment variables.

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock } from './clock';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { createSecretsManagerCredentials } from './genesys/credentials';
import { createUpstreamAgent } from './genesys/upstream-http';
import { createHandler } from './handler';

const config = loadConfig(process.env);
if (!config.credentialsSecretId) {
  throw new ConfigError(
    'Invalid configuration: GENESYS_CREDENTIALS_SECRET_ID: is required in Lambda',
  );
}

export const handler = createHandler({
  config,
  clock: systemClock,
  credentials: createSecretsManagerCredentials({
    client: new SecretsManagerClient({}),
    secretId: config.credentialsSecretId,
    clock: systemClock,
  }),
  dispatcher: createUpstreamAgent(),
});

// Init-phase work: the token and key set load while Lambda hands over the first event.
void handler.warmUp();
