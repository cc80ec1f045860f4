// Sign-out at the site ends the customer's sessions here: oidc-provider, as the site's IdP, signs
// a customer in, then ends the session, and its own back-channel logout reaches
// /backchannel-logout; the customer's next refresh is refused, another customer's is not, and the
// site token from before the logout starts no new session. A logout naming a `sid` ends that site
// session only. The code table is DynamoDB through the real SDK (the emulator's stand-in), so a
// failed or committed-then-lost write is injected at the AWS API: the logout fails closed and
// the IdP's retry is taken. Forged, replayed, nonce-carrying and event-less logout tokens get 400
// and revoke nothing.

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { request } from 'undici';
import { awsError } from '../../dev/kms';
import { type LocalStack, startLocal } from '../../dev/server';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../lambda/steps/site-identity/verify-logout-token';
import { awsBackedSettings, type EmulatedAws, startEmulatedAws } from '../fixtures/emulated-aws';
import { genesysClient, redeemAsGenesys, requestCodeAt } from '../fixtures/genesys-relying-party';
import { manualClock } from '../fixtures/manual-clock';
import { type OidcSiteIdp, startOidcSiteIdp } from '../fixtures/oidc-site-idp';
import { accountValues, SITE_ACCOUNTS, type SiteAccountId } from '../fixtures/site-accounts';

const OIDC_SECRET_ID = 'genesys-guest-token-proxy/logout-oidc';
let aws: EmulatedAws;
let idp: OidcSiteIdp;
let stack: LocalStack;
let relay: Server;
let relayUri: string;
/** The logout tokens the IdP sent, as they reached us (the relay records them). */
const delivered: string[] = [];
const sent: string[] = [];
const clock = manualClock(Date.now());
const DDB = (type: string) => `com.amazonaws.dynamodb.v20120810#${type}`;

beforeAll(async () => {
  [aws, idp] = await Promise.all([
    startEmulatedAws(OIDC_SECRET_ID),
    startOidcSiteIdp(SITE_ACCOUNTS),
  ]);
  stack = await startLocal(
    {
      GENESYS_PROFILE: 'messenger',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '1000',
      SITE_IDENTITY_ISSUERS: JSON.stringify([
        { issuer: idp.issuer, audience: idp.clientId, backchannelLogout: true },
      ]),
      ...awsBackedSettings(OIDC_SECRET_ID),
    },
    { emulator: aws.emulator, clock },
  );
  // A relay in front of /backchannel-logout that keeps a copy of each body, so a test can replay it.
  relay = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    delivered.push(new URLSearchParams(body).get('logout_token') ?? '');
    const answer = await post(body);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUri = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/backchannel-logout`;
  await idp.enableBackchannelLogout(relayUri);
});
beforeEach(() => aws.emulator.clearFaults());
afterAll(async () => {
  relay.closeAllConnections();
  relay.close();
  await stack.close();
  await idp.close();
  // No token, sid, subject or account value in any log line (close() throws if one is).
  aws.sent.push(...sent.filter(Boolean), ...delivered, ...accountValues());
  await aws.close();
});

async function post(body: string) {
  const answer = await request(`${stack.url}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return {
    status: answer.statusCode,
    cacheControl: answer.headers['cache-control'],
    text: await answer.body.text(),
  };
}
const logoutWith = (token: string) => post(new URLSearchParams({ logout_token: token }).toString());

/** The customer signs in at the site, the page asks for a code, Genesys redeems it. */
async function session(account: SiteAccountId) {
  const identityToken = await idp.signIn(account);
  const sid = decodeJwt(identityToken).sid as string | undefined;
  if (sid) sent.push(sid);
  const code = await requestCodeAt(stack.url, { identityToken });
  const config = await genesysClient(stack.url);
  const tokens = await redeemAsGenesys(config, stack.url, code);
  const sub = tokens.claims()?.sub as string;
  sent.push(identityToken, code.authCode, tokens.access_token, tokens.refresh_token ?? '', sub);
  let refreshToken = tokens.refresh_token as string;
  return {
    identityToken,
    sid,
    /** Genesys checks the session is still valid: a refresh, as it does on every page load. */
    async stillValid(): Promise<boolean> {
      try {
        const next = await client.refreshTokenGrant(config, refreshToken);
        refreshToken = next.refresh_token as string;
        sent.push(next.access_token, refreshToken);
        return true;
      } catch (error) {
        if ((error as { error?: string }).error === 'invalid_grant') return false;
        throw error;
      }
    },
  };
}

const logoutClaims = (overrides: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: idp.clientId,
  iat: Math.floor(clock() / 1000),
  jti: randomUUID(),
  sub: 'site-user-ada-0001',
  events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  ...overrides,
});

