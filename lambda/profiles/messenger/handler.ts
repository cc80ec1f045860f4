// The messenger profile: this service as the OpenID provider Genesys Cloud Messenger redeems codes
// at. @middy/http-router gives each path its own chain; only /guest-token, which a page's script
// calls, runs steps ①–⑤ and answers CORS.

import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../../platform/clock';
import { DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS } from '../../platform/errors';
import type { Logger, Metrics } from '../../platform/observability';
import { runWarmUps } from '../../platform/warm-up';
import { createTokenBucket } from '../../steps/abuse-guard';
import type { AuditedRequest } from '../../steps/audit';
import {
  createObservability,
  outerChain,
  sharedWarmUps,
  visitorSteps,
  type WarmUpOptions,
} from '../../steps/chain';
import {
  header,
  type PipelineContext,
  type PipelineEvent,
  type PipelineMiddleware,
  type PipelineResult,
} from '../../steps/context';
import { errorResult } from '../../steps/error-response';
import type { SharedSettings } from '../../steps/settings';
import { siteIdentity } from '../../steps/site-identity/site-identity';
import { createMessengerAudit } from './audit';
import { authorize } from './authorize';
import { createBackchannelLogout, LogoutRefusedError } from './backchannel-logout';
import { codeRequestFields, codeRequestOf } from './code-request';
import { discovery, jwks } from './discovery';
import { openGuestSession, sealGuestSession } from './guest-session';
import { codeResult, issueCode, newGuestSub } from './issue-code';
import { OAuthError, oauthErrorResult, oauthErrors, toOAuthError } from './oauth-errors';
import { OIDC_PATHS, type Provider } from './provider';
import type { MessengerSettings } from './settings';
import { createTokenEndpoints, RefreshTokenReuseError } from './token-endpoint';
import { userinfo } from './userinfo';

export interface MessengerHandlerDeps {
  config: SharedSettings;
  /** Which routes this function serves in the stack (OIDC_SERVES); all of them by default. */
  serves?: MessengerSettings['serves'];
  provider: Provider;
  clock?: Clock;
  /** Known customers: where the issuers' key sets are fetched, and the pairwise-subject key. */
  dispatcher?: Dispatcher;
  subjectKey?: () => Promise<Uint8Array>;
  logger?: Logger;
  metrics?: Metrics;
}

type RouteHandler = (event: PipelineEvent, context: PipelineContext) => Promise<PipelineResult>;

