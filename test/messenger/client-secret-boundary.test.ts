// The OIDC client secret is Genesys's too (and whoever pasted it into the integration): holding it
// must make nobody a customer. Everything only this service may make (access tokens for /userinfo,
// guest sessions, refresh successors) comes from its own service key; each forgery the old scheme
// (keys derived from the client secret) allowed is tried here and refused. Rotating the client
// secret retires no session, `previousClientSecret` authenticates while Genesys changes over, and
// a replayed code revokes the family its first redemption started (RFC 6749 §4.1.2).

import { createHmac } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import {
  CLIENT,
  forgedFromClientSecret,
  ISSUER,
  type MessengerHarness,
  rotatingClient,
  startMessengerHarness,
} from '../fixtures/messenger-harness';

describe('what holding the OIDC client secret does not allow', () => {
  let h: MessengerHarness;
  beforeEach(async () => {
    h = await startMessengerHarness();
  });
  afterEach(() => h.close());

  it('signs no access token /userinfo accepts', async () => {
    const { tokens } = await h.signIn();
    const genuine = decodeJwt(tokens.body.access_token);
    const forged = await new SignJWT({ ...genuine, sub: 'a-known-customer', name: 'Someone' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(forgedFromClientSecret('userinfo access token'));
    const answer = await h.call({
      path: '/userinfo',
      headers: { Authorization: `Bearer ${forged}` },
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_token' });
  });

  it('cannot compute a refresh token’s successor', async () => {
    const { tokens } = await h.signIn();
    const presented = tokens.body.refresh_token as string;
    const refreshed = await h.redeem({ grant_type: 'refresh_token', refresh_token: presented });
    expect(refreshed.status).toBe(200);
    const predicted = createHmac('sha256', forgedFromClientSecret('refresh token successor'))
      .update(presented)
      .digest('base64url');
    expect(refreshed.body.refresh_token).not.toBe(predicted);
    expect(refreshed.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('rotating the OIDC client secret', () => {
  let h: MessengerHarness;
  let client: ReturnType<typeof rotatingClient>;
  beforeEach(async () => {
    client = rotatingClient();
    h = await startMessengerHarness({ client: client.provider });
  });
  afterEach(() => h.close());

  const rotated = { ...CLIENT, clientSecret: 'rotated-client-secret-0123456789abcdef' };

  it('retires neither the page’s guest session nor Genesys’s refresh family', async () => {
    const { code, tokens } = await h.signIn();
    client.state.value = rotated;
    h.secrets.push(rotated.clientSecret);
    const next = await h.issued({ guestSession: code.body.guestSession });
    const redeemed = await h.redeem(next.form, 'basic', rotated.clientSecret);
    expect(decodeJwt(redeemed.body.id_token).sub).toBe(decodeJwt(tokens.body.id_token).sub);
    const refreshed = await h.redeem(
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      'basic',
      rotated.clientSecret,
    );
    expect(refreshed.status).toBe(200);
    // The access token from before the rotation still reads /userinfo.
    const info = await h.call({
      path: '/userinfo',
      headers: { Authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(info.status).toBe(200);
  });

  it('takes the previous secret while it is listed, counts each use, and refuses it once dropped', async () => {
    client.state.value = { ...rotated, previousClientSecret: CLIENT.clientSecret };
    h.secrets.push(rotated.clientSecret);
    const { tokens } = await h.signIn(); // Genesys still sends the old secret
    expect(tokens.status).toBe(200);
    expect(h.logs.metricNames()).toContain('PreviousClientSecretUsed');
    const uses = () => h.logs.metricNames().filter((name) => name === 'PreviousClientSecretUsed');
    const before = uses().length;
    const withNew = await h.redeem(
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      'basic',
      rotated.clientSecret,
    );
    expect(withNew.status).toBe(200);
    expect(uses()).toHaveLength(before); // the new secret is not counted
    // The operator drops previousClientSecret; containers read it again within their cache age.
    client.state.value = rotated;
    client.provider.invalidate();
    const withOld = await h.redeem({
      grant_type: 'refresh_token',
      refresh_token: withNew.body.refresh_token,
    });
    expect(withOld.status).toBe(401);
    expect(withOld.body).toMatchObject({ error: 'invalid_client' });
  });
});

describe('a replayed code', () => {
  let h: MessengerHarness;
  beforeEach(async () => {
    h = await startMessengerHarness();
  });
  afterEach(() => h.close());

  it('is refused and revokes the family its first redemption started', async () => {
    const { form } = await h.issued();
    const first = await h.redeem(form);
    expect(first.status).toBe(200);
    const replay = await h.redeem(form);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const refreshed = await h.redeem({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(decodeJwt(first.body.id_token).iss).toBe(ISSUER);
  });
});