/** How far every clock has been moved on: ours, and the IdP's through Date.now. */
let ahead = 0;
const realNow = Date.now.bind(Date);
const dateNow = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ahead);
afterAll(() => dateNow.mockRestore());
/** A later second at the site (its sign-ins and logout tokens count in whole seconds). */
function later(ms: number) {
  clock.advance(ms);
  ahead += ms;
}

const refusedAtCodeRequest = (identityToken: string) =>
  expect(requestCodeAt(stack.url, { identityToken })).rejects.toThrow('401 IDENTITY_TOKEN_INVALID');

describe('back-channel logout from the site’s IdP', () => {
  it('ends the signed-out customer’s sessions and nobody else’s, and closes the door behind it', async () => {
    const ada = await session('site-user-ada-0001');
    const adaElsewhere = await session('site-user-ada-0001');
    const grace = await session('site-user-grace-0002');
    expect(await ada.stillValid()).toBe(true);

    await idp.endSession('site-user-ada-0001'); // throws unless we answered 200
    expect(delivered.length).toBe(1);
    expect(await ada.stillValid()).toBe(false);
    expect(await adaElsewhere.stillValid()).toBe(false);
    expect(await grace.stillValid()).toBe(true);
    // The site token from before the logout (still within its age limit) opens no new session.
    await refusedAtCodeRequest(ada.identityToken);
    expect(
      aws.logs
        .json()
        .filter((line) => line.message === 'guest-token.refused')
        .at(-1),
    ).toMatchObject({ audit: expect.objectContaining({ reason: 'signed out since' }) });
    // Signing in again after the sign-out (a moment later) works.
    later(2_000);
    expect(await (await session('site-user-ada-0001')).stillValid()).toBe(true);
    expect(aws.logs.json().filter((line) => line.message === 'backchannel-logout')).toEqual([
      expect.objectContaining({ audit: expect.objectContaining({ scope: 'customer' }) }),
    ]);
  });

  it.each([
    ['its first write', 0],
    ['its second write', 1],
  ])(
    'fails closed: a logout whose %s failed is a 503, and the IdP’s retry ends the sessions',
    async (_name, before) => {
      const ada = await session('site-user-ada-0001');
      // Every attempt of one of its writes (the sign-out, the jti record) fails inside DynamoDB.
      aws.emulator.aws.inject('PutItem', { kind: 'latency', ms: 0 }, before);
      aws.emulator.aws.inject('PutItem', awsError(500, DDB('InternalServerError')), 3);
      await expect(idp.endSession('site-user-ada-0001')).rejects.toThrow();
      const token = delivered.at(-1) as string;
      // The IdP sends the same logout token again: it is taken, not refused as seen before.
      const retried = await logoutWith(token);
      expect(retried.status).toBe(200);
      expect(await ada.stillValid()).toBe(false);
      // And only then is it a replay.
      expect((await logoutWith(token)).status).toBe(400);
      later(2_000);
    },
  );

  it('takes a logout whose writes committed and whose answers were lost (the SDK retries them)', async () => {
    const ada = await session('site-user-ada-0001');
    aws.emulator.aws.inject('PutItem', { kind: 'lostAnswer' }, 2);
    await idp.endSession('site-user-ada-0001');
    expect(aws.emulator.aws.retries.PutItem).toBeGreaterThanOrEqual(2);
    expect(await ada.stillValid()).toBe(false);
    later(2_000);
  });

  it('never takes a logout token as an identity token', async () => {
    // Everything an identity token needs (exp too), from the trusted IdP: only what makes it a
    // logout token (its events claim, or its typ) tells them apart.
    const exp = Math.floor(clock() / 1000) + 120;
    await refusedAtCodeRequest(await idp.sign(logoutClaims({ exp })));
    const typed = await idp.sign(logoutClaims({ exp, events: undefined }), { typ: 'logout+jwt' });
    await refusedAtCodeRequest(typed);
    const untyped = await idp.sign(logoutClaims({ exp }), { typ: 'JWT' });
    await refusedAtCodeRequest(untyped);
    const reasons = aws.logs
      .json()
      .filter((line) => line.message === 'guest-token.refused')
      .slice(-3)
      .map((line) => (line.audit as { reason?: string }).reason);
    expect(reasons).toEqual(['a logout token', 'a logout token', 'a logout token']);
  });

  it.each([
    ['replayed (the jti seen before)', async () => delivered[0] as string],
    ['carrying a nonce', () => idp.sign(logoutClaims({ nonce: 'n' }))],
    ['without the logout event', () => idp.sign(logoutClaims({ events: {} }))],
    ['without events', () => idp.sign(logoutClaims({ events: undefined }))],
    ['without a sub or sid', () => idp.sign(logoutClaims({ sub: undefined }))],
    ['for another audience', () => idp.sign(logoutClaims({ aud: 'another-app' }))],
    ['issued minutes ago', () => idp.sign(logoutClaims({ iat: Math.floor(clock() / 1000) - 600 }))],
    [
      'forged with a key the IdP never published',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        const jwk = await exportJWK(publicKey);
        return new SignJWT(logoutClaims())
          .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', jwk })
          .sign(privateKey);
      },
    ],
    [
      'signed with the right kid but another key',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const real = await idp.sign(logoutClaims());
        const { kid } = JSON.parse(
          Buffer.from(real.split('.')[0] as string, 'base64url').toString(),
        );
        return new SignJWT(logoutClaims())
          .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid })
          .sign(privateKey);
      },
    ],
    ['not a JWT', async () => 'not-a-token'],
  ])('answers 400 to a logout token %s, and revokes nothing', async (_name, make) => {
    const grace = await session('site-user-grace-0002');
    const token = await make();
    const answer = await logoutWith(token);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' });
    expect(answer.cacheControl).toBe('no-store');
    expect(await grace.stillValid()).toBe(true);
    const refused = aws.logs.json().filter((line) => line.message === 'backchannel-logout.refused');
    expect(refused.at(-1)).toMatchObject({ level: 'WARN' });
  });

  it('answers 400 without a logout_token, and 405 to anything but POST', async () => {
    expect((await post('')).status).toBe(400);
    const get = await request(`${stack.url}/backchannel-logout`);
    expect(get.statusCode).toBe(405);
    await get.body.dump();
  });
});

