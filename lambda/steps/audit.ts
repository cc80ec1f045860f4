// The audit trail and metrics: one structured log event per issued token and per refusal, in
// a shape a compliance team can query with CloudWatch Logs Insights, plus EMF metrics.
// Client IPs are keyed hashes; attribute keys are listed, values never.

import { createHmac, randomBytes } from 'node:crypto';
import type { HttpError } from '../platform/errors';
import { IdentityTokenInvalidError, UpstreamUnavailableError } from '../platform/errors';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../platform/observability';
import type { UpstreamEvents } from '../platform/upstream/upstream-http';
import { header, type PipelineRequest, sourceIp } from './context';

/** What the audit needs of a request: the event and what the steps left in the context. */
export type AuditedRequest = Pick<PipelineRequest, 'event' | 'context'>;

export const AUDIT_ISSUED = 'guest-token.issued';
export const AUDIT_REFUSED = 'guest-token.refused';
export const AUDIT_CODE_ISSUED = 'code.issued';
export const AUDIT_CODE_REDEEMED = 'code.redeemed';
export const AUDIT_OAUTH_REFUSED = 'oauth.refused';

export interface IssuedEvent {
  guestId: string;
  upstreamLatencyMs: number;
}

/** Who a token or code is for: an anonymous guest, or a customer of a trusted issuer. */
export type VisitorKind = 'guest' | 'customer';

/** A redeemed code's visitor: a guest's random `sub` is logged, a customer's never is. */
export type RedeemedVisitor = { sub: string } | { customerOf: string };

export interface Audit extends Required<UpstreamEvents> {
  /** Runs the audit's own code once at init, nothing logged: the client-IP hash's first use. */
  warmUp(): void;
  /** Counts every invocation, so each one publishes at least one metric. */
  received(): void;
  issued(request: AuditedRequest, event: IssuedEvent): void;
  refused(request: AuditedRequest, error: HttpError | undefined): void;
  oauthRefreshed(latencyMs: number): void;
  keySetRefreshed(): void;
  identityKeysRefreshed(): void;
  preflight(): void;
  /** Messenger: a code was issued (by /guest-token or /authorize) for this new guest. */
  codeIssued(request: AuditedRequest, event: { sub: string; endpoint: string }): void;
  /** Messenger: Genesys redeemed a code at the token endpoint. */
  codeRedeemed(request: AuditedRequest, event: { visitor: RedeemedVisitor; method: string }): void;
  /** Messenger: an OAuth endpoint answered with an RFC 6749 / 6750 error. */
  oauthRefused(
    request: AuditedRequest,
    event: { endpoint: string; error: string; status: number; cause?: Error },
  ): void;
}

export interface AuditOptions {
  logger: Logger;
  metrics: Metrics;
  /** Key for the client-IP hash; a random per-container key when not configured. */
  ipHashKey?: string;
}

