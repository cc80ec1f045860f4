import { decodeJwt } from 'jose';
import { sealGuestSession } from '../../lambda/profiles/messenger/guest-session';
import {
  CLIENT,
  type MessengerHarness,
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
      'sealed for another client',
      async () => sealGuestSession({ ...CLIENT, clientSecret: 'other' }, 'someone', Date.now()),
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
