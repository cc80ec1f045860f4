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

export const AUDIT_REFUSED = 'guest-token.refused';

/** Who a token or code is for: an anonymous guest, or a customer of a trusted issuer. */
export type VisitorKind = 'guest' | 'customer';

export interface Audit extends Required<UpstreamEvents> {
  /** Runs the audit's own code once at init, nothing logged: the client-IP hash's first use. */
  warmUp(): void;
  /** Counts every invocation, so each one publishes at least one metric. */
  received(): void;
  refused(request: AuditedRequest, error: HttpError | undefined): void;
  identityKeysRefreshed(): void;
  preflight(): void;
  /** What a profile's own audit events are built from (each profile's audit.ts). */
  readonly record: AuditRecord;
}

/** The shared parts of every audit line and count, for the profiles' own events. */
export interface AuditRecord {
  logger: Logger;
  metrics: Metrics;
  /** The origin and the keyed hash of the client IP. */
  common(request: AuditedRequest): { origin: string | null; clientIpHash: string };
  /** Guest or customer, and the trusted issuer: never a customer's subject, email or token. */
  visitorKind(request: AuditedRequest): { visitor: VisitorKind; issuer?: string };
  /** What the visitor sent, as keys only: never a value. */
  sent(request: AuditedRequest): { attributeKeys: string[]; scrubbedKeys: string[] };
  countByVisitor(metricName: string, visitor: VisitorKind): void;
  upstreamFailure(upstream: string): void;
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
      ? { visitor: 'customer' as const, issuer: customer.issuer }
      : { visitor: 'guest' as const };
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
    record: { logger, metrics, common, visitorKind, sent, countByVisitor, upstreamFailure },
    warmUp() {
      hashIp('192.0.2.1'); // a documentation address (RFC 5737)
    },
    received() {
      metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
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
    identityKeysRefreshed() {
      metrics.addMetric(METRIC.identityKeySetRefreshes, MetricUnit.Count, 1);
    },
    preflight() {
      metrics.addMetric(METRIC.preflights, MetricUnit.Count, 1);
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
