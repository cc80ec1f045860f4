// DynamoDB, locally: one table keyed by `pk`, with PutItem, GetItem, DeleteItem and UpdateItem
// (`SET a = :a, b = :b`) honouring attribute_exists / attribute_not_exists conditions joined by
// AND, ReturnValues (ALL_OLD, ALL_NEW) and ReturnValuesOnConditionCheckFailure (ALL_OLD), in
// DynamoDB's JSON protocol, so the real SDK client runs as in Lambda.

import { awsError } from './kms';
import type { HttpFault } from './stand-in-server';

export type DynamoDbOperation = 'PutItem' | 'GetItem' | 'DeleteItem' | 'UpdateItem';
export const DYNAMODB_PROTOCOL = 'application/x-amz-json-1.0';
export const DYNAMODB_TARGETS: Record<string, DynamoDbOperation> = {
  'DynamoDB_20120810.PutItem': 'PutItem',
  'DynamoDB_20120810.GetItem': 'GetItem',
  'DynamoDB_20120810.DeleteItem': 'DeleteItem',
  'DynamoDB_20120810.UpdateItem': 'UpdateItem',
};

/** What DynamoDB answers when it is throttling or failing inside. */
export const DYNAMODB_FAULTS: readonly HttpFault[] = [
  awsError(400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException'),
  awsError(400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException'),
  awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'),
  { kind: 'latency', ms: 300 },
];

type Item = Record<string, unknown> & { pk?: { S?: string } };

/** The fields of the requests this stand-in reads. */
export interface DynamoDbInput {
  Item?: Item;
  Key?: { pk?: { S?: string } };
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
  ReturnValues?: string;
  ReturnValuesOnConditionCheckFailure?: string;
}

export class DynamoDbStandIn {
  private readonly items = new Map<string, Item>();

  answer(operation: DynamoDbOperation, input: DynamoDbInput): { status: number; body: unknown } {
    const pk = String((operation === 'PutItem' ? input.Item : input.Key)?.pk?.S);
    const old = this.items.get(pk);
    if (!holds(input.ConditionExpression, old)) {
      return {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
          ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old && { Item: old }),
        },
      };
    }
    if (operation === 'GetItem') return { status: 200, body: old ? { Item: old } : {} };
    let updated: Item | undefined;
    if (operation === 'PutItem') this.items.set(pk, input.Item ?? {});
    if (operation === 'DeleteItem') this.items.delete(pk);
    if (operation === 'UpdateItem') {
      const assignments = assignmentsOf(input.UpdateExpression);
      if (!assignments)
        return {
          status: 400,
          body: { __type: 'ValidationException', message: 'stand-in: SET assignments only' },
        };
      updated = { ...(old ?? { pk: { S: pk } }) };
      for (const [name, value] of assignments)
        updated[name] = input.ExpressionAttributeValues?.[value];
      this.items.set(pk, updated);
    }
    if (input.ReturnValues === 'ALL_OLD' && old) return { status: 200, body: { Attributes: old } };
    if (input.ReturnValues === 'ALL_NEW' && updated)
      return { status: 200, body: { Attributes: updated } };
    return { status: 200, body: {} };
  }
}

/** `SET a = :a, b = :b` as [name, placeholder] pairs; undefined for anything else. */
function assignmentsOf(expression: string | undefined): Array<[string, string]> | undefined {
  const set = /^SET\s+(.+)$/.exec(expression ?? '');
  if (!set?.[1]) return undefined;
  const pairs = set[1].split(',').map((part) => /^\s*(\w+)\s*=\s*(:\w+)\s*$/.exec(part));
  if (pairs.some((pair) => !pair)) return undefined;
  return pairs.map((pair) => [pair?.[1] ?? '', pair?.[2] ?? '']);
}

/** attribute_exists(a) / attribute_not_exists(a), joined by AND; no condition always holds. */
function holds(condition: string | undefined, item: Item | undefined): boolean {
  if (!condition) return true;
  return condition.split(/\s+AND\s+/).every((part) => {
    const match = /^attribute_(not_)?exists\((\w+)\)$/.exec(part.trim());
    if (!match) throw new Error(`the stand-in does not know the condition ${part}`);
    const present = item !== undefined && item[match[2] ?? ''] !== undefined;
    return match[1] ? !present : present;
  });
}
