// The messenger provider from its settings; locally an unset client, key or table is a
// development stand-in. The SDK clients load only where a setting names them.

import type { Clock } from '../../platform/clock';
import {
  type ClientCredentials,
  createSecretCredentials,
  createStaticCredentials,
} from '../../platform/credentials';
import { ConfigError } from '../../platform/errors';
import { keyFromSecret, type SecretReader } from '../../platform/secrets';
import { awsClientConfig } from './aws-clients';
import { createMemoryCodeStore } from './code-store';
import { createDynamoDbCodeStore } from './dynamodb-code-store';
import { createDynamoDbSessionStore } from './dynamodb-session-store';
import { createKmsSigner } from './kms-signer';
import type { Provider } from './provider';
import { createMemorySessionStore } from './session-store';
import type { MessengerSettings } from './settings';
import { createLocalSigner } from './signer';

export interface BuildProviderOptions {
  readSecret: SecretReader;
  clock: Clock;
  /** The OIDC client when OIDC_CLIENT_SECRET_ID is unset (the local server's). */
  developmentClient?: ClientCredentials;
  /** The service key when OIDC_SERVICE_KEY_SECRET_ID is unset (the local server generates one). */
  developmentServiceKey?: Uint8Array;
  /** Told when a re-read of the OIDC client secret failed and the last good value is served. */
  onStaleSecret?: (error: unknown) => void;
}

export async function buildProvider(
  settings: MessengerSettings,
  {
    readSecret,
    clock,
    developmentClient,
    developmentServiceKey,
    onStaleSecret,
  }: BuildProviderOptions,
): Promise<Provider> {
  const {
    issuer,
    redirectUris,
    clientSecretId,
    serviceKeySecretId,
    signingKeyId,
    previousSigningKeyId,
    nextSigningKeyId,
    codeTable,
  } = settings;
  if (!issuer) throw new ConfigError('OIDC_ISSUER: is required');
  let dynamoDbClient: import('@aws-sdk/client-dynamodb').DynamoDBClient | undefined;
  /** One client for the code table's codes and sessions. */
  const dynamoDb = () => {
    dynamoDbClient ??= new (
      require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb')
    ).DynamoDBClient(awsClientConfig());
    return dynamoDbClient;
  };
  if (!clientSecretId && !developmentClient)
    throw new ConfigError('OIDC_CLIENT_SECRET_ID: is required');
  if (!serviceKeySecretId && !developmentServiceKey)
    throw new ConfigError('OIDC_SERVICE_KEY_SECRET_ID: is required');
  return {
    issuer,
    redirectUris,
    client: clientSecretId
      ? createSecretCredentials({
          readSecret,
          secretId: clientSecretId,
          clock,
          onStale: onStaleSecret,
        })
      : createStaticCredentials(developmentClient as ClientCredentials),
    serviceKey: serviceKeySecretId
      ? keyFromSecret(readSecret, serviceKeySecretId, 'service key')
      : async () => developmentServiceKey as Uint8Array,
    signer: signingKeyId
      ? createKmsSigner({
          client: new (
            require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms')
          ).KMSClient(awsClientConfig()),
          keyId: signingKeyId,
          previousKeyId: previousSigningKeyId,
          nextKeyId: nextSigningKeyId,
          clock,
        })
      : await createLocalSigner(),
    codes: codeTable
      ? createDynamoDbCodeStore({ client: dynamoDb(), tableName: codeTable })
      : createMemoryCodeStore(clock),
    clock,
    sessions: codeTable
      ? createDynamoDbSessionStore({ client: dynamoDb(), tableName: codeTable, clock })
      : createMemorySessionStore(clock),
    accessTokenLifetimeSeconds: settings.accessTokenLifetimeSeconds,
    refreshTokenLifetimeSeconds: settings.refreshTokenLifetimeSeconds,
  };
}
