import { randomBytes } from 'node:crypto';
import { decodeJwt, EncryptJWT } from 'jose';
import { sealGuestSession } from '../../lambda/profiles/messenger/guest-session';
import {
  forgedFromClientSecret,
  type MessengerHarness,
  SERVICE_KEY,
  startMessengerHarness,
} from '../fixtures/messenger-harness';

// A guest keeps one identity for the life of the page: the first answer seals its `sub`, the
// page sends it back, and every later code is for the same `sub`. Anything else is a new guest.
describe('a guest’s session', () => {
  let h: MessengerHarness;
  beforeEach(async () => {
    h = await startMessengerHarness();
  });
  afterEach(() => h.close());

  /** Asks for a code (sending `guestSession` if given) and redeems it: the sub and the answer. */
  async function codeFor(guestSession?: string) {
    const { code, tokens } = await h.signIn(guestSession ? { guestSession } : {});
    expect(tokens.status).toBe(200);
    return { sub: decodeJwt(tokens.body.id_token).sub, session: code.body.guestSession };
  }

  const refusals = () => h.logs.json().filter((line) => line.message === 'guest-session.refused');

  it('issues every code of one page for the same sub', async () => {
    const first = await codeFor();
    expect(typeof first.session).toBe('string');
    const second = await codeFor(first.session);
    const third = await codeFor(second.session);
    expect([second.sub, third.sub]).toEqual([first.sub, first.sub]);
    expect(third.session).toBe(first.session);
    // Without it, a stranger: a new sub.
    expect((await codeFor()).sub).not.toBe(first.sub);
    expect(refusals()).toHaveLength(0);
  });

  it.each([
    ['tampered', (value: string) => `${value.slice(0, -4)}AAAA`],
    ['not a sealed value at all', () => 'hello'],
    [
      'sealed under another service key',
      async () =>
        sealGuestSession(async () => new Uint8Array(randomBytes(32)), 'guest:x', Date.now()),
    ],
    [
      // What anyone holding the OIDC client secret (Genesys too) could make under the old scheme.
      'sealed under a key derived from the OIDC client secret',
      async () =>
        new EncryptJWT({ sub: 'guest:someone' })
          .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'guest-session' })
          .setIssuedAt()
          .setExpirationTime('1h')
          .encrypt(forgedFromClientSecret('guest session')),
    ],
  ])('starts a new guest, with a WARN line, for a session value %s', async (_name, spoil) => {
    const first = await codeFor();
    const spoilt = await spoil(first.session);
    const next = await codeFor(spoilt);
    expect(next.sub).not.toBe(first.sub);
    expect(next.session).not.toBe(spoilt);
    expect(refusals()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        audit: expect.objectContaining({ reason: 'unreadable' }),
      }),
    ]);
  });

  it('never names anyone but a guest: a sealed customer subject starts a new guest', async () => {
    // Even sealed under the service's own key, a subject outside the guest form is refused, so a
    // session can never be made to speak for a known customer (whose sub has no such form).
    const forged = await sealGuestSession(
      async () => SERVICE_KEY,
      'customer-pairwise-sub',
      h.clock(),
    );
    const next = await codeFor(forged);
    expect(next.sub).not.toBe('customer-pairwise-sub');
    expect(next.sub).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
    expect(refusals()).toEqual([
      expect.objectContaining({ audit: expect.objectContaining({ reason: 'not a guest' }) }),
    ]);
  });

  it('keeps the first code’s time as auth_time for every later code', async () => {
    const { code, tokens: first } = await h.signIn({});
    const firstAuthTime = decodeJwt(first.body.id_token).auth_time as number;
    h.clock.advance(10 * 60_000);
    const { tokens: later } = await h.signIn({ guestSession: code.body.guestSession });
    const claims = decodeJwt(later.body.id_token);
    expect(claims.iat).toBe(firstAuthTime + 600);
    expect(claims.auth_time).toBe(firstAuthTime);
  });

  it('lasts at most 24 hours', async () => {
    const first = await codeFor();
    h.clock.advance(24 * 60 * 60 * 1000 - 1_000);
    expect((await codeFor(first.session)).sub).toBe(first.sub);
    h.clock.advance(1_000);
    expect((await codeFor(first.session)).sub).not.toBe(first.sub);
    expect(refusals()).toEqual([
      expect.objectContaining({ audit: expect.objectContaining({ reason: 'expired' }) }),
    ]);
  });
});
