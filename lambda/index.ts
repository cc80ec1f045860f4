// The Lambda entry point: configuration and clients are built once per container (cold start)
// and the handler is the same chain the local server and the tests run. GENESYS_PROFILE picks
// the chain: the Guest API (lambda/guest-api/handler.ts) or our OpenID provider for Genesys Cloud
// Messenger (lambda/messenger/messenger-handler.ts). Credentials come only from Secrets Manager,
// never from environment variables: through the Parameters and Secrets Lambda Extension the
// stack attaches, or the AWS SDK where it is absent.

import { systemClock } from './clock';
import { loadConfig } from './config';
import { createSecretCredentials } from './credentials';
import { ConfigError } from './errors';
import { createHandler } from './guest-api/handler';
import { subjectKeyFromSecret } from './identity';
import { createSecretReader } from './secrets';
import { createUpstreamAgent } from './upstream/upstream-http';

const config = loadConfig(process.env);
const dispatcher = createUpstreamAgent();
const readSecret = createSecretReader({ env: process.env, dispatcher });

/** Known customers with pairwise subjects need the stack's generated key. */
function subjectKey() {
  const { issuers, subjectKeySecretId } = config.identity;
  if (subjectKeySecretId) return subjectKeyFromSecret(readSecret, subjectKeySecretId);
  if (issuers.some((issuer) => issuer.subject === 'pairwise')) {
    throw new ConfigError(
      'Invalid configuration: SITE_SUBJECT_KEY_SECRET_ID: is required in Lambda for pairwise subjects',
    );
  }
  return undefined;
}

function guestApiHandler() {
  if (!config.credentialsSecretId) {
    throw new ConfigError(
      'Invalid configuration: GENESYS_CREDENTIALS_SECRET_ID: is required in Lambda',
    );
  }
  return createHandler({
    config,
    clock: systemClock,
    credentials: createSecretCredentials({
      readSecret,
      secretId: config.credentialsSecretId,
      clock: systemClock,
    }),
    dispatcher,
    subjectKey: subjectKey(),
  });
}

function messengerHandler() {
  // Required here, not imported, so the guest-api profile never loads the KMS and DynamoDB clients.
  const { createLambdaProvider } =
    require('./messenger/lambda-provider') as typeof import('./messenger/lambda-provider');
  const { createMessengerHandler } =
    require('./messenger/messenger-handler') as typeof import('./messenger/messenger-handler');
  return createMessengerHandler({
    config,
    provider: createLambdaProvider(config, readSecret),
    dispatcher,
    subjectKey: subjectKey(),
  });
}

export const handler = config.profile === 'messenger' ? messengerHandler() : guestApiHandler();

// Init-phase work: credentials, token and keys load while Lambda hands over the first event.
void handler.warmUp();
