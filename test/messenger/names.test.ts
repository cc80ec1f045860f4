// The name is free text the visitor types, and it ends up in the id_token and /userinfo Genesys
// stores: a guest's is scrubbed like every other value that leaves; a known customer's verified
// name is the customer's own and goes as the site's sign-in said it.

import { decodeJwt } from 'jose';
import { SiteIdp } from '../../dev/site-idp';
import { type MessengerHarness, startMessengerHarness } from '../fixtures/messenger-harness';

let h: MessengerHarness;
let site: SiteIdp;
beforeAll(async () => {
  let now = Date.now;
  site = await SiteIdp.start({ clock: () => now() });
  h = await startMessengerHarness({
    env: { SITE_IDENTITY_ISSUERS: JSON.stringify([site.issuerEntry({ subject: 'site' })]) },
  });
  now = h.clock;
});
afterAll(async () => {
  await h.close();
  await site.close();
});

async function signIn(body: Record<string, unknown>) {
  const { tokens } = await h.signIn(body);
  const userinfo = await h.call({
    path: '/userinfo',
    headers: { Authorization: `Bearer ${tokens.body.access_token}` },
  });
  return { claims: decodeJwt(tokens.body.id_token), userinfo: userinfo.body };
}

it('masks PII in a guest’s typed name in the id_token and /userinfo, and lists it in scrubbedKeys', async () => {
  const { claims, userinfo } = await signIn({ name: 'Ada 123-45-6789' });
  expect(claims).toMatchObject({ name: 'Ada [ssn]', given_name: 'Ada [ssn]' });
  expect(userinfo).toMatchObject({ name: 'Ada [ssn]', given_name: 'Ada [ssn]' });
  const issued = h.logs.json().filter((line) => line.message === 'code.issued');
  expect(issued.at(-1)?.audit).toMatchObject({ scrubbedKeys: ['name'] });
  expect(h.logs.lines.join('\n')).not.toContain('123-45-6789');
});

it('passes a known customer’s verified name as the site said it', async () => {
  const identityToken = await site.signIn({
    sub: 'customer-0099',
    name: 'Ada Lovelace 123-45-6789',
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: 'ada.l@example.com',
    email_verified: true,
  });
  h.secrets.push(identityToken);
  const { claims } = await signIn({ name: 'Typed 4111 1111 1111 1111', identityToken });
  expect(claims.name).toBe('Ada Lovelace 123-45-6789');
});
