// The messenger profile when its upstreams outlast the function: Middy's timeout fires just
// before Lambda's, outside every route, and the answer is still in the route's own shape (503
// temporarily_unavailable at the token endpoint, 503 UPSTREAM_UNAVAILABLE for a visitor),
// never a bare 500. A code store that never answers stands in for a hung DynamoDB call.

import { buildProxyEvent, lambdaContext } from '../../dev/api-gateway-adapter';
import { DESKTOP_USER_AGENT } from '../../dev/browser';
import { loadConfig } from '../../lambda/config';
import { createStaticCredentials } from '../../lambda/platform/credentials';
import type { CodeStore } from '../../lambda/profiles/messenger/code-store';
import { createHandler as createMessengerHandler } from '../../lambda/profiles/messenger/handler';
import { createMemorySessionStore } from '../../lambda/profiles/messenger/session-store';
import { createLocalSigner } from '../../lambda/profiles/messenger/signer';
import { toAnswer } from '../fixtures/harness';
import { captureLogs } from '../fixtures/log-capture';
import {
  CLIENT,
  ISSUER,
  ORIGIN,
  pkce,
  REDIRECT_URI,
  SERVICE_KEY,
} from '../fixtures/messenger-harness';

const hung: CodeStore = { put: () => new Promise(() => {}), claim: () => new Promise(() => {}) };

async function handler() {
  const config = loadConfig({
    GENESYS_PROFILE: 'messenger',
    ALLOWED_ORIGINS: ORIGIN,
    OIDC_ISSUER: ISSUER,
    OIDC_REDIRECT_URIS: REDIRECT_URI,
  });
  if (config.profile !== 'messenger') throw new Error('expected the messenger profile');
  const messengerSettings = config.messenger;
  return createMessengerHandler({
    config,
    provider: {
      issuer: ISSUER,
      redirectUris: messengerSettings.redirectUris,
      accessTokenLifetimeSeconds: messengerSettings.accessTokenLifetimeSeconds,
      refreshTokenLifetimeSeconds: messengerSettings.refreshTokenLifetimeSeconds,
      sessions: createMemorySessionStore(Date.now),
      client: createStaticCredentials(CLIENT),
      serviceKey: async () => SERVICE_KEY,
      signer: await createLocalSigner(),
      codes: hung,
      clock: Date.now,
    },
  });
}

/** A context with 400 ms left: Middy gives up 250 ms before that. */
const shortLived = () => ({ ...lambdaContext(), getRemainingTimeInMillis: () => 400 });

describe('messenger profile: a request that outlasts the function', () => {
  it.each([
    [
      'the token endpoint',
      buildProxyEvent({
        method: 'POST',
        url: '/oauth/token',
        headers: [
          ['Content-Type', 'application/x-www-form-urlencoded'],
          [
            'Authorization',
            `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
          ],
        ],
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'c'.repeat(43),
          redirect_uri: REDIRECT_URI,
          code_verifier: 'v'.repeat(43),
        }).toString(),
        sourceIp: '203.0.113.7',
      }),
      { error: 'temporarily_unavailable' },
    ],
    [
      'a visitor’s code request',
      buildProxyEvent({
        method: 'POST',
        url: '/guest-token',
        headers: [
          ['Origin', ORIGIN],
          ['Content-Type', 'application/json'],
          ['User-Agent', DESKTOP_USER_AGENT],
        ],
        body: JSON.stringify({
          nonce: 'n'.repeat(22),
          codeChallenge: pkce().challenge,
          codeChallengeMethod: 'S256',
        }),
        sourceIp: '203.0.113.7',
      }),
      { error: { code: 'UPSTREAM_UNAVAILABLE' } },
    ],
  ])('answers %s with 503 and Retry-After in its own shape', async (where, event, shape) => {
    const logs = captureLogs();
    try {
      const answer = toAnswer(await (await handler())(event, shortLived()));
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toMatchObject(shape);
      // The page can read its answer; Genesys's server-to-server call needs no CORS.
      expect(answer.headers['access-control-allow-origin']).toBe(
        where === 'the token endpoint' ? undefined : ORIGIN,
      );
    } finally {
      logs.restore();
    }
  });
});
