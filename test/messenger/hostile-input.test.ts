// Property-based, for the messenger profile's provider: 2,000 generated requests across every
// route and some that are not, with odd methods, query strings, form and JSON bodies, client
// credentials and bearer tokens. Every answer must be a success (200, a preflight's 204, a
// 302 redirect) or a documented refusal in its route's shape; never a 5xx, never a crash.

import * as fc from 'fast-check';
import { AUTHORIZE_PARAMETERS } from '../../lambda/profiles/messenger/authorize';
import { OIDC_PATHS } from '../../lambda/profiles/messenger/provider';
import { createLocalSigner, type Signer } from '../../lambda/profiles/messenger/signer';
import {
  CLIENT,
  type MessengerHarness,
  ORIGIN,
  REDIRECT_URI,
  startMessengerHarness,
} from '../fixtures/messenger-harness';

const RUNS = 2_000;
const OUR_CODES = new Set([
  'INVALID_REQUEST',
  'ORIGIN_NOT_ALLOWED',
  'BOT_DETECTED',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'NOT_FOUND',
]);
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'invalid_token',
]);

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

const param = fc.oneof(
  fc.string(),
  fc.constantFrom(CLIENT.clientId, REDIRECT_URI, 'code', 'openid', 'S256', 'plain', ''),
);
const query = fc
  .dictionary(fc.constantFrom(...AUTHORIZE_PARAMETERS, 'prompt', '__proto__'), param)
  .map((params) => new URLSearchParams(params).toString());

const form = fc
  .dictionary(
    fc.constantFrom(
      'grant_type',
      'code',
      'redirect_uri',
      'code_verifier',
      'client_id',
      'client_secret',
      'refresh_token',
    ),
    fc.oneof(param, fc.string({ minLength: 43, maxLength: 130 })),
  )
  .map((fields) => new URLSearchParams(fields).toString());

const request = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
    { weight: 1, arbitrary: fc.constantFrom('OPTIONS', 'PUT', 'DELETE', 'HEAD', 'post') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  ),
  path: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...Object.values(OIDC_PATHS)) },
    { weight: 1, arbitrary: fc.constantFrom('/', '/oauth', '/.well-known/', '/authorize/x') },
  ),
  query,
  body: fc.oneof(form, fc.json(), fc.string(), fc.constant(null)),
  contentType: fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain',
    '',
  ),
  authorization: fc.oneof(
    fc.constant(undefined),
    fc.constant(basic(CLIENT.clientId, CLIENT.clientSecret)),
    fc.tuple(fc.string(), fc.string()).map(([id, secret]) => basic(id, secret)),
    fc.string().map((token) => `Bearer ${token}`),
    fc.string(),
  ),
  origin: fc.oneof(fc.constant(ORIGIN), fc.constant(undefined), fc.string()),
  userAgent: fc.oneof(
    { weight: 4, arbitrary: fc.constant('Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0') },
    { weight: 1, arbitrary: fc.string() },
  ),
});

let h: MessengerHarness;
let signer: Signer;
beforeAll(async () => {
  signer = await createLocalSigner();
  h = await startMessengerHarness({ signer, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(() => h.close());

describe('the messenger provider under hostile input', () => {
  it(`answers ${RUNS.toLocaleString('en')} generated requests with a success or a documented refusal`, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const answer = await h.call({
            method: r.method,
            path: r.query ? `${r.path}?${r.query}` : r.path,
            headers: {
              'User-Agent': r.userAgent,
              'Content-Type': r.contentType,
              ...(r.authorization !== undefined && { Authorization: r.authorization }),
              ...(r.origin !== undefined && { Origin: r.origin }),
            },
            body: r.body,
          });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if ([200, 204, 302].includes(answer.status)) return;
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          const page = (answer.headers['content-type'] ?? '').startsWith('text/html');
          if (page) {
            // Only /authorize answers with a page, for a client or redirect URI it cannot trust.
            expect([r.path, answer.status]).toEqual([OIDC_PATHS.authorize, 400]);
          } else if (answer.status === 401 && answer.raw === '') {
            // /userinfo without a Bearer token: the challenge alone (RFC 6750 §3.1).
            expect([r.path, answer.headers['www-authenticate']]).toEqual([
              OIDC_PATHS.userinfo,
              expect.stringMatching(/^Bearer realm="[^"]+"$/),
            ]);
          } else if (typeof answer.body?.error === 'string') {
            expect(OAUTH_ERRORS).toContain(answer.body.error);
          } else {
            expect(OUR_CODES).toContain(answer.body?.error?.code);
          }
        }),
        { numRuns: RUNS, seed: 20261124 },
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    // Not a vacuous run: refusals of several kinds, and some successes.
    expect([...statuses.keys()].filter((status) => status >= 400).length).toBeGreaterThanOrEqual(4);
    expect((statuses.get(200) ?? 0) + (statuses.get(302) ?? 0)).toBeGreaterThan(0);
  });
});
