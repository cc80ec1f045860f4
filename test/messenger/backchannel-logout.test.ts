// Sign-out at the site ends the customer's sessions here: oidc-provider, as the site's IdP, signs
// a customer in, then ends the session, and its own back-channel logout reaches
// /backchannel-logout; the customer's next refresh is refused, another customer's is not.
// Forged, replayed, nonce-carrying and event-less logout tokens get 400 and revoke nothing.

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { request } from 'undici';
import { GenesysEmulator } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../lambda/steps/site-identity/verify-logout-token';
import { genesysClient, redeemAsGenesys, requestCodeAt } from '../fixtures/genesys-relying-party';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';
import { manualClock } from '../fixtures/manual-clock';
import { type OidcSiteIdp, startOidcSiteIdp } from '../fixtures/oidc-site-idp';
import { accountValues, SITE_ACCOUNTS, type SiteAccountId } from '../fixtures/site-accounts';

let emulator: GenesysEmulator;
let idp: OidcSiteIdp;
let stack: LocalStack;
let logs: LogCapture;
let relay: Server;
/** The logout tokens the IdP sent, as they reached us (the relay records them). */
const delivered: string[] = [];
const sent: string[] = [];
const clock = manualClock(Date.now());

beforeAll(async () => {
  logs = captureLogs();
  [emulator, idp] = await Promise.all([GenesysEmulator.start(), startOidcSiteIdp(SITE_ACCOUNTS)]);
  stack = await startLocal(
    {
      GENESYS_PROFILE: 'messenger',
      PORT: '0',
      HOST: '127.0.0.1',
      SITE_IDENTITY_ISSUERS: JSON.stringify([
        { issuer: idp.issuer, audience: idp.clientId, backchannelLogout: true },
      ]),
    },
    { emulator, clock },
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
  await idp.enableBackchannelLogout(
    `http://127.0.0.1:${(relay.address() as AddressInfo).port}/backchannel-logout`,
  );
});
afterAll(async () => {
  relay.closeAllConnections();
  relay.close();
  await stack.close();
  await Promise.all([emulator.close(), idp.close()]);
  logs.restore();
  const leaked = [...sent, ...delivered, ...accountValues()].filter((value) =>
    logs.lines.some((line) => line.includes(value)),
  );
  expect(leaked).toEqual([]);
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
  const code = await requestCodeAt(stack.url, { identityToken });
  const config = await genesysClient(stack.url);
  const tokens = await redeemAsGenesys(config, stack.url, code);
  const sub = tokens.claims()?.sub as string;
  sent.push(identityToken, code.authCode, tokens.access_token, tokens.refresh_token ?? '', sub);
  let refreshToken = tokens.refresh_token as string;
  return {
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

describe('back-channel logout from the site’s IdP', () => {
  it('ends the signed-out customer’s sessions and nobody else’s', async () => {
    const ada = await session('site-user-ada-0001');
    const adaElsewhere = await session('site-user-ada-0001');
    const grace = await session('site-user-grace-0002');
    expect(await ada.stillValid()).toBe(true);

    await idp.endSession('site-user-ada-0001'); // throws unless we answered 200
    expect(delivered.length).toBe(1);
    expect(await ada.stillValid()).toBe(false);
    expect(await adaElsewhere.stillValid()).toBe(false);
    expect(await grace.stillValid()).toBe(true);
    // Signing in again after the sign-out (a moment later) works.
    clock.advance(1_000);
    expect(await (await session('site-user-ada-0001')).stillValid()).toBe(true);
    expect(logs.json().filter((line) => line.message === 'backchannel-logout')).toEqual([
      expect.objectContaining({ audit: expect.objectContaining({ revoked: true }) }),
    ]);
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
    const refused = logs.json().filter((line) => line.message === 'backchannel-logout.refused');
    expect(refused.at(-1)).toMatchObject({ level: 'WARN' });
  });

  it('answers 400 without a logout_token, and 405 to anything but POST', async () => {
    expect((await post('')).status).toBe(400);
    const get = await request(`${stack.url}/backchannel-logout`);
    expect(get.statusCode).toBe(405);
    await get.body.dump();
  });
});
