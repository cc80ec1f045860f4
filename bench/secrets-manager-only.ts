// The cold-start bench's reference point for the AWS SDK: a handler that loads the Secrets
// Manager client, as lambda/index.ts does, and makes its one GetSecretValue call.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export const handler = async () => {
  await client.send(
    new GetSecretValueCommand({ SecretId: process.env.GENESYS_CREDENTIALS_SECRET_ID }),
  );
  return { statusCode: 200, body: '' };
};
