// Known customers in the messenger profile, end to end over real HTTP: a real OpenID provider
// (oidc-provider) plays each site's sign-in, the page sends its id_token with the code request
// to `npm start`'s stack, and openid-client, playing Genesys, redeems the code at our token
// endpoint and reads /userinfo. The claims Genesys gets are the verified ones: a pairwise `sub`
// (stable across sign-ins, different per issuer) or the site's own, email and phone only when
// verified. Anonymous guests are as before.

import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { request } from 'undici';
import { GenesysEmulator } from '../../dev/genesys-emulator';
import { DEV_SUBJECT_KEY, type LocalStack, startLocal } from '../../dev/server';
import { IDENTITY_CLAIM_NAMES } from '../../lambda/profiles/messenger/tokens';
import { pairwiseSubject } from '../../lambda/steps/site-identity/customer-claims';
import { genesysClient, redeemAsGenesys, requestCodeAt } from '../fixtures/genesys-relying-party';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';
import { manualClock } from '../fixtures/manual-clock';
import { type OidcSiteIdp, startOidcSiteIdp } from '../fixtures/oidc-site-idp';
import { accountValues, SITE_ACCOUNTS, type SiteAccountId } from '../fixtures/site-accounts';

let emulator: GenesysEmulator;
let brand: OidcSiteIdp;
let partner: OidcSiteIdp;
let logs: LogCapture;
const sent: string[] = [];

beforeAll(async () => {
  logs = captureLogs();
  [emulator, brand, partner] = await Promise.all([
    GenesysEmulator.start(),
    startOidcSiteIdp(SITE_ACCOUNTS),
    startOidcSiteIdp(SITE_ACCOUNTS),
  ]);
});
afterAll(async () => {
  await Promise.all([emulator.close(), brand.close(), partner.close()]);
  logs.restore();
  // Nothing of an identity token, a code, a token or a customer reaches a log line.
  const leaked = [...sent, ...accountValues()].filter((value) =>
    logs.lines.some((line) => line.includes(value)),
  );
  expect(leaked).toEqual([]);
});

// The stack's clock starts at the real time (the IdP signs with it) and moves by hand.
const clock = manualClock(Date.now());

async function stack(issuers: Record<string, unknown>[]): Promise<LocalStack> {
  return startLocal(
    {
      GENESYS_PROFILE: 'messenger',
      PORT: '0',
      HOST: '127.0.0.1',
      SITE_IDENTITY_ISSUERS: JSON.stringify(issuers),
    },
    { emulator, clock },
  );
}

/** The page's half: a code for this visitor; Genesys's half: redeem it with openid-client. */
async function signInThroughMessenger(
  local: LocalStack,
  identityToken?: string,
  extra: Record<string, unknown> = {},
): Promise<{
  claims: client.IDToken;
  userinfo: client.UserInfoResponse;
  accessToken: string;
  guestSession: string | undefined;
}> {
  const code = await requestCodeAt(local.url, {
    name: 'Typed Name',
    email: 'typed.address@example.com',
    ...(identityToken && { identityToken }),
    ...extra,
  });
  if (code.guestSession) sent.push(code.guestSession);
  sent.push(code.verifier, code.authCode);
  const config = await genesysClient(local.url);
  const tokens = await redeemAsGenesys(config, local.url, code);
  sent.push(tokens.access_token, tokens.id_token ?? '');
  const claims = tokens.claims() as client.IDToken;
  // A customer's subject in Genesys is personal: it must not reach a log line either (a
  // guest's random one is logged by design).
  if (identityToken) sent.push(claims.sub);
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { claims, userinfo, accessToken: tokens.access_token, guestSession: code.guestSession };
}

async function siteToken(idp: OidcSiteIdp, account: SiteAccountId): Promise<string> {
  const token = await idp.signIn(account);
  sent.push(token);
  return token;
}

/** The claims about the visitor (not iss, aud, nonce and the times). */
const customerClaims = (claims: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(claims).filter(([name]) =>
      (IDENTITY_CLAIM_NAMES as readonly string[]).includes(name),
    ),
  );

