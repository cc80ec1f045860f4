// DynamoDB, locally: PutItem and DeleteItem on one table keyed by `pk`, honouring the conditions
// the code store uses, in DynamoDB's JSON protocol, so the real SDK client runs as in Lambda.

import { awsError } from './kms';
import type { HttpFault } from './stand-in-server';

export type DynamoDbOperation = 'PutItem' | 'DeleteItem';
export const DYNAMODB_PROTOCOL = 'application/x-amz-json-1.0';
export const DYNAMODB_TARGETS: Record<string, DynamoDbOperation> = {
  'DynamoDB_20120810.PutItem': 'PutItem',
  'DynamoDB_20120810.DeleteItem': 'DeleteItem',
};

/** What DynamoDB answers when it is throttling or failing inside. */
export const DYNAMODB_FAULTS: readonly HttpFault[] = [
  awsError(400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException'),
  awsError(400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException'),
  awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'),
  { kind: 'latency', ms: 300 },
];

/** The fields of the requests this stand-in reads. */
export interface DynamoDbInput {
  Item?: { pk?: { S?: string } } & Record<string, unknown>;
  Key?: { pk?: { S?: string } };
  ConditionExpression?: string;
  ReturnValues?: string;
}

export class DynamoDbStandIn {
  private readonly items = new Map<string, Record<string, unknown>>();

  answer(operation: DynamoDbOperation, input: DynamoDbInput): { status: number; body: unknown } {
    const failed = {
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    };
    if (operation === 'PutItem') {
      const pk = String(input.Item?.pk?.S);
      if (input.ConditionExpression === 'attribute_not_exists(pk)' && this.items.has(pk))
        return failed;
      this.items.set(pk, input.Item ?? {});
      return { status: 200, body: {} };
    }
    const pk = String(input.Key?.pk?.S);
    const old = this.items.get(pk);
    if (input.ConditionExpression === 'attribute_exists(pk)' && !old) return failed;
    this.items.delete(pk);
    return {
      status: 200,
      body: input.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {},
    };
  }
}
