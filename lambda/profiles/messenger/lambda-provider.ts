// The messenger profile's provider as Lambda runs it: the OIDC client from Secrets Manager
// (through the secrets extension), id_tokens signed by the KMS key, codes in the DynamoDB
// table. lambda/index.ts requires this module only for the messenger profile, so the KMS and
// DynamoDB clients (the runtime's AWS SDK) are never loaded by the guest-api profile.

import type { Config } from '../../config';
import { systemClock } from '../../platform/clock';
import { createSecretCredentials } from '../../platform/credentials';
import { ConfigError } from '../../platform/errors';
import type { SecretReader } from '../../platform/secrets';
import { awsClientConfig } from './aws-clients';
import { createDynamoDbCodeStore } from './dynamodb-code-store';
import { createKmsSigner } from './kms-signer';
import type { Provider } from './provider';

export function createLambdaProvider(config: Config, readSecret: SecretReader): Provider {
  // The runtime's SDK clients, required here so nothing loads them where this is not called.
  const { DynamoDBClient } =
    require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const { KMSClient } = require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  const { issuer, redirectUris, clientSecretId, signingKeyId, codeTable } = config.oidc;
  const missing = [
    !issuer && 'OIDC_ISSUER',
    redirectUris.length === 0 && 'OIDC_REDIRECT_URIS',
    !clientSecretId && 'OIDC_CLIENT_SECRET_ID',
    !signingKeyId && 'OIDC_SIGNING_KEY_ID',
    !codeTable && 'OIDC_CODE_TABLE',
  ].filter((name): name is string => typeof name === 'string');
  if (missing.length > 0 || !issuer || !clientSecretId || !signingKeyId || !codeTable) {
    const problems = missing.map(
      (name) => `${name}: is required in Lambda for the messenger profile`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, problems);
  }
  return {
    issuer,
    redirectUris,
    client: createSecretCredentials({ readSecret, secretId: clientSecretId, clock: systemClock }),
    signer: createKmsSigner({
      client: new KMSClient(awsClientConfig()),
      keyId: signingKeyId,
      previousKeyId: config.oidc.previousSigningKeyId,
      clock: systemClock,
    }),
    codes: createDynamoDbCodeStore({
      client: new DynamoDBClient(awsClientConfig()),
      tableName: codeTable,
    }),
    clock: systemClock,
  };
}
