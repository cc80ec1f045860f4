// The messenger profile's AWS side under faults, through the real SDK clients (KMS, DynamoDB,
// Secrets Manager) against the emulator's stand-ins, over real HTTP: each fault class ends in
// the documented answer, a throttled or slow call is retried within the bound, and the log
// names the failed call (service, operation, error, status, request id), never a code or secret.

import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { awsError, DEV_OIDC_CREDENTIALS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { RETRY_POLICY } from '../../lambda/platform/upstream/upstream-http';
import {
  AWS_CALL_POLICY,
  AWS_CALL_WORST_CASE_MS,
} from '../../lambda/profiles/messenger/aws-clients';
import { awsBackedSettings, type EmulatedAws, startEmulatedAws } from '../fixtures/emulated-aws';

const OIDC_SECRET_ID = 'genesys-guest-token-proxy/faults-oidc';
const DDB = (type: string) => `com.amazonaws.dynamodb.v20120810#${type}`;
let aws: EmulatedAws;
let stack: LocalStack;

beforeAll(async () => {
  aws = await startEmulatedAws(OIDC_SECRET_ID);
  stack = await startLocal(
    {
      GENESYS_PROFILE: 'messenger',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'INFO',
      ...awsBackedSettings(OIDC_SECRET_ID),
    },
    { emulator: aws.emulator },
  );
});
afterAll(async () => {
  await stack.close();
  await aws.close();
});
beforeEach(() => {
  aws.emulator.clearFaults();
  aws.emulator.resetCounters();
});

async function requestCode() {
  const verifier = randomBytes(32).toString('base64url');
  const answer = await request(`${stack.url}/guest-token`, {
    method: 'POST',
    headers: { origin: stack.url, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0' },
    body: JSON.stringify({
      nonce: randomBytes(16).toString('base64url'),
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
    }),
  });
  const body = (await answer.body.json()) as Record<string, unknown>;
  if (typeof body.authCode === 'string') aws.sent.push(body.authCode, verifier);
  return { status: answer.statusCode, headers: answer.headers, body, verifier };
}

async function redeem(code: string, verifier: string, secret = DEV_OIDC_CREDENTIALS.clientSecret) {
  const answer = await request(`${stack.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${DEV_OIDC_CREDENTIALS.clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${stack.url}/`,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await answer.body.json()) as Record<string, unknown>;
  for (const key of ['access_token', 'id_token', 'refresh_token'])
    if (typeof body[key] === 'string') aws.sent.push(body[key] as string);
  return { status: answer.statusCode, headers: answer.headers, body };
}

async function refresh(refreshToken: string) {
  const answer = await request(`${stack.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${DEV_OIDC_CREDENTIALS.clientId}:${DEV_OIDC_CREDENTIALS.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    }).toString(),
  });
  const body = (await answer.body.json()) as Record<string, unknown>;
  for (const key of ['access_token', 'id_token', 'refresh_token'])
    if (typeof body[key] === 'string') aws.sent.push(body[key] as string);
  return { status: answer.statusCode, body };
}

const loggedDetails = () =>
  aws.logs
    .json()
    .map((line) => (line.audit as { detail?: string } | undefined)?.detail)
    .filter((detail): detail is string => typeof detail === 'string');

describe('messenger profile, AWS faults through the real SDK clients', () => {
  it('keeps one call with all its retries inside the request deadline', () => {
    expect(AWS_CALL_POLICY.maxAttempts).toBe(3);
    expect(AWS_CALL_WORST_CASE_MS).toBeLessThan(RETRY_POLICY.budgetMs);
  });

  // First, while no container has read the service key yet: a guest's code request needs it (its
  // guest session is sealed under it), and it lives in Secrets Manager.
  it('answers a guest’s code request 503 while Secrets Manager fails, and issues once it is back', async () => {
    aws.emulator.inject('secrets', { kind: 'status', status: 500 }, 3);
    const failed = await requestCode();
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(failed.headers['retry-after']).toBeDefined();
    expect(loggedDetails()).toContainEqual(
      expect.stringMatching(/^secretsmanager GetSecretValue: \w+ \(500/),
    );
    const fresh = await requestCode();
    expect(fresh.status).toBe(200);
    expect((await redeem(fresh.body.authCode as string, fresh.verifier)).status).toBe(200);
  });

  it('serves the last good client when a re-read fails, says so, and redeems with it', async () => {
    const { body, verifier } = await requestCode();
    // A wrong secret makes the token endpoint re-read ours (it may have been rotated); that
    // re-read fails, so the last good value stands and the wrong secret is refused as wrong.
    aws.emulator.inject('secrets', { kind: 'status', status: 500 }, 3);
    const refused = await redeem(body.authCode as string, verifier, 'not-the-secret');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
    const stale = aws.logs.json().filter((line) => line.message === 'secret.stale');
    expect(stale).toEqual([
      expect.objectContaining({
        level: 'WARN',
        secretKind: 'client',
        detail: expect.stringMatching(/^secretsmanager GetSecretValue: \w+ \(500/),
      }),
    ]);
    expect(aws.logs.metricNames()).toContain('StaleSecretServed');
    // The code was never touched, and the last good secret still authenticates.
    expect((await redeem(body.authCode as string, verifier)).status).toBe(200);
  });

  it('retries a throttled PutItem and issues the code', async () => {
    aws.emulator.aws.inject(
      'PutItem',
      awsError(400, DDB('ProvisionedThroughputExceededException')),
    );
    const code = await requestCode();
    expect(code.status).toBe(200);
    expect(aws.emulator.aws.calls.PutItem).toBe(2);
  });

  it('issues a code whose write committed and whose answer was lost, and the code redeems', async () => {
    aws.emulator.aws.inject('PutItem', { kind: 'lostAnswer' });
    const code = await requestCode();
    expect(code.status).toBe(200);
    expect(aws.emulator.aws.retries.PutItem).toBe(1);
    expect((await redeem(code.body.authCode as string, code.verifier)).status).toBe(200);
  });

  it('answers 503 with Retry-After once every attempt of PutItem is throttled, naming the call', async () => {
    aws.emulator.aws.inject('PutItem', awsError(400, DDB('ThrottlingException')), 3);
    const code = await requestCode();
    expect(code.status).toBe(503);
    expect(code.body).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(code.headers['retry-after']).toBe('1');
    expect(aws.emulator.aws.calls.PutItem).toBe(AWS_CALL_POLICY.maxAttempts);
    expect(loggedDetails()).toContainEqual(
      expect.stringMatching(
        /^dynamodb PutItem: ThrottlingException \(400, request id [0-9a-f-]{36}\)$/,
      ),
    );
  });

  it('answers temporarily_unavailable when the claim keeps failing, and the code is still good', async () => {
    const { body, verifier } = await requestCode();
    aws.emulator.aws.inject('UpdateItem', awsError(500, DDB('InternalServerError')), 3);
    const failed = await redeem(body.authCode as string, verifier);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(failed.headers['retry-after']).toBe('5');
    expect(loggedDetails()).toContainEqual(
      expect.stringMatching(/^dynamodb UpdateItem: InternalServerError \(500, request id /),
    );
    // The claim never happened: Genesys's retry redeems the code.
    expect((await redeem(body.authCode as string, verifier)).status).toBe(200);
  });

  it('redeems a code whose claim committed and whose answer was lost (the SDK’s retry finds its own claim)', async () => {
    const { body, verifier } = await requestCode();
    aws.emulator.aws.inject('UpdateItem', { kind: 'lostAnswer' });
    const redeemed = await redeem(body.authCode as string, verifier);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toMatchObject({ token_type: 'Bearer' });
    expect(aws.emulator.aws.calls.UpdateItem).toBe(2);
    expect(aws.emulator.aws.retries.UpdateItem).toBe(1);
  });

  it('gives a refresh whose rotation committed and whose answer was lost the one successor', async () => {
    const { body, verifier } = await requestCode();
    const tokens = await redeem(body.authCode as string, verifier);
    aws.emulator.aws.inject('UpdateItem', { kind: 'lostAnswer' });
    const refreshed = await refresh(tokens.body.refresh_token as string);
    expect(refreshed.status).toBe(200);
    expect(aws.emulator.aws.retries.UpdateItem).toBe(1);
    // Genesys's own retry within the grace gets the very same successor, and it refreshes.
    const again = await refresh(tokens.body.refresh_token as string);
    expect(again.body.refresh_token).toBe(refreshed.body.refresh_token);
    expect((await refresh(refreshed.body.refresh_token as string)).status).toBe(200);
  });

  it('retries a KMSInternalException and a slow Sign, and redeems', async () => {
    const { body, verifier } = await requestCode();
    aws.emulator.aws.inject('Sign', awsError(500, 'KMSInternalException'));
    aws.emulator.aws.inject('Sign', {
      kind: 'latency',
      ms: AWS_CALL_POLICY.requestTimeoutMs + 500,
    });
    const redeemed = await redeem(body.authCode as string, verifier);
    expect(redeemed.status).toBe(200);
    expect(aws.emulator.aws.calls.Sign).toBe(3);
  });

  it('says in the log that a code was spent when every Sign attempt is throttled', async () => {
    const { body, verifier } = await requestCode();
    aws.emulator.aws.inject('Sign', awsError(400, 'ThrottlingException'), 3);
    const failed = await redeem(body.authCode as string, verifier);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(loggedDetails()).toContainEqual(
      expect.stringMatching(
        /^kms Sign: ThrottlingException \(400, request id [0-9a-f-]{36}\); the code was already taken, so it is spent$/,
      ),
    );
    // Spent: Genesys's retry of the same code is invalid_grant, and Messenger asks for a new one.
    const again = await redeem(body.authCode as string, verifier);
    expect(again.body).toMatchObject({ error: 'invalid_grant' });
  });
});
