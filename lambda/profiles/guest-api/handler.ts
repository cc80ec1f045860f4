// The guest-api profile: steps ①–⑤, then ⑥ credentials → ⑦ OAuth token → ⑧ mint → ⑨ verify → ⑩
// respond, in one Middy chain that Lambda, the local server and the tests all run with their own deps.

import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../../platform/clock';
import type { CredentialsProvider } from '../../platform/credentials';
import type { Logger, Metrics } from '../../platform/observability';
import {
  createUpstreamHttp,
  RETRY_POLICY,
  type Sleep,
} from '../../platform/upstream/upstream-http';
import { runWarmUps } from '../../platform/warm-up';
import {
  createObservability,
  outerChain,
  sharedWarmUps,
  visitorSteps,
  type WarmUpOptions,
} from '../../steps/chain';
import type { SharedSettings } from '../../steps/settings';
import { siteIdentity } from '../../steps/site-identity/site-identity';
import { createGuestApiAudit } from './audit';
import { createGuestApi } from './mint-guest-token';
import { createOAuthTokenCache } from './oauth-token';
import { respond } from './respond';
import type { GuestApiSettings } from './settings';
import { createGuestJwtVerifier } from './verify-guest-jwt';

export interface HandlerDeps {
  config: SharedSettings & { readonly guestApi: GuestApiSettings };
  /** Where the Genesys OAuth client comes from (Secrets Manager in Lambda). */
  credentials: CredentialsProvider;
  /** The undici dispatcher for every upstream call (a keep-alive Agent in production). */
  dispatcher: Dispatcher;
  clock?: Clock;
  /** How retries wait (tests pass one that moves their clock instead). */
  sleep?: Sleep;
  /** The jitter's source of randomness, a number in [0, 1). */
  random?: () => number;
  /** Known customers: the pairwise-subject key (Secrets Manager in Lambda). */
  subjectKey?: () => Promise<Uint8Array>;
  logger?: Logger;
  metrics?: Metrics;
}

export type GuestTokenHandler = ReturnType<typeof createHandler>;

export function createHandler(deps: HandlerDeps) {
  const { config, credentials, dispatcher, clock = systemClock } = deps;
  const observability = createObservability(config, deps);
  const audit = createGuestApiAudit(observability.audit);
  const { endpoints } = config.guestApi;
  const http = createUpstreamHttp({
    dispatcher,
    clock,
    sleep: deps.sleep,
    random: deps.random,
    events: observability.audit,
  });

  const tokens = createOAuthTokenCache({
    tokenUrl: endpoints.tokenUrl,
    credentials,
    http,
    clock,
    onRefresh: audit.oauthRefreshed,
  });
  const guestApi = createGuestApi({ guestUrl: endpoints.guestUrl, tokens, http, clock });
  const verifier = createGuestJwtVerifier({
    keysUrl: endpoints.keysUrl,
    issuer: endpoints.issuer,
    audience: endpoints.audience,
    http,
    clock,
    onKeysRefresh: audit.keySetRefreshed,
  });

  const identity = siteIdentity(config.identity, {
    dispatcher,
    clock,
    subjectKey: deps.subjectKey,
    sleep: deps.sleep,
    random: deps.random,
    events: observability.audit,
  });

  const steps = visitorSteps({ config, observability, clock, identity });
  const chain = outerChain(observability)
    .use(steps)
    .handler(async (event, context, { signal }) => {
      if (!context.guest) throw new Error('the handler ran before the scrub step');
      const keySet = verifier.keySet();
      keySet.catch(() => {}); // awaited by verify(); unobserved only when the mint fails
      const started = clock();
      // Leave a second to answer before Lambda's own timeout, and never wait past the budget.
      const remainingMs = context.getRemainingTimeInMillis?.() ?? RETRY_POLICY.budgetMs;
      const deadline = started + Math.min(RETRY_POLICY.budgetMs, remainingMs - 1_000);
      const jwt = await guestApi.mint(context.guest, { signal, deadline });
      const upstreamLatencyMs = clock() - started;
      const verified = await verifier.verify(jwt, keySet);
      audit.issued({ event, context }, { guestId: verified.guestId, upstreamLatencyMs });
      return respond(jwt, verified, clock());
    });

  return Object.assign(chain, {
    /** Lambda's init: the secret, an OAuth token and the key set, then the steps. */
    warmUp: (options: WarmUpOptions = {}) =>
      runWarmUps(
        [
          { name: 'oauthToken', warmUp: () => tokens.get() },
          { name: 'keySet', warmUp: () => verifier.keySet() },
          ...sharedWarmUps(observability, options),
          ...steps,
        ],
        { logger: observability.logger, clock },
      ),
  });
}