describe('known customers, messenger profile (openid-client redeems as Genesys)', () => {
  let local: LocalStack;
  beforeAll(async () => {
    local = await stack([
      { issuer: brand.issuer, audience: brand.clientId },
      { issuer: partner.issuer, audience: partner.clientId },
    ]);
  });
  afterAll(() => local.close());

  it('puts the verified claims, and only those, in the id_token and /userinfo', async () => {
    const { claims, userinfo } = await signInThroughMessenger(
      local,
      await siteToken(brand, 'site-user-ada-0001'),
    );
    const expected = {
      sub: pairwiseSubject(
        new TextEncoder().encode(DEV_SUBJECT_KEY),
        brand.issuer,
        'site-user-ada-0001',
      ),
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada.lovelace@example.com',
      email_verified: true,
    };
    expect(customerClaims(claims)).toEqual(expected);
    expect(userinfo).toEqual(expected);
    expect(claims.sub).not.toBe('site-user-ada-0001');
  });

  it('carries a phone number only when verified, and never an unverified email', async () => {
    const grace = await signInThroughMessenger(
      local,
      await siteToken(brand, 'site-user-grace-0002'),
    );
    expect(grace.claims).toMatchObject({
      name: 'Grace Hopper',
      email: 'grace.hopper@example.org',
      email_verified: true,
      phone_number: '+1 555 0100',
      phone_number_verified: true,
    });
    const mallory = await signInThroughMessenger(
      local,
      await siteToken(brand, 'site-user-mallory-0003'),
    );
    expect(mallory.claims.name).toBe('Mallory Unverified');
    for (const claim of ['email', 'email_verified', 'phone_number', 'phone_number_verified']) {
      expect(mallory.claims).not.toHaveProperty(claim);
      expect(mallory.userinfo).not.toHaveProperty(claim);
    }
  });

  it('gives one customer the same pairwise sub on every sign-in, and never the same across issuers', async () => {
    const first = await signInThroughMessenger(local, await siteToken(brand, 'site-user-ada-0001'));
    const second = await signInThroughMessenger(
      local,
      await siteToken(brand, 'site-user-ada-0001'),
    );
    const elsewhere = await signInThroughMessenger(
      local,
      await siteToken(partner, 'site-user-ada-0001'),
    );
    expect(second.claims.sub).toBe(first.claims.sub);
    expect(elsewhere.claims.sub).not.toBe(first.claims.sub);
    expect(elsewhere.claims.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('lists the pairwise subjects it issues to customers in discovery', async () => {
    const answer = await request(`${local.url}/.well-known/openid-configuration`);
    const document = (await answer.body.json()) as { subject_types_supported: string[] };
    expect(document.subject_types_supported).toEqual(['public', 'pairwise']);
  });

  it('gives a customer no guest session, and ignores one a signed-in page still sends', async () => {
    const guest = await signInThroughMessenger(local);
    expect(guest.guestSession).toEqual(expect.any(String));
    const token = await siteToken(brand, 'site-user-ada-0001');
    const customer = await signInThroughMessenger(local, token, {
      guestSession: guest.guestSession,
    });
    expect(customer.guestSession).toBeUndefined();
    expect(customer.claims.sub).not.toBe(guest.claims.sub);
    expect(customer.claims.sub).toBe((await signInThroughMessenger(local, token)).claims.sub);
  });

  it('keeps anonymous guests as before: a fresh random sub and the typed name, no email', async () => {
    const a = await signInThroughMessenger(local);
    const b = await signInThroughMessenger(local);
    expect(customerClaims(a.claims)).toEqual({
      sub: expect.stringMatching(/^guest:[A-Za-z0-9_-]{22}$/),
      name: 'Typed Name',
      given_name: 'Typed Name',
    });
    expect(a.claims.sub).not.toBe(b.claims.sub);
  });

  it('survives a key rotation at the site IdP mid-run', async () => {
    const before = await signInThroughMessenger(
      local,
      await siteToken(brand, 'site-user-ada-0001'),
    );
    const fetches = brand.jwksFetches;
    await brand.rotateKey(); // the old key leaves the JWKS
    const rotated = await siteToken(brand, 'site-user-ada-0001');
    // Within a minute of the last read, an unknown kid costs no fetch and is refused.
    await expect(signInThroughMessenger(local, rotated)).rejects.toThrow(/401/);
    expect(brand.jwksFetches).toBe(fetches);
    clock.advance(60_000);
    const after = await signInThroughMessenger(local, rotated);
    expect(brand.jwksFetches).toBe(fetches + 1);
    expect(after.claims.sub).toBe(before.claims.sub);
  });
  // Last in this block: it moves the stack's clock on by minutes.
  it('says when the customer signed in at the site as auth_time, not when the code was issued', async () => {
    const token = await siteToken(brand, 'site-user-ada-0001');
    const site = decodeJwt(token);
    const signedInAt = (site.auth_time ?? site.iat) as number;
    clock.advance(5 * 60_000);
    const customer = await signInThroughMessenger(local, token);
    expect(customer.claims.auth_time).toBe(signedInAt);
    expect(customer.claims.iat).toBeGreaterThanOrEqual(signedInAt + 300);
  });
});

describe('known customers with subject "site"', () => {
  it('passes the site’s own sub through unchanged', async () => {
    const local = await stack([
      { issuer: brand.issuer, audience: brand.clientId, subject: 'site' },
    ]);
    try {
      const { claims } = await signInThroughMessenger(
        local,
        await siteToken(brand, 'site-user-grace-0002'),
      );
      expect(claims.sub).toBe('site-user-grace-0002');
    } finally {
      await local.close();
    }
  });
});
