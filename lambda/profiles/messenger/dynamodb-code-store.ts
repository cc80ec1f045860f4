// Codes in DynamoDB, so a code is single-use across the fleet: PutItem refuses to overwrite, and
// redeeming is one DeleteItem conditioned on the item existing (ALL_OLD). TTL only tidies.

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsCallFailed } from '../../platform/errors';
import type { CodeRecord, CodeStore } from './code-store';

export interface DynamoDbCodeStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

export function createDynamoDbCodeStore({
  client,
  tableName,
}: DynamoDbCodeStoreOptions): CodeStore {
  // The runtime's SDK, loaded with the store (never at the bundle's load: see lambda/index.ts).
  const { DeleteItemCommand, PutItemCommand } =
    require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  return {
    async put(codeHash, record) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: codeHash },
              // TTL wants epoch seconds; a minute's slack past the code's own expiry.
              ttl: { N: String(Math.ceil(record.expiresAt / 1000) + 60) },
              record: { S: JSON.stringify(record) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        throw awsCallFailed('codes', 'PutItem', error);
      }
    },
    async take(codeHash) {
      let item: Record<string, { S?: string }> | undefined;
      try {
        const out = await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { pk: { S: codeHash } },
            ConditionExpression: 'attribute_exists(pk)',
            ReturnValues: 'ALL_OLD',
          }),
        );
        item = out.Attributes;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw awsCallFailed('codes', 'DeleteItem', error);
      }
      const stored = item?.record?.S;
      return stored ? (JSON.parse(stored) as CodeRecord) : undefined;
    },
  };
}
