// Step ⑨: the verified token goes back with Cache-Control: no-store, in the JSON body, or in
// cookie mode as an HttpOnly, Secure, SameSite=Strict cookie whose Max-Age matches the token
// (RFC 6265bis §4.1.2; the __Host- prefix pins it to this host and path /).

import type { TokenDelivery } from './config';
import type { VerifiedGuestToken } from './genesys/verify-guest-jwt';
import type { PipelineResult } from './pipeline';

export const TOKEN_COOKIE_NAME = '__Host-genesys-guest-token';

/** Headers on every answer, success or error: nothing here may be cached or sniffed. */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
};

export interface TokenResponseBody {
  accessToken?: string;
  expiresAt: string;
  expiresIn: number;
  guestId: string;
}

export function respond(
  jwt: string,
  verified: VerifiedGuestToken,
  delivery: TokenDelivery,
  now: number,
): PipelineResult {
  const expiresIn = Math.max(0, Math.floor(verified.expiresAt - now / 1000));
  const body: TokenResponseBody = {
    ...(delivery === 'body' && { accessToken: jwt }),
    expiresAt: new Date(verified.expiresAt * 1000).toISOString(),
    expiresIn,
    guestId: verified.guestId,
  };
  const result: PipelineResult = {
    statusCode: 200,
    headers: { ...NO_STORE_HEADERS },
    body: JSON.stringify(body),
  };
  if (delivery === 'cookie') {
    result.multiValueHeaders = {
      'Set-Cookie': [
        `${TOKEN_COOKIE_NAME}=${jwt}; Max-Age=${expiresIn}; Path=/; HttpOnly; Secure; SameSite=Strict`,
      ],
    };
  }
  return result;
}