export function createAudit({ logger, metrics, ipHashKey }: AuditOptions): Audit {
  const key = ipHashKey ?? randomBytes(32).toString('hex');
  const hashIp = (ip: string) =>
    createHmac('sha256', key).update(ip).digest('base64url').slice(0, 22);

  const common = (request: AuditedRequest) => ({
    origin: header(request.event, 'origin') ?? null,
    clientIpHash: hashIp(sourceIp(request.event)),
  });
  /**
   * Guest or customer, and the trusted issuer: never a customer's subject, email or token
   * (a guest's `sub` is a random id and is logged where it was before).
   */
  const visitorKind = (request: AuditedRequest) => {
    const customer = request.context.customer;
    return customer
      ? { visitor: 'customer' as VisitorKind, issuer: customer.issuer }
      : { visitor: 'guest' as VisitorKind };
  };
  // One single-metric emitter per kind of visitor, built once with the audit: building one per
  // request (a Metrics instance and its Console) cost more than the rest of the audit together.
  const emitterFor = (visitor: VisitorKind) => {
    const single = metrics.singleMetric();
    single.setDefaultDimensions({ visitor });
    return single;
  };
  const visitorMetrics: Record<VisitorKind, Metrics> = {
    guest: emitterFor('guest'),
    customer: emitterFor('customer'),
  };
  const countByVisitor = (metricName: string, visitor: VisitorKind) =>
    visitorMetrics[visitor].addMetric(metricName, MetricUnit.Count, 1);
  /** What the visitor sent, as keys only: never a value. */
  const sent = (request: AuditedRequest) => ({
    attributeKeys: Object.keys(request.context.visitor?.customAttributes ?? {}),
    scrubbedKeys: request.context.scrubbedKeys ?? [],
  });

  const upstreamFailure = (upstream: string) => {
    const failure = metrics.singleMetric();
    failure.addDimension('upstream', upstream);
    failure.addMetric(METRIC.upstreamFailures, MetricUnit.Count, 1);
  };

  return {
    warmUp() {
      hashIp('192.0.2.1'); // a documentation address (RFC 5737)
    },
    received() {
      metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
    },
    issued(request, { guestId, upstreamLatencyMs }) {
      const visitor = request.context.visitor;
      const kind = visitorKind(request);
      logger.info(AUDIT_ISSUED, {
        audit: {
          event: 'issued',
          guestId,
          ...kind,
          ...common(request),
          ...sent(request),
          reason: visitor?.reason ?? 'initial',
          upstreamLatencyMs,
        },
      });
      metrics.addMetric(METRIC.tokensIssued, MetricUnit.Count, 1);
      countByVisitor(METRIC.tokensIssued, kind.visitor);
      metrics.addMetric(METRIC.mintLatency, MetricUnit.Milliseconds, upstreamLatencyMs);
      if (visitor?.reason === 'expired')
        metrics.addMetric(METRIC.expiryRefreshes, MetricUnit.Count, 1);
    },
    refused(request, error) {
      const code = error?.code ?? 'INTERNAL';
      const status = error?.status ?? 500;
      const upstream = error instanceof UpstreamUnavailableError ? error.upstream : undefined;
      // A refused identity token is worth a look (a broken sign-in, or an attack): WARN, with
      // its reason and issuer, never the token.
      const identity = error instanceof IdentityTokenInvalidError ? error : undefined;
      logger[status >= 500 || identity ? 'warn' : 'info'](AUDIT_REFUSED, {
        audit: {
          event: 'refused',
          code,
          status,
          ...common(request),
          ...(upstream && { upstream, detail: (error as UpstreamUnavailableError).detail }),
          ...(identity && { reason: identity.reason, issuer: identity.issuer ?? null }),
        },
      });
      const single = metrics.singleMetric();
      single.addDimension('code', code);
      single.addMetric(METRIC.refusals, MetricUnit.Count, 1);
      if (upstream) upstreamFailure(upstream);
    },
    oauthRefreshed(latencyMs) {
      metrics.addMetric(METRIC.oauthRefreshes, MetricUnit.Count, 1);
      metrics.addMetric(METRIC.oauthLatency, MetricUnit.Milliseconds, latencyMs);
    },
    keySetRefreshed() {
      metrics.addMetric(METRIC.keySetRefreshes, MetricUnit.Count, 1);
    },
    identityKeysRefreshed() {
      metrics.addMetric(METRIC.identityKeySetRefreshes, MetricUnit.Count, 1);
    },
    preflight() {
      metrics.addMetric(METRIC.preflights, MetricUnit.Count, 1);
    },
    codeIssued(request, { sub, endpoint }) {
      const kind = visitorKind(request);
      logger.info(AUDIT_CODE_ISSUED, {
        audit: {
          event: 'code-issued',
          endpoint,
          ...(kind.visitor === 'guest' && { sub }),
          ...kind,
          ...common(request),
          ...sent(request),
        },
      });
      metrics.addMetric(METRIC.codesIssued, MetricUnit.Count, 1);
      countByVisitor(METRIC.codesIssued, kind.visitor);
    },
    codeRedeemed(request, { visitor, method }) {
      const kind =
        'customerOf' in visitor
          ? { visitor: 'customer', issuer: visitor.customerOf }
          : { sub: visitor.sub, visitor: 'guest' };
      logger.info(AUDIT_CODE_REDEEMED, {
        audit: { event: 'code-redeemed', ...kind, clientAuth: method, ...common(request) },
      });
      metrics.addMetric(METRIC.codesRedeemed, MetricUnit.Count, 1);
    },
    oauthRefused(request, { endpoint, error, status, cause }) {
      const upstream = cause instanceof UpstreamUnavailableError ? cause : undefined;
      logger[status >= 500 ? 'warn' : 'info'](AUDIT_OAUTH_REFUSED, {
        audit: {
          event: 'oauth-refused',
          endpoint,
          error,
          status,
          ...common(request),
          ...(upstream && { upstream: upstream.upstream, detail: upstream.detail }),
        },
      });
      const single = metrics.singleMetric();
      single.addDimension('error', error);
      single.addMetric(METRIC.oauthErrors, MetricUnit.Count, 1);
      if (upstream) upstreamFailure(upstream.upstream);
    },
    retried(upstream, reason, delayMs) {
      logger.warn('upstream.retry', { upstream, reason, delayMs });
      const single = metrics.singleMetric();
      single.addDimension('upstream', upstream);
      single.addMetric(METRIC.upstreamRetries, MetricUnit.Count, 1);
    },
    breakerOpened(upstream, openMs) {
      logger.error('upstream.circuit-open', { upstream, openMs });
      const single = metrics.singleMetric();
      single.addDimension('upstream', upstream);
      single.addMetric(METRIC.circuitOpened, MetricUnit.Count, 1);
    },
    rateLimit(upstream, state) {
      logger.debug('upstream.rate-limit', { upstream, ...state });
    },
  };
}
