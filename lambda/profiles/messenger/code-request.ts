// What a page's code request adds to the visitor's fields (docs/web.md): the nonce and PKCE S256
// challenge the code is bound to (RFC 7636 §4.2), and which redirect URI it is for.

import * as z from 'zod/mini';
import type { PipelineContext } from '../../steps/context';

export const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const codeRequestFields = () => ({
  nonce: z.string().check(z.regex(NONCE, 'must be 16–128 of A–Z a–z 0–9 _ -')),
  codeChallenge: z
    .string()
    .check(z.regex(CODE_CHALLENGE, 'must be the base64url SHA-256 of the verifier')),
  codeChallengeMethod: z.literal('S256', 'must be S256'),
  redirectUri: z.optional(z.string().check(z.maxLength(2048))),
  /** The sealed guest identity an earlier answer gave this page; any string is taken. */
  guestSession: z.optional(z.string().check(z.maxLength(2048))),
});

export interface CodeRequest {
  nonce: string;
  /** base64url SHA-256 of the page's PKCE verifier (S256 only). */
  codeChallenge: string;
  /** One of the configured redirect URIs; the first when absent. */
  redirectUri?: string;
  /** What an earlier answer sealed for this page's guest (guest-session.ts). */
  guestSession?: string;
}

/** The code request step ② parsed with codeRequestFields. */
export function codeRequestOf({ extraFields }: PipelineContext): CodeRequest {
  const { nonce, codeChallenge, redirectUri, guestSession } = extraFields ?? {};
  if (typeof nonce !== 'string' || typeof codeChallenge !== 'string')
    throw new Error('the handler ran before the code request was parsed');
  return {
    nonce,
    codeChallenge,
    ...(typeof redirectUri === 'string' && { redirectUri }),
    ...(typeof guestSession === 'string' && { guestSession }),
  };
}
