// One contract for both code stores: the in-memory one (local server, tests) and the DynamoDB
// one (Lambda), the latter through aws-sdk-client-mock with a table that honours the
// conditions it is sent. Each must store a record once, hand it out exactly once, and say
// nothing for a code it does not hold.

import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import {
  type CodeRecord,
  type CodeStore,
  createMemoryCodeStore,
  hashCode,
  newCode,
} from '../../lambda/profiles/messenger/code-store';
import { createDynamoDbCodeStore } from '../../lambda/profiles/messenger/dynamodb-code-store';
import { manualClock } from '../fixtures/manual-clock';

const TABLE = 'guest-codes';
const dynamo = mockClient(DynamoDBClient);

/** A table that honours attribute_not_exists / attribute_exists on pk, as DynamoDB does. */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  dynamo.on(PutItemCommand).callsFake((input) => {
    const pk = input.Item.pk.S as string;
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && items.has(pk)) {
      throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    }
    items.set(pk, input.Item);
    return {};
  });
  dynamo.on(DeleteItemCommand).callsFake((input) => {
    const pk = input.Key.pk.S as string;
    const old = items.get(pk);
    if (input.ConditionExpression === 'attribute_exists(pk)' && !old) {
      throw new ConditionalCheckFailedException({ message: 'missing', $metadata: {} });
    }
    items.delete(pk);
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
  });
  return items;
}

function record(expiresAt: number): CodeRecord {
  return {
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    nonce: 'nonce-abcdefghijklmnop',
    redirectUri: 'https://www.example.com/',
    expiresAt,
    authTime: Math.floor(expiresAt / 1000) - 60,
    claims: { sub: 'guest-1', name: 'Ada', given_name: 'Ada' },
  };
}

const stores: [string, () => CodeStore][] = [
  ['in-memory', () => createMemoryCodeStore(manualClock())],
  [
    'DynamoDB',
    () => {
      fakeTable();
      return createDynamoDbCodeStore({
        client: new DynamoDBClient({ region: 'eu-west-1' }),
        tableName: TABLE,
      });
    },
  ],
];

beforeEach(() => dynamo.reset());

describe.each(stores)('the %s code store', (_name, makeStore) => {
  it('hands a record out exactly once', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    const stored = record(Date.now() + 60_000);
    await store.put(hash, stored);
    expect(await store.take(hash)).toEqual(stored);
    expect(await store.take(hash)).toBeUndefined();
  });

  it('gives one of two concurrent takes the record and the other nothing', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    await store.put(hash, record(Date.now() + 60_000));
    const results = await Promise.all([store.take(hash), store.take(hash)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('has nothing for a code it never stored', async () => {
    expect(await makeStore().take(hashCode(newCode()))).toBeUndefined();
  });

  it('refuses to overwrite a stored code', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    await store.put(hash, record(Date.now() + 60_000));
    await expect(store.put(hash, record(Date.now() + 60_000))).rejects.toThrow();
  });

  it('keeps a record past its expiry for the caller to refuse (expiry is not the store’s)', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    const stale = record(Date.now() - 1);
    await store.put(hash, stale);
    expect((await store.take(hash))?.expiresAt).toBe(stale.expiresAt);
  });
});

describe('the DynamoDB store', () => {
  const store = () =>
    createDynamoDbCodeStore({
      client: new DynamoDBClient({ region: 'eu-west-1' }),
      tableName: TABLE,
    });

  it('writes under the hash with a TTL and a condition, and takes with a conditional delete returning ALL_OLD', async () => {
    const items = fakeTable();
    const code = newCode();
    const expiresAt = Date.parse('2026-11-24T12:01:00Z');
    await store().put(hashCode(code), record(expiresAt));
    await store().take(hashCode(code));

    const [put] = dynamo.commandCalls(PutItemCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: { S: hashCode(code) }, ttl: { N: String(expiresAt / 1000 + 60) } },
    });
    // The raw code is never stored.
    expect(JSON.stringify(put?.args[0].input)).not.toContain(code);
    const [del] = dynamo.commandCalls(DeleteItemCommand);
    expect(del?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: { S: hashCode(code) } },
      ConditionExpression: 'attribute_exists(pk)',
      ReturnValues: 'ALL_OLD',
    });
    expect(items.size).toBe(0);
  });

  const throttled = Object.assign(new Error('slow down'), {
    name: 'ProvisionedThroughputExceededException',
  });
  const expectUnavailable = (error: unknown, operation: string) => {
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstream).toBe('codes');
    expect((error as UpstreamUnavailableError).detail).toBe(
      `dynamodb ${operation}: ProvisionedThroughputExceededException`,
    );
  };

  it('turns a failed PutItem into a 503 naming the code table', async () => {
    dynamo.on(PutItemCommand).rejects(throttled);
    expectUnavailable(
      await store()
        .put('h', record(Date.now()))
        .catch((e: unknown) => e),
      'PutItem',
    );
  });

  it('turns a failed DeleteItem into a 503 naming the code table', async () => {
    dynamo.on(DeleteItemCommand).rejects(throttled);
    expectUnavailable(
      await store()
        .take('h')
        .catch((e: unknown) => e),
      'DeleteItem',
    );
  });
});
