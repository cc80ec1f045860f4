// The fleet's session store: the code table holds refresh-token records (`rt#` + hash), revoked
// families (`fam#`) and revoked subjects (`sub#`), each with a TTL; rotation is one conditional
// UpdateItem, so of two containers racing on one token exactly one rotates it.

import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../platform/clock';
import { awsCallFailed } from '../../platform/errors';
import type { RefreshRecord, SessionStore } from './session-store';

export interface DynamoDbSessionStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
}

type Item = Record<string, AttributeValue>;
const ttl = (epochMs: number) => ({ N: String(Math.ceil(epochMs / 1000) + 60) });
const conditionFailed = (error: unknown) =>
  (error as Error).name === 'ConditionalCheckFailedException';

export function createDynamoDbSessionStore({
  client,
  tableName,
  clock,
}: DynamoDbSessionStoreOptions): SessionStore {
  // The runtime's SDK, loaded with the store (never at the bundle's load: see lambda/index.ts).
  const { GetItemCommand, PutItemCommand, UpdateItemCommand } =
    require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');

  const get = async (pk: string): Promise<Item | undefined> => {
    try {
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
      return out.Item;
    } catch (error) {
      throw awsCallFailed('codes', 'GetItem', error);
    }
  };
  const put = async (item: Item, condition?: string): Promise<boolean> => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ...(condition && { ConditionExpression: condition }),
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw awsCallFailed('codes', 'PutItem', error);
    }
  };
  // TTL deletes lazily, up to days late: anything past its time (less the slack) is gone.
  const current = (item: Item | undefined) =>
    item && Number(item.ttl?.N ?? 0) * 1000 - 60_000 > clock() ? item : undefined;

  return {
    putToken: (tokenHash, record) =>
      put(
        {
          pk: { S: `rt#${tokenHash}` },
          ttl: ttl(record.familyExpiresAt),
          record: { S: JSON.stringify({ ...record, rotatedAt: undefined }) },
        },
        'attribute_not_exists(pk)',
      ),
    async getToken(tokenHash) {
      const item = current(await get(`rt#${tokenHash}`));
      const stored = item?.record?.S;
      if (!stored) return undefined;
      const record = JSON.parse(stored) as RefreshRecord;
      if (item.rotatedAt?.N) record.rotatedAt = Number(item.rotatedAt.N);
      return record.familyExpiresAt > clock() ? record : undefined;
    },
    async markRotated(tokenHash, now) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: `rt#${tokenHash}` } },
            UpdateExpression: 'SET rotatedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(rotatedAt)',
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw awsCallFailed('codes', 'UpdateItem', error);
      }
    },
    async revokeFamily(familyId, until) {
      await put({ pk: { S: `fam#${familyId}` }, ttl: ttl(until) });
    },
    async revokeSubject(subjectHash, at, until) {
      await put({ pk: { S: `sub#${subjectHash}` }, at: { N: String(at) }, ttl: ttl(until) });
    },
    rememberOnce: (key, until) =>
      put({ pk: { S: `once#${key}` }, ttl: ttl(until) }, 'attribute_not_exists(pk)'),
    async isRevoked(familyId, subjectHash, startedAt) {
      const [family, subject] = await Promise.all([
        get(`fam#${familyId}`),
        get(`sub#${subjectHash}`),
      ]);
      if (current(family)) return true;
      const revokedAt = Number(current(subject)?.at?.N ?? Number.NaN);
      return revokedAt >= startedAt;
    },
  };
}
