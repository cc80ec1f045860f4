// The fleet's session store: the code table holds refresh-token records (`rt#` + hash), revoked
// families (`fam#`), sign-outs of a customer (`sub#`) or a site session (`sid#`) and one-time
// values (`once#`), each with a TTL. Rotation is one conditional UpdateItem, so of two containers
// racing on one token exactly one rotates it; its failed condition returns the item as it stands
// (ALL_OLD), so a retried rotation that had committed reads as done, never as refused. Every other
// write is a plain put, or one whose refusal means "already there", so a retry changes nothing.

import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../platform/clock';
import { awsCallFailed } from '../../platform/errors';
import {
  laterSignOut,
  type RefreshRecord,
  type Rotation,
  type SessionStore,
  type SignOut,
  scopeKey,
} from './session-store';

export interface DynamoDbSessionStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
}

type Item = Record<string, AttributeValue>;
const ttl = (epochMs: number) => ({ N: String(Math.ceil(epochMs / 1000) + 60) });
const conditionFailed = (error: unknown): error is Error & { Item?: Item } =>
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
      return current(out.Item);
    } catch (error) {
      throw awsCallFailed('codes', 'GetItem', error);
    }
  };
  /** A put; one refused by its condition (the item is there already) leaves the item as it is. */
  const put = async (item: Item, condition?: string): Promise<void> => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ...(condition && { ConditionExpression: condition }),
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw awsCallFailed('codes', 'PutItem', error);
    }
  };
  // TTL deletes lazily, up to days late: anything past its time (less the slack) is gone.
  const current = (item: Item | undefined) =>
    item && Number(item.ttl?.N ?? 0) * 1000 - 60_000 > clock() ? item : undefined;
  const rotationOf = (item: Item | undefined): Rotation | undefined =>
    item?.rotatedAt?.N && item.successor?.S
      ? { rotatedAt: Number(item.rotatedAt.N), sealedSuccessor: item.successor.S }
      : undefined;
  const signOutOf = (item: Item | undefined): SignOut | undefined =>
    item?.at?.N && item.siteAt?.N
      ? { at: Number(item.at.N), siteAt: Number(item.siteAt.N) }
      : undefined;

  return {
    async putToken(tokenHash, record) {
      // Already there (a retry whose first try committed, or a racing rotation): left as it is.
      await put(
        {
          pk: { S: `rt#${tokenHash}` },
          ttl: ttl(record.familyExpiresAt),
          record: { S: JSON.stringify(record) },
        },
        'attribute_not_exists(pk)',
      );
    },
    async getToken(tokenHash) {
      const item = await get(`rt#${tokenHash}`);
      const stored = item?.record?.S;
      if (!stored) return undefined;
      const record = JSON.parse(stored) as RefreshRecord;
      if (record.familyExpiresAt <= clock()) return undefined;
      const rotation = rotationOf(item);
      return rotation ? { ...record, rotation } : record;
    },
    async rotate(tokenHash, rotation) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: `rt#${tokenHash}` } },
            UpdateExpression: 'SET rotatedAt = :at, successor = :successor',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(rotatedAt)',
            ExpressionAttributeValues: {
              ':at': { N: String(rotation.rotatedAt) },
              ':successor': { S: rotation.sealedSuccessor },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return rotation;
      } catch (error) {
        if (!conditionFailed(error)) throw awsCallFailed('codes', 'UpdateItem', error);
        // Rotated already (by another container, or by this call's own first try), or not there.
        return rotationOf(error.Item);
      }
    },
    async revokeFamily(familyId, until) {
      await put({ pk: { S: `fam#${familyId}` }, ttl: ttl(until) });
    },
    async familyRevoked(familyId) {
      return (await get(`fam#${familyId}`)) !== undefined;
    },
    async signOut(scope, signOut, until) {
      await put({
        pk: { S: scopeKey(scope) },
        at: { N: String(signOut.at) },
        siteAt: { N: String(signOut.siteAt) },
        ttl: ttl(until),
      });
    },
    async signedOut(scopes) {
      const items = await Promise.all(scopes.map((scope) => get(scopeKey(scope))));
      return items.map(signOutOf).reduce(laterSignOut, undefined);
    },
    async seen(key) {
      return (await get(`once#${key}`)) !== undefined;
    },
    async remember(key, until) {
      await put({ pk: { S: `once#${key}` }, ttl: ttl(until) });
    },
  };
}
