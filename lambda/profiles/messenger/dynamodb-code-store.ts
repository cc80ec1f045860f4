// Codes in DynamoDB, so a code is single-use across the fleet: PutItem refuses to overwrite, and a
// redemption claims the code with one UpdateItem conditioned on nobody having claimed it. Each
// write carries its attempt id, and a failed condition returns the item as it stands (ALL_OLD):
// a retry whose first try committed finds its own write, a replay finds another's claim. TTL
// only tidies.

import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsCallFailed } from '../../platform/errors';
import {
  type CodeClaim,
  type CodeRecord,
  type CodeStore,
  claimOutcome,
  newAttemptId,
  SPENT_CODE_KEPT_MS,
} from './code-store';

export interface DynamoDbCodeStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

type Item = Record<string, AttributeValue>;

export function createDynamoDbCodeStore({
  client,
  tableName,
}: DynamoDbCodeStoreOptions): CodeStore {
  // The runtime's SDK, loaded with the store (never at the bundle's load: see lambda/index.ts).
  const { PutItemCommand, UpdateItemCommand } =
    require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  return {
    async put(codeHash, record) {
      // A code is 256 random bits: a stored item under its hash can only be this put's own
      // first try, committed with its answer lost. The attempt id tells, not the odds.
      const attempt = newAttemptId();
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: codeHash },
              // TTL wants epoch seconds; kept past the code's expiry so a replay is recognised.
              ttl: { N: String(Math.ceil((record.expiresAt + SPENT_CODE_KEPT_MS) / 1000)) },
              record: { S: JSON.stringify(record) },
              storedBy: { S: attempt },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      } catch (error) {
        const stood = (error as { Item?: Item }).Item;
        if (
          (error as Error).name === 'ConditionalCheckFailedException' &&
          stood?.storedBy?.S === attempt
        )
          return;
        throw awsCallFailed('codes', 'PutItem', error);
      }
    },
    async claim(codeHash, claim) {
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: codeHash } },
            UpdateExpression: 'SET claimedBy = :attempt, familyId = :family',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(claimedBy)',
            ExpressionAttributeValues: {
              ':attempt': { S: claim.attempt },
              ':family': { S: claim.familyId },
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: recordOf(out.Attributes) };
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException')
          throw awsCallFailed('codes', 'UpdateItem', error);
        const item = (error as { Item?: Item }).Item;
        const outcome = claimOutcome(item && storedOf(item), claim);
        // The condition failed, so the item was there and claimed, or not there at all.
        return outcome === 'free' ? undefined : outcome;
      }
    },
  };
}

function storedOf(item: Item): { record: CodeRecord; claimedBy?: CodeClaim } {
  const attempt = item.claimedBy?.S;
  const familyId = item.familyId?.S;
  return {
    record: recordOf(item),
    ...(attempt !== undefined && familyId !== undefined && { claimedBy: { attempt, familyId } }),
  };
}

function recordOf(item: Item | undefined): CodeRecord {
  const stored = item?.record?.S;
  if (!stored) throw new Error('a code item without its record');
  return JSON.parse(stored) as CodeRecord;
}