export function createHandler(deps: MessengerHandlerDeps) {
  const { config, provider, clock = systemClock, serves = 'all' } = deps;
  const observability = createObservability(config, deps);
  const { logger } = observability;
  const audit = createMessengerAudit(observability.audit);
  // One budget per client IP across both visitor-facing paths.
  const bucket = createTokenBucket(config.visitor.rateLimitPerMinute, clock);
  const tokenEndpoints = createTokenEndpoints(provider, {
    onPreviousSecret: audit.previousClientSecretUsed,
  });
  const pairwise = config.identity.issuers.some((issuer) => issuer.subject === 'pairwise');
  const discoveryAnswer = discovery(provider, pairwise ? ['public', 'pairwise'] : ['public']);

  const identity = siteIdentity(config.identity, {
    dispatcher: deps.dispatcher,
    clock,
    subjectKey: deps.subjectKey,
    events: observability.audit,
  });

  // No timeout of their own: the outer chain's answers in the route's shape; a second one inside would
  // answer again, into the void, after that.
  const route = () =>
    middy<PipelineEvent, PipelineResult, Error, PipelineContext>({ timeoutEarlyInMillis: 0 });
  const oauthRoute = (endpoint: string, allowed: readonly string[], handler: RouteHandler) =>
    route()
      .use(onlyMethods(allowed))
      .use(
        oauthErrors({
          logger,
          onRefusal: (request, error, cause) => {
            if (error instanceof RefreshTokenReuseError)
              audit.refreshTokenReused(request, error.visitor);
            if (error instanceof LogoutRefusedError)
              audit.logoutRefused(request, { reason: error.reason, issuer: error.issuer });
            audit.oauthRefused(request, {
              endpoint,
              error: error.error,
              status: error.status,
              cause,
            });
          },
        }),
      )
      .handler(handler);

  const steps = visitorSteps({
    config,
    observability,
    clock,
    extraFields: codeRequestFields,
    bucket,
    identity,
  });
  const codeRequest = route()
    .use(steps)
    .handler(async (event, context) => {
      // What goes to Genesys is the scrubbed guest (step ④), never the typed visitor.
      const { guest, customer } = context;
      if (!guest) throw new Error('the handler ran before the scrub step');
      const request = codeRequestOf(context);
      // A customer whose site sign-in has since signed out here (back-channel logout) is refused.
      if (customer) await tokenEndpoints.refreshTokens.assertSignedIn(customer);
      const issued = await issueCode(
        provider,
        request,
        customer
          ? { customer }
          : {
              guestName: guest.name,
              ...(await guestSession(request.guestSession, { event, context })),
            },
      );
      audit.codeIssued({ event, context }, { sub: issued.sub, endpoint: OIDC_PATHS.codeRequest });
      return codeResult(issued);
    });

  /** The page's guest identity, resumed from what it sent back, or a new one sealed for it. */
  const guestSession = async (presented: string | undefined, request: AuditedRequest) => {
    const now = provider.clock();
    if (presented !== undefined) {
      const opened = await openGuestSession(provider.serviceKey, presented, now);
      if ('sub' in opened)
        return { guestSub: opened.sub, guestSince: opened.since, guestSession: presented };
      audit.guestSessionRefused(request, opened.refused);
    }
    const guestSub = newGuestSub();
    return { guestSub, guestSession: await sealGuestSession(provider.serviceKey, guestSub, now) };
  };

  const authorization = oauthRoute('authorize', ['GET'], async (event, context) => {
    const outcome = await authorize(event, {
      provider,
      bucket,
      botUserAgentPatterns: config.visitor.botUserAgentPatterns,
      identityRequired: config.identity.required,
    });
    if (outcome.sub)
      audit.codeIssued({ event, context }, { sub: outcome.sub, endpoint: OIDC_PATHS.authorize });
    else if (outcome.error) {
      audit.oauthRefused(
        { event, context },
        { endpoint: 'authorize', error: outcome.error, status: outcome.result.statusCode },
      );
    }
    return outcome.result;
  });

  const token = oauthRoute('token', ['POST'], async (event, context) => {
    const redemption = await tokenEndpoints.redeem(event);
    const { visitor, method } = redemption;
    if (redemption.grant === 'refresh_token')
      audit.tokensRefreshed({ event, context }, { visitor, method });
    else audit.codeRedeemed({ event, context }, { visitor, method });
    return redemption.result;
  });

  const logout = createBackchannelLogout({
    verify: identity.verifyLogoutToken,
    sessions: provider.sessions,
    refreshTokens: tokenEndpoints.refreshTokens,
  });
  const backchannelLogout = oauthRoute('backchannel-logout', ['POST'], async (event, context) => {
    const { result, issuer, scope } = await logout(event);
    audit.backchannelLogout({ event, context }, { issuer, scope });
    return result;
  });

  const revocation = oauthRoute('revoke', ['POST'], async (event, context) => {
    const { result, revoked, method } = await tokenEndpoints.revoke(event);
    audit.tokensRevoked({ event, context }, { revoked, method });
    return result;
  });

  const router = httpRouterHandler({
    routes: [
      { method: 'ANY', path: OIDC_PATHS.codeRequest, handler: codeRequest },
      { method: 'ANY', path: OIDC_PATHS.authorize, handler: authorization },
      { method: 'ANY', path: OIDC_PATHS.token, handler: token },
      { method: 'ANY', path: OIDC_PATHS.revoke, handler: revocation },
      { method: 'ANY', path: OIDC_PATHS.backchannelLogout, handler: backchannelLogout },
      {
        method: 'ANY',
        path: OIDC_PATHS.userinfo,
        handler: oauthRoute('userinfo', ['GET', 'POST'], (event) => userinfo(event, provider)),
      },
      {
        method: 'ANY',
        path: OIDC_PATHS.discovery,
        handler: oauthRoute('discovery', ['GET'], async () => discoveryAnswer()),
      },
      {
        method: 'ANY',
        path: OIDC_PATHS.jwks,
        handler: oauthRoute('jwks', ['GET'], () => jwks(provider)),
      },
    ],
    notFoundResponse: () => {
      throw new NotFound();
    },
  }) as unknown as RouteHandler;

  // Middy's timeout fires just before the function's own, outside every route: answer it in the
  // route's shape (503 temporarily_unavailable or UPSTREAM_UNAVAILABLE), never a bare 500.
  const timedOut: PipelineMiddleware = {
    onError: async (request) => {
      if (request.response !== undefined || request.error?.name !== 'TimeoutError') return;
      logger.warn('request.timeout', { path: request.event.path });
      if (request.event.path !== OIDC_PATHS.codeRequest) {
        request.response = oauthErrorResult(toOAuthError(request.error));
        return;
      }
      // The page must be able to read it: the CORS grant the route's own step would have added.
      const origin = header(request.event, 'origin');
      const allowed = origin !== undefined && config.visitor.allowedOrigins.includes(origin);
      request.response = errorResult(
        503,
        'UPSTREAM_UNAVAILABLE',
        'The token service is temporarily unavailable; retry later',
        request.context.awsRequestId ?? 'unknown',
        {
          'Retry-After': String(DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS),
          ...(allowed && { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' }),
        },
      );
    },
  };

  const chain = outerChain(observability)
    .use(timedOut)
    .handler(async (event, context) => {
      const requestId = context.awsRequestId ?? 'unknown';
      // The router refuses an event without a method or path as malformed; answer it in our shape.
      if (!event.httpMethod) {
        return errorResult(405, 'METHOD_NOT_ALLOWED', 'A method is required', requestId);
      }
      try {
        return await router(event, context);
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
        return errorResult(404, 'NOT_FOUND', 'No such resource', requestId);
      }
    });

  return Object.assign(chain, {
    /**
     * Lambda's init: what this function's routes use (OIDC_SERVES). The service key always; the
     * OIDC client and signing keys for Genesys's routes (a visitors' function never signs); the
     * visitor steps for the visitors'.
     */
    warmUp: (options: WarmUpOptions = {}) => {
      const visitors = serves !== 'genesys';
      const genesys = serves !== 'visitors';
      return runWarmUps(
        [
          { name: 'serviceKey', warmUp: () => provider.serviceKey() },
          ...(genesys
            ? [
                { name: 'oidcClient', warmUp: () => provider.client.get() },
                { name: 'signingKeys', warmUp: () => provider.signer.publicKeys() },
              ]
            : []),
          ...sharedWarmUps(observability, options),
          ...(visitors ? steps : []),
        ],
        { logger, clock },
      );
    },
  });
}

export type MessengerHandler = ReturnType<typeof createHandler>;

class NotFound extends Error {
  override readonly name = 'NotFound';
}

/** 405 in the route's own error shape for any other method. */
function onlyMethods(allowed: readonly string[]): PipelineMiddleware {
  return {
    before: async ({ event }) => {
      if (!allowed.includes(event.httpMethod)) {
        throw new OAuthError('invalid_request', `Use ${allowed.join(' or ')}`, 405, {
          Allow: allowed.join(', '),
        });
      }
    },
  };
}
