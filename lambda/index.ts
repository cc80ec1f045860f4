// The Lambda entry point: configuration and clients are built once per container (cold start)
// and the handler is the same chain the local server and the tests run. GENESYS_PROFILE picks
// the chain: the Guest API (lambda/guest-api/handler.ts) or our OpenID provider for Genesys Cloud
// Messenger (lambda/messenger/messenger-handler.ts). Credentials come only from Secrets Manager,
// never from environment variables: through the Parameters and Secrets Lambda Extension the
// stack attaches, or the AWS SDK where it is absent.

import { loadConfig } from './config';
import { systemClock } from './platform/clock';
import { createSecretCredentials } from './platform/credentials';
import { ConfigError } from './platform/errors';
import { createSecretReader } from './platform/secrets';
import { createUpstreamAgent } from './platform/upstream/upstream-http';
import { warmUpWithin } from './platform/warm-up';
import { createHandler } from './profiles/guest-api/handler';
import { subjectKeyFromSecret } from './steps/site-identity/site-identity';

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
    require('./profiles/messenger/lambda-provider') as typeof import('./profiles/messenger/lambda-provider');
  const { createMessengerHandler } =
    require('./profiles/messenger/handler') as typeof import('./profiles/messenger/handler');
  return createMessengerHandler({
    config,
    provider: createLambdaProvider(config, readSecret),
    dispatcher,
    subjectKey: subjectKey(),
  });
}

export const handler = config.profile === 'messenger' ? messengerHandler() : guestApiHandler();

// Init does the work (lambda/warm-up.ts): the bundle is an ES module whose load waits for the
// warm-up, at most INIT_WARM_UP_DEADLINE_MS, so the first visitor finds the secret, token and
// keys loaded and the connections open. The AWS SDK is never loaded here: the modules that use
// it require it when they are built, so `require` (recreated by the bundle's banner) stays lazy.
await warmUpWithin(() => handler.warmUp({ functionName: process.env.AWS_LAMBDA_FUNCTION_NAME }));
