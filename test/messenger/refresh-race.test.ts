// Two containers of one fleet (two local servers sharing the emulator's DynamoDB through the
// real SDK client) race 50 refreshes of one refresh token: every answer carries the same
// successor, and past the grace window exactly one live token of the family is left.

import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { DEV_OIDC_CREDENTIALS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { awsBackedSettings, type EmulatedAws, startEmulatedAws } from '../fixtures/emulated-aws';
import { manualClock } from '../fixtures/manual-clock';

const OIDC_SECRET_ID = 'genesys-guest-token-proxy/race-oidc';
const BASIC = `Basic ${Buffer.from(`${DEV_OIDC_CREDENTIALS.clientId}:${DEV_OIDC_CREDENTIALS.clientSecret}`).toString('base64')}`;
const clock = manualClock(Date.now());
let aws: EmulatedAws;
let servers: LocalStack[];

beforeAll(async () => {
  aws = await startEmulatedAws(OIDC_SECRET_ID);
  const env = {
    GENESYS_PROFILE: 'messenger',
    PORT: '0',
    HOST: '127.0.0.1',
    OIDC_ISSUER: 'http://127.0.0.1/fleet',
    OIDC_REDIRECT_URIS: 'https://www.example.com/',
    ALLOWED_ORIGINS: 'https://www.example.com',
    ...awsBackedSettings(OIDC_SECRET_ID),
  };
  servers = await Promise.all([
    startLocal(env, { emulator: aws.emulator, clock }),
    startLocal(env, { emulator: aws.emulator, clock }),
  ]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await aws.close();
});

async function token(server: LocalStack, form: Record<string, string>) {
  const answer = await request(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
    body: new URLSearchParams(form).toString(),
  });
  return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, string> };
}

it('gives 50 racing refreshes at two servers one successor, and leaves one live token', async () => {
  const [a, b] = servers as [LocalStack, LocalStack];
  const verifier = randomBytes(32).toString('base64url');
  const code = await request(`${a.url}/guest-token`, {
    method: 'POST',
    headers: {
      origin: 'https://www.example.com',
      'content-type': 'application/json',
      'user-agent': 'Mozilla/5.0',
    },
    body: JSON.stringify({
      nonce: randomBytes(16).toString('base64url'),
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
    }),
  });
  const { authCode } = (await code.body.json()) as { authCode: string };
  const redeemed = await token(b, {
    grant_type: 'authorization_code',
    code: authCode,
    redirect_uri: 'https://www.example.com/',
    code_verifier: verifier,
  });
  expect(redeemed.status).toBe(200);
  const original = redeemed.body.refresh_token as string;

  aws.emulator.resetCounters();
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      token(i % 2 ? a : b, { grant_type: 'refresh_token', refresh_token: original }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
  const successors = new Set(answers.map((answer) => answer.body.refresh_token));
  expect(successors.size).toBe(1);
  // Whoever lost the conditional rotation answered as a retry within the grace.
  expect(aws.emulator.aws.calls.UpdateItem).toBeGreaterThanOrEqual(1);

  clock.advance(30_001);
  const [successor] = successors as Set<string>;
  // The successor is the one live token: it refreshes; the original, presented now, is refused.
  expect(
    (await token(a, { grant_type: 'refresh_token', refresh_token: successor as string })).status,
  ).toBe(200);
  const replay = await token(b, { grant_type: 'refresh_token', refresh_token: original });
  expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
});
