// Known customers in the guest-api profile, against a real OpenID provider playing the site's
// sign-in (test/fixtures/oidc-site-idp.ts): the customer signs in there, the page sends the
// id_token, and the Guest API receives the verified name and email, never the typed ones. Every
// captured log line is swept for the tokens, subjects, emails and names.

import { type Harness, startHarness } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';
import { type OidcSiteIdp, startOidcSiteIdp } from '../fixtures/oidc-site-idp';
import {
  accountValues,
  SITE_ACCOUNTS,
  type SiteAccountId,
  TEST_SUBJECT_KEY,
} from '../fixtures/site-accounts';

let idp: OidcSiteIdp;
const tokens: string[] = [];
beforeAll(async () => {
  idp = await startOidcSiteIdp(SITE_ACCOUNTS);
});
afterAll(() => idp.close());

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({
    // The IdP signs with the real time; the chain's clock starts there and moves by hand.
    clock: manualClock(Date.now()),
    env: {
      SITE_IDENTITY_ISSUERS: JSON.stringify([{ issuer: idp.issuer, audience: idp.clientId }]),
      ...env,
    },
    subjectKey: async () => TEST_SUBJECT_KEY,
    sensitive: () => [...tokens, ...accountValues()],
  });
}

async function signIn(account: SiteAccountId): Promise<string> {
  const token = await idp.signIn(account);
  tokens.push(token);
  return token;
}

describe('known customers, guest-api profile', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('mints a guest whose member name and email are the ones the site verified, not the typed ones', async () => {
    h = await harness();
    const answer = await h.invoke({
      body: {
        name: 'Typed Name',
        email: 'typed.address@example.com',
        identityToken: await signIn('site-user-ada-0001'),
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accessToken).toMatch(/^eyJ/);
    expect(h.emulator.received.at(-1)).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
    });
    const issued = h.logs.json().find((line) => line.message === 'guest-token.issued');
    expect(issued?.audit).toMatchObject({ visitor: 'customer', issuer: idp.issuer });
  });

  it.each([
    ['false', 'site-user-mallory-0003'],
    ['absent', 'site-user-nameless-0004'],
    ['the string "false"', 'site-user-eve-0005'],
  ] as const)('forwards no email when email_verified is %s', async (_case, account) => {
    h = await harness();
    const answer = await h.invoke({
      body: { email: 'typed.address@example.com', identityToken: await signIn(account) },
    });
    expect(answer.status).toBe(200);
    expect(h.emulator.received.at(-1)).not.toHaveProperty('email');
  });

  it('takes the string "true" as verified, and composes the name from its parts', async () => {
    h = await harness();
    await h.invoke({ body: { identityToken: await signIn('site-user-grace-0002') } });
    expect(h.emulator.received.at(-1)).toMatchObject({
      name: 'Grace Hopper',
      email: 'grace.hopper@example.org',
    });
  });

  it('uses the typed name only when the token names no one', async () => {
    h = await harness();
    await h.invoke({
      body: { name: 'Typed Person', identityToken: await signIn('site-user-nameless-0004') },
    });
    expect(h.emulator.received.at(-1)?.name).toBe('Typed Person');
  });

  it('leaves anonymous guests exactly as they were', async () => {
    h = await harness();
    const fetches = idp.jwksFetches;
    const answer = await h.invoke({
      body: { name: 'Anon Visitor', email: 'anon.visitor@example.com' },
    });
    expect(answer.status).toBe(200);
    expect(h.emulator.received.at(-1)).toMatchObject({
      name: 'Anon Visitor',
      email: 'anon.visitor@example.com',
    });
    const issued = h.logs.json().find((line) => line.message === 'guest-token.issued');
    expect(issued?.audit).toMatchObject({ visitor: 'guest' });
    expect(issued?.audit).not.toHaveProperty('issuer');
    expect(idp.jwksFetches).toBe(fetches); // a guest costs no key fetch
  });

  it('picks up a key the IdP rotated mid-run, refetching its JWKS at most once a minute', async () => {
    h = await harness();
    expect(
      (await h.invoke({ body: { identityToken: await signIn('site-user-ada-0001') } })).status,
    ).toBe(200);
    const fetches = idp.jwksFetches;

    await idp.rotateKey(); // the old key leaves the JWKS
    const afterRotation = await signIn('site-user-ada-0001');
    // The key set was read less than a minute ago: the unknown kid costs no fetch.
    const tooSoon = await h.invoke({ body: { identityToken: afterRotation } });
    expect(tooSoon.status).toBe(401);
    expect(tooSoon.body.error.code).toBe('IDENTITY_TOKEN_INVALID');
    expect(idp.jwksFetches).toBe(fetches);

    h.clock.advance(60_000);
    expect((await h.invoke({ body: { identityToken: afterRotation } })).status).toBe(200);
    expect(idp.jwksFetches).toBe(fetches + 1);
    // The token signed before the rotation no longer verifies: its key is gone.
    const before = tokens.at(-2) as string;
    expect((await h.invoke({ body: { identityToken: before } })).status).toBe(401);
  });

  it('refuses anonymous requests where only customers are served, and serves customers', async () => {
    h = await harness({ SITE_IDENTITY_REQUIRED: 'true' });
    const anonymous = await h.invoke({ body: { name: 'Anon Visitor' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('IDENTITY_REQUIRED');
    expect(h.emulator.calls.mint).toBe(0);
    const customer = await h.invoke({
      body: { identityToken: await signIn('site-user-ada-0001') },
    });
    expect(customer.status).toBe(200);
  });

  it('refuses an identity token where no issuer is configured, with a 400 that says so', async () => {
    h = await startHarness({ sensitive: () => tokens });
    const answer = await h.invoke({ body: { identityToken: await signIn('site-user-ada-0001') } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'identityToken: this service takes no identity tokens',
    });
    expect(h.emulator.calls.mint).toBe(0);
  });
});
