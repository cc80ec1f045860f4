// One contract for both code stores: the in-memory one (local server, tests) and the DynamoDB
// one (Lambda), the latter through aws-sdk-client-mock in front of the local DynamoDB stand-in
// (dev/dynamodb.ts), which honours the conditions and return values it is sent. Each must store
// a record once, let exactly one redemption claim it, give a retried claim the same answer as its
// first try, tell a replay which family to revoke, and say nothing for a code it does not hold.

import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type DynamoDbInput, DynamoDbStandIn } from '../../dev/dynamodb';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import {
  type CodeRecord,
  type CodeStore,
  createMemoryCodeStore,
  hashCode,
  newClaim,
  newCode,
} from '../../lambda/profiles/messenger/code-store';
import { createDynamoDbCodeStore } from '../../lambda/profiles/messenger/dynamodb-code-store';
import { manualClock } from '../fixtures/manual-clock';

const TABLE = 'guest-codes';
const dynamo = mockClient(DynamoDBClient);

/** The stand-in table behind the mocked client; its refusals as the SDK raises them. */
function fakeTable() {
  const table = new DynamoDbStandIn();
  const answer = (operation: 'PutItem' | 'UpdateItem') => (input: unknown) => {
    const { status, body } = table.answer(operation, input as DynamoDbInput);
    if (status === 200) return body;
    const { Item } = body as { Item?: ConditionalCheckFailedException['Item'] };
    throw new ConditionalCheckFailedException({ message: 'condition', $metadata: {}, Item });
  };
  dynamo.on(PutItemCommand).callsFake(answer('PutItem'));
  dynamo.on(UpdateItemCommand).callsFake(answer('UpdateItem'));
  return table;
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
  it('lets one redemption claim a code, and tells the next it was claimed before', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    const stored = record(Date.now() + 60_000);
    await store.put(hash, stored);
    const first = newClaim();
    expect(await store.claim(hash, first)).toEqual({ claimed: stored });
    expect(await store.claim(hash, newClaim())).toEqual({
      replayed: { familyId: first.familyId },
    });
  });

  it('answers a claim retried after its first try committed as claimed, not as a replay', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    const stored = record(Date.now() + 60_000);
    await store.put(hash, stored);
    const claim = newClaim();
    await store.claim(hash, claim);
    // What the SDK sends again when the first answer was lost: the very same claim.
    expect(await store.claim(hash, claim)).toEqual({ claimed: stored });
  });

  it('gives one of two concurrent claims the record and tells the other it is a replay', async () => {
    const store = makeStore();
    const hash = hashCode(newCode());
    await store.put(hash, record(Date.now() + 60_000));
    const results = await Promise.all([
      store.claim(hash, newClaim()),
      store.claim(hash, newClaim()),
    ]);
    expect(results.filter((r) => r && 'claimed' in r)).toHaveLength(1);
    expect(results.filter((r) => r && 'replayed' in r)).toHaveLength(1);
  });

  it('has nothing for a code it never stored', async () => {
    expect(await makeStore().claim(hashCode(newCode()), newClaim())).toBeUndefined();
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
    const outcome = await store.claim(hash, newClaim());
    expect(outcome && 'claimed' in outcome && outcome.claimed.expiresAt).toBe(stale.expiresAt);
  });
});

describe('the DynamoDB store', () => {
  const store = () =>
    createDynamoDbCodeStore({
      client: new DynamoDBClient({ region: 'eu-west-1' }),
      tableName: TABLE,
    });

  it('writes under the hash with a TTL past the expiry and claims with one conditional UpdateItem', async () => {
    fakeTable();
    const code = newCode();
    const expiresAt = Date.parse('2026-11-24T12:01:00Z');
    await store().put(hashCode(code), record(expiresAt));
    const claim = newClaim();
    await store().claim(hashCode(code), claim);

    const [put] = dynamo.commandCalls(PutItemCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      // Kept a minute past the code's expiry, so a replay is still recognised.
      Item: { pk: { S: hashCode(code) }, ttl: { N: String(expiresAt / 1000 + 60) } },
    });
    // The raw code is never stored.
    expect(JSON.stringify(put?.args[0].input)).not.toContain(code);
    const [update] = dynamo.commandCalls(UpdateItemCommand);
    expect(update?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: { S: hashCode(code) } },
      UpdateExpression: 'SET claimedBy = :attempt, familyId = :family',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(claimedBy)',
      ExpressionAttributeValues: {
        ':attempt': { S: claim.attempt },
        ':family': { S: claim.familyId },
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
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

  it('turns a failed UpdateItem into a 503 naming the code table', async () => {
    dynamo.on(UpdateItemCommand).rejects(throttled);
    expectUnavailable(
      await store()
        .claim('h', newClaim())
        .catch((e: unknown) => e),
      'UpdateItem',
    );
  });
});
