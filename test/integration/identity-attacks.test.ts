// Every attack on known customers that the security review lists, each refused with its
// documented code before anything is minted, its reason in the log at WARN and never the token,
// the subject or the email (the harness sweeps every line). Real tokens come from a real OpenID
// provider (oidc-provider); what an attacker would forge, the test forges as an attacker would.

import { createHmac, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { SITE_CLIENT_ID, SiteIdp } from '../../dev/site-idp';
import { type Harness, startHarness } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';
import { type OidcSiteIdp, startOidcSiteIdp } from '../fixtures/oidc-site-idp';
import { accountValues, SITE_ACCOUNTS, TEST_SUBJECT_KEY } from '../fixtures/site-accounts';

const ACCOUNT = 'site-user-ada-0001';
let idp: OidcSiteIdp;
let otherIdp: OidcSiteIdp;
const tokens: string[] = [];
beforeAll(async () => {
  [idp, otherIdp] = await Promise.all([
    startOidcSiteIdp(SITE_ACCOUNTS),
    startOidcSiteIdp(SITE_ACCOUNTS),
  ]);
});
afterAll(() => Promise.all([idp.close(), otherIdp.close()]));

let h: Harness;
afterEach(() => h.close());

async function harness(entry: Record<string, unknown> = {}, start = Date.now()): Promise<Harness> {
  return startHarness({
    clock: manualClock(start),
    env: {
      SITE_IDENTITY_ISSUERS: JSON.stringify([
        { issuer: idp.issuer, audience: idp.clientId, ...entry },
      ]),
    },
    subjectKey: async () => TEST_SUBJECT_KEY,
    sensitive: () => [...tokens, ...accountValues()],
  });
}

async function realToken(from = idp, asClient?: string): Promise<string> {
  const token = await from.signIn(ACCOUNT, asClient);
  tokens.push(token);
  return token;
}

const CRIT_EXTENSION = 'urn:example:must-understand';
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const partsOf = (token: string) => token.split('.') as [string, string, string];
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(partsOf(token)[1], 'base64url').toString()) as Record<string, unknown>;

/** A token the attacker signed with a key of their own, claiming what a real one claims. */
async function forged(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const token = await new SignJWT(claims)
    .setProtectedHeader({
      alg: 'RS256',
      kid: randomUUID(),
      ...Object.fromEntries(
        Object.entries(header).map(([name, value]) => [
          name,
          value === 'ATTACKER_JWK' ? jwk : value,
        ]),
      ),
    })
    // jose itself would refuse to sign an unknown critical extension; mark ours as understood.
    .sign(privateKey, { crit: header.crit ? { [CRIT_EXTENSION]: true } : undefined });
  tokens.push(token);
  return token;
}

/** Sends the token and expects the one refusal, nothing minted, and the reason at WARN. */
async function expectRefused(token: string, reason: RegExp): Promise<void> {
  const mints = h.emulator.calls.mint;
  const answer = await h.invoke({ body: { name: 'Typed Name', identityToken: token } });
  expect(answer.status).toBe(401);
  expect(answer.body.error).toEqual({
    code: 'IDENTITY_TOKEN_INVALID',
    message: 'The identity token was not accepted; sign in again',
    requestId: expect.any(String),
  });
  expect(h.emulator.calls.mint).toBe(mints);
  const refused = h.logs.json().filter((line) => line.message === 'guest-token.refused');
  expect(refused.at(-1)).toMatchObject({
    level: 'WARN',
    audit: { reason: expect.stringMatching(reason) },
  });
}

