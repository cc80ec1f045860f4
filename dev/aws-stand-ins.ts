// The AWS JSON-protocol front of the KMS and DynamoDB stand-ins (dev/kms.ts, dev/dynamodb.ts):
// routes by X-Amz-Target, counts calls and the SDK's retries, and plays queued or random faults,
// so the messenger profile's real SDK clients can be tested under throttles and failures.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import {
  DYNAMODB_FAULTS,
  DYNAMODB_PROTOCOL,
  DYNAMODB_TARGETS,
  type DynamoDbInput,
  type DynamoDbOperation,
  DynamoDbStandIn,
} from './dynamodb';
import { KMS_FAULTS, KMS_PROTOCOL, KMS_TARGETS, type KmsOperation, kmsAnswer } from './kms';
import { delay, type HttpFault, playFault, readBody, sendJson } from './stand-in-server';

export type AwsOperation = KmsOperation | DynamoDbOperation;
/**
 * A stand-in's faults, and one of AWS's own: the call is carried out (a write commits), then the
 * connection drops before the answer, so the SDK retries a call that has already taken effect.
 */
export type AwsFault = HttpFault | { kind: 'lostAnswer' };
/** The random faults of a load run's DynamoDB calls: AWS's errors, and answers lost. */
const DYNAMODB_RANDOM_FAULTS: readonly AwsFault[] = [...DYNAMODB_FAULTS, { kind: 'lostAnswer' }];
const TARGETS: Record<string, AwsOperation> = { ...KMS_TARGETS, ...DYNAMODB_TARGETS };
const perOperation = (): Record<AwsOperation, number> => ({
  Sign: 0,
  GetPublicKey: 0,
  PutItem: 0,
  GetItem: 0,
  DeleteItem: 0,
  UpdateItem: 0,
});

export class AwsStandIns {
  /** KMS and DynamoDB calls, by operation. */
  readonly calls = perOperation();
  /** Faults answered, by operation (queued and random). */
  readonly faultsInjected = perOperation();
  /** Calls the SDK marked as a retry (its `amz-sdk-request: attempt=N` header, N > 1). */
  readonly retries = perOperation();
  /** Calls carried out whose answer was then lost (a 'lostAnswer' fault). */
  readonly answersLost = perOperation();
  /** Share of calls (0–1) answered with a throttle or internal error at random. */
  faultRate = 0;
  private readonly queued: Record<AwsOperation, AwsFault[]> = {
    Sign: [],
    GetPublicKey: [],
    PutItem: [],
    GetItem: [],
    DeleteItem: [],
    UpdateItem: [],
  };
  private readonly table = new DynamoDbStandIn();

  constructor(
    private readonly options: {
      /** The key KMS signs with (the emulator's current one). */
      signingKey: () => { privateKey: CryptoKey; publicJwk: JWK };
      latencyMs: () => number;
    },
  ) {}

  /** The operation this request is for, or undefined when it is not one of ours. */
  operationOf(req: IncomingMessage, path: string): AwsOperation | undefined {
    if (req.method !== 'POST' || path !== '/') return undefined;
    return TARGETS[String(req.headers['x-amz-target'] ?? '')];
  }

  inject(operation: AwsOperation, fault: AwsFault, times = 1): void {
    for (let i = 0; i < times; i++) this.queued[operation].push(fault);
  }

  clearFaults(): void {
    for (const list of Object.values(this.queued)) list.length = 0;
  }

  resetCounters(): void {
    for (const counts of [this.calls, this.faultsInjected, this.retries, this.answersLost])
      for (const operation of Object.keys(counts) as AwsOperation[]) counts[operation] = 0;
  }

  async answer(operation: AwsOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const input = JSON.parse((await readBody(req)) || '{}') as DynamoDbInput & {
      KeyId?: string;
      Message?: string;
    };
    this.calls[operation]++;
    const latency = this.options.latencyMs();
    if (latency > 0) await delay(latency);
    const kms = operation === 'Sign' || operation === 'GetPublicKey';
    const headers = {
      'content-type': kms ? KMS_PROTOCOL : DYNAMODB_PROTOCOL,
      'x-amzn-requestid': randomUUID(),
    };
    const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''));
    if (attempt && Number(attempt[1]) > 1) this.retries[operation]++;
    const fault = this.queued[operation].shift() ?? this.randomFault(kms);
    if (fault) this.faultsInjected[operation]++;
    // An AWS error answers with its own body, never the generic one.
    const played = fault?.kind === 'status' ? { ...fault, body: fault.body ?? {} } : fault;
    if (played?.kind !== 'lostAnswer' && (await playFault(played, req, res, headers))) return;
    const answered = kms
      ? { status: 200, body: kmsAnswer(operation, input, this.options.signingKey()) }
      : this.table.answer(operation, input);
    if (played?.kind === 'lostAnswer') {
      this.answersLost[operation]++;
      req.socket.destroy();
      return;
    }
    sendJson(res, answered.status, answered.body, headers);
  }

  private randomFault(kms: boolean): AwsFault | undefined {
    if (this.faultRate === 0 || Math.random() >= this.faultRate) return undefined;
    const options = kms ? KMS_FAULTS : DYNAMODB_RANDOM_FAULTS;
    return options[Math.floor(Math.random() * options.length)];
  }
}
