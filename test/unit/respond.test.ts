import { respond } from '../../lambda/profiles/guest-api/respond';

const now = Date.parse('2026-11-24T12:00:00.000Z');
const verified = { guestId: 'g-1', expiresAt: now / 1000 + 600 };

describe('respond', () => {
  it('puts the token in the body with no-store, and sets no cookie', () => {
    const result = respond('jwt', verified, now + 400);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    expect(JSON.parse(result.body)).toEqual({
      accessToken: 'jwt',
      expiresAt: '2026-11-24T12:10:00.000Z',
      expiresIn: 599,
      guestId: 'g-1',
    });
    expect(result.headers?.['Set-Cookie']).toBeUndefined();
    expect(result.multiValueHeaders).toBeUndefined();
  });
});
