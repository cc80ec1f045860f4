import { respond, TOKEN_COOKIE_NAME } from '../../lambda/respond';

const now = Date.parse('2026-11-24T12:00:00.000Z');
const verified = { guestId: 'g-1', expiresAt: now / 1000 + 600 };

describe('respond', () => {
  it('puts the token in the body with no-store', () => {
    const result = respond('jwt', verified, 'body', now + 400);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    expect(JSON.parse(result.body)).toEqual({
      accessToken: 'jwt',
      expiresAt: '2026-11-24T12:10:00.000Z',
      expiresIn: 599,
      guestId: 'g-1',
    });
    expect(result.multiValueHeaders).toBeUndefined();
  });

  it('puts the token only in a host-only HttpOnly cookie in cookie mode', () => {
    const result = respond('jwt', verified, 'cookie', now);
    expect(JSON.parse(result.body)).toEqual({
      expiresAt: '2026-11-24T12:10:00.000Z',
      expiresIn: 600,
      guestId: 'g-1',
    });
    expect(result.multiValueHeaders?.['Set-Cookie']).toEqual([
      `${TOKEN_COOKIE_NAME}=jwt; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });
});
