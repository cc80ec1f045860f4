// Step ⑩: the verified token goes back in the JSON body with Cache-Control: no-store. The page
// keeps it in memory only (web/token-manager.js); nothing of it is stored by the browser.

import { NO_STORE_HEADERS, type PipelineResult } from '../../steps/context';
import type { VerifiedGuestToken } from './verify-guest-jwt';

export interface TokenResponseBody {
  accessToken: string;
  expiresAt: string;
  expiresIn: number;
  guestId: string;
}

export function respond(jwt: string, verified: VerifiedGuestToken, now: number): PipelineResult {
  const body: TokenResponseBody = {
    accessToken: jwt,
    expiresAt: new Date(verified.expiresAt * 1000).toISOString(),
    expiresIn: Math.max(0, Math.floor(verified.expiresAt - now / 1000)),
    guestId: verified.guestId,
  };
  return { statusCode: 200, headers: { ...NO_STORE_HEADERS }, body: JSON.stringify(body) };
}
