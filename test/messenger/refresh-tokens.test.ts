// Sessions that outlive one code, with openid-client as Genesys: a redemption starts a family of
// single-use refresh tokens; each refresh rotates it and keeps the sub; a rotated token presented
// again past the 30 s grace revokes the family; RFC 7009 revocation and the family's lifetime
// end it. Run with the in-memory store and with DynamoDB through the real SDK client.

import * as client from 'openid-client';
import { request } from 'undici';
import { DEV_OIDC_CREDENTIALS } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { awsBackedSettings, type EmulatedAws, startEmulatedAws } from '../fixtures/emulated-aws';
import { genesysClient, redeemAsGenesys, requestCodeAt } from '../fixtures/genesys-relying-party';
import { type ManualClock, manualClock } from '../fixtures/manual-clock';

const OIDC_SECRET_ID = 'genesys-guest-token-proxy/refresh-oidc';
const LIFETIME_SECONDS = 900;
let aws: EmulatedAws;
beforeAll(async () => {
  aws = await startEmulatedAws(OIDC_SECRET_ID);
});
afterAll(() => aws.close());

describe.each([
  ['the in-memory store', {}],
  ['DynamoDB through the AWS SDK', awsBackedSettings(OIDC_SECRET_ID)],
] as const)('refresh tokens with %s', (_backend, env) => {
  let stack: LocalStack;
  let clock: ManualClock;
  let config: client.Configuration;
  beforeAll(async () => {
    // Near real time, so openid-client's own checks of iat and exp hold.
    clock = manualClock(Date.now());
    stack = await startLocal(
      {
        GENESYS_PROFILE: 'messenger',
        PORT: '0',
        HOST: '127.0.0.1',
        OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: String(LIFETIME_SECONDS),
        ...env,
      },
      { emulator: aws.emulator, clock },
    );
    config = await genesysClient(stack.url);
  });
  afterAll(() => stack.close());

  /** The page asks for a code; openid-client, as Genesys, redeems it. */
  async function signIn() {
    const code = await requestCodeAt(stack.url, { name: 'Ada' });
    const tokens = await redeemAsGenesys(config, stack.url, code);
    aws.sent.push(code.verifier, code.authCode, tokens.access_token, tokens.refresh_token ?? '');
    return tokens;
  }

  const refresh = async (token: string) => {
    const tokens = await client.refreshTokenGrant(config, token);
    aws.sent.push(tokens.access_token, tokens.refresh_token ?? '', tokens.id_token ?? '');
    return tokens;
  };
  const refused = (token: string) =>
    expect(refresh(token)).rejects.toMatchObject({ error: 'invalid_grant' });

  it('advertises refresh tokens, offline_access and revocation in discovery', () => {
    const metadata = config.serverMetadata();
    expect(metadata.grant_types_supported).toContain('refresh_token');
    expect(metadata.scopes_supported).toContain('offline_access');
    expect(metadata.revocation_endpoint).toBe(`${stack.url}/oauth/revoke`);
  });

  it('refreshes five times in a row, each token once, the same sub every time', async () => {
    const first = await signIn();
    const sub = first.claims()?.sub;
    const used = [first.refresh_token as string];
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      const next = await refresh(used.at(-1) as string);
      const claims = next.claims();
      expect(claims?.sub).toBe(sub);
      expect(claims?.name).toBe('Ada');
      expect(claims).not.toHaveProperty('nonce');
      expect(next.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(used).not.toContain(next.refresh_token);
      used.push(next.refresh_token as string);
      // /userinfo with the new access token says the same.
      expect(await client.fetchUserInfo(config, next.access_token, sub ?? '')).toMatchObject({
        sub,
      });
    }
  });

  it('answers a retry within the grace with the same successor, and a reuse past it revokes the family', async () => {
    const first = await signIn();
    const rotated = first.refresh_token as string;
    const second = await refresh(rotated);
    // The answer was lost; Genesys tries again 10 s later and gets the same successor.
    clock.advance(10_000);
    const retried = await refresh(rotated);
    expect(retried.refresh_token).toBe(second.refresh_token);
    const third = await refresh(second.refresh_token as string);

    clock.advance(30_001);
    await refused(rotated);
    const reused = aws.logs.json().filter((line) => line.message === 'refresh-token.reused');
    expect(reused.at(-1)).toMatchObject({ level: 'WARN' });
    // The whole family is gone, the newest token too.
    await refused(third.refresh_token as string);
  });

  it('revokes a family with /oauth/revoke, and answers 200 for a token it does not know', async () => {
    const first = await signIn();
    await client.tokenRevocation(config, first.refresh_token as string);
    await refused(first.refresh_token as string);
    await expect(client.tokenRevocation(config, 'not-a-token-of-ours')).resolves.toBeUndefined();
  });

  it('refuses every token of a family past its lifetime, counted from the sign-in', async () => {
    const first = await signIn();
    clock.advance((LIFETIME_SECONDS - 60) * 1000);
    const later = await refresh(first.refresh_token as string);
    clock.advance(60_000);
    await refused(later.refresh_token as string);
  });

  it('refuses a client that is not ours, and the token stays good for its own', async () => {
    const first = await signIn();
    const stranger = await request(`${stack.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`another-client:${DEV_OIDC_CREDENTIALS.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token as string,
      }).toString(),
    });
    expect(stranger.statusCode).toBe(401);
    await stranger.body.dump();
    // Still good for its own client.
    await expect(refresh(first.refresh_token as string)).resolves.toBeDefined();
  });
});