// Last: the site's client now asks for session-scoped logout, so its id_tokens carry `sid`.
describe('back-channel logout naming a site session (sid)', () => {
  beforeAll(() => idp.enableBackchannelLogout(relayUri, { sessionRequired: true }));

  it('ends the session begun with that sid and leaves the customer’s other sessions', async () => {
    later(2_000);
    const phone = await session('site-user-ada-0001');
    const laptop = await session('site-user-ada-0001');
    expect(phone.sid).toEqual(expect.any(String));
    expect(phone.sid).not.toBe(laptop.sid);

    await idp.endSession('site-user-ada-0001', phone.sid); // names sub and sid
    expect(await phone.stillValid()).toBe(false);
    expect(await laptop.stillValid()).toBe(true);
    // The door closes for that site session only.
    await refusedAtCodeRequest(phone.identityToken);
    await expect(
      requestCodeAt(stack.url, { identityToken: laptop.identityToken }),
    ).resolves.toEqual(expect.objectContaining({ authCode: expect.any(String) }));
    expect(
      aws.logs
        .json()
        .filter((line) => line.message === 'backchannel-logout')
        .at(-1),
    ).toEqual(expect.objectContaining({ audit: expect.objectContaining({ scope: 'session' }) }));
  });

  it('ends the session a token naming only the sid names', async () => {
    later(2_000);
    const tablet = await session('site-user-ada-0001');
    const answer = await logoutWith(
      await idp.sign(logoutClaims({ sub: undefined, sid: tablet.sid })),
    );
    expect(answer.status).toBe(200);
    expect(await tablet.stillValid()).toBe(false);
  });
});
