// DynamoDB, locally: one table keyed by `pk`, with PutItem, GetItem, DeleteItem and UpdateItem
// (`SET name = :value`) honouring attribute_exists / attribute_not_exists conditions joined by
// AND, in DynamoDB's JSON protocol, so the real SDK client runs as in Lambda.

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
        },
      };
    }
    const returned = input.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
    if (operation === 'GetItem') return { status: 200, body: old ? { Item: old } : {} };
    if (operation === 'PutItem') this.items.set(pk, input.Item ?? {});
    if (operation === 'DeleteItem') this.items.delete(pk);
    if (operation === 'UpdateItem') {
      const set = /^SET (\w+) = (:\w+)$/.exec(input.UpdateExpression ?? '');
      if (!set)
        return {
          status: 400,
          body: { __type: 'ValidationException', message: 'stand-in: one SET only' },
        };
      const [, name = '', value = ''] = set;
      this.items.set(pk, {
        ...(old ?? { pk: { S: pk } }),
        [name]: input.ExpressionAttributeValues?.[value],
      });
    }
    return { status: 200, body: returned };
  }
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