describe('known customers: forged and misused tokens are refused with 401 IDENTITY_TOKEN_INVALID', () => {
  it('refuses alg "none"', async () => {
    h = await harness();
    const claims = claimsOf(await realToken());
    await expectRefused(`${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.e30`, /algorithm/);
  });

  it('refuses HS256 signed with the issuer’s public key', async () => {
    h = await harness();
    const real = await realToken();
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: unknown[] };
    const head = part({ alg: 'HS256', typ: 'JWT' });
    const body = part(claimsOf(real));
    const mac = createHmac('sha256', JSON.stringify(jwks.keys[0]))
      .update(`${head}.${body}`)
      .digest('base64url');
    await expectRefused(`${head}.${body}.${mac}`, /algorithm/);
  });

  it.each([
    ['jwk', 'ATTACKER_JWK'],
    ['jku', 'https://attacker.example/jwks.json'],
    ['x5u', 'https://attacker.example/cert.pem'],
    ['x5c', ['MIIBattacker']],
  ])('refuses a key injected through the %s header', async (name, value) => {
    h = await harness();
    const claims = claimsOf(await realToken());
    await expectRefused(await forged(claims, { [name]: value }), /key in header/);
  });

  it('refuses a crit header', async () => {
    h = await harness();
    const claims = claimsOf(await realToken());
    await expectRefused(
      await forged(claims, { crit: [CRIT_EXTENSION], [CRIT_EXTENSION]: true }),
      /crit/,
    );
  });

  it('refuses unknown kids, refetching the JWKS at most once a minute however many arrive', async () => {
    h = await harness();
    expect((await h.invoke({ body: { identityToken: await realToken() } })).status).toBe(200);
    const fetches = idp.jwksFetches;
    h.clock.advance(60_000);
    for (let i = 0; i < 5; i++) {
      await expectRefused(
        await forged(claimsOf(await realToken())),
        /unknown key|signature|ERR_JWKS/,
      );
    }
    expect(idp.jwksFetches).toBe(fetches + 1);
  });

  it('refuses a valid token of an issuer it does not trust', async () => {
    h = await harness();
    await expectRefused(await realToken(otherIdp), /^issuer$/);
  });

  it('refuses a valid token of the same issuer for another client (aud)', async () => {
    h = await harness();
    await expectRefused(await realToken(idp, 'another-app'), /audience/);
  });

  it('refuses a valid signature over a changed payload', async () => {
    h = await harness();
    const [head, , signature] = partsOf(await realToken());
    const changed = { ...claimsOf(await realToken()), email: 'someone.else@example.com' };
    await expectRefused(`${head}.${part(changed)}.${signature}`, /signature/);
  });

  it('refuses an expired token', async () => {
    h = await harness();
    const token = await realToken();
    h.clock.advance((3600 + 61) * 1000);
    await expectRefused(token, /expired/);
  });

  it('refuses a token issued in the future (not yet valid)', async () => {
    h = await harness({}, Date.now() - 10 * 60_000);
    await expectRefused(await realToken(), /future|not yet valid/);
  });

  it('refuses a sign-in older than maxAgeSeconds', async () => {
    h = await harness({ maxAgeSeconds: 300 });
    const token = await realToken();
    h.clock.advance(361_000);
    await expectRefused(token, /too old/);
  });

  it.each([
    ['a trailing slash', (issuer: string) => `${issuer}/`],
    ['case', (issuer: string) => issuer.toUpperCase()],
  ])('refuses an issuer that differs only by %s', async (_case, alter) => {
    h = await harness();
    const claims = { ...claimsOf(await realToken()), iss: alter(idp.issuer) };
    await expectRefused(await forged(claims), /^issuer$/);
  });

  it('refuses a token of 6,001 characters with 400 INVALID_REQUEST, before any check', async () => {
    h = await harness();
    const long = `${part({ alg: 'RS256' })}.${'A'.repeat(6001)}.sig`.slice(0, 6001);
    const answer = await h.invoke({ body: { identityToken: long } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_REQUEST');
    expect(answer.body.error.message).toMatch(/^identityToken: /);
  });
});

describe('known customers: the stand-in IdP for what a real one will not serve', () => {
  let site: SiteIdp;
  beforeEach(async () => {
    site = await SiteIdp.start();
    h = await startHarness({
      clock: manualClock(Date.now()),
      env: { SITE_IDENTITY_ISSUERS: JSON.stringify([site.issuerEntry()]) },
      subjectKey: async () => TEST_SUBJECT_KEY,
      sensitive: () => site.issued,
    });
  });
  afterEach(() => site.close());

  it.each([
    ['huge', { kind: 'huge' }],
    ['not JSON', { kind: 'notJson' }],
    [
      'a redirect elsewhere',
      { kind: 'status', status: 302, location: 'https://attacker.example/jwks' },
    ],
    ['slow', { kind: 'latency', ms: 4_000 }],
    ['a 500', { kind: 'status', status: 500 }],
  ] as const)('when the JWKS answer is %s', async (_case, fault) => {
    site.inject('jwks', fault);
    const answer = await h.invoke({ body: { identityToken: await site.signIn('ada') } });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('IDENTITY_UNAVAILABLE');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(h.emulator.calls.mint).toBe(0);
    // Nothing was cached from the failure: the next request reads the key set and succeeds.
    expect((await h.invoke({ body: { identityToken: await site.signIn('ada') } })).status).toBe(
      200,
    );
  });

  // oidc-provider issues single-audience id_tokens; the stand-in signs a validly signed
  // multi-audience one, as some IdPs issue them for a client and an API at once.
  it('refuses a token for several audiences whose azp is not ours, and takes one whose azp is', async () => {
    const aud = [SITE_CLIENT_ID, 'https://api.brand.example'];
    const answer = await h.invoke({
      body: { identityToken: await site.signIn('ada', { aud, azp: 'https://api.brand.example' }) },
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('IDENTITY_TOKEN_INVALID');
    const refused = h.logs.json().filter((line) => line.message === 'guest-token.refused');
    expect(refused.at(-1)).toMatchObject({ audit: { reason: 'authorized party' } });
    const ours = await h.invoke({
      body: { identityToken: await site.signIn('ada', { aud, azp: SITE_CLIENT_ID }) },
    });
    expect(ours.status).toBe(200);
  });

  it('when the discovery document cannot be read', async () => {
    site.inject('discovery', { kind: 'status', status: 404 });
    const answer = await h.invoke({ body: { identityToken: await site.signIn('ada') } });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('IDENTITY_UNAVAILABLE');
  });
});
