// The guest-api profile's audit events: one line per guest token issued, and the counts of
// OAuth token and key-set refreshes, built on the shared audit (lambda/steps/audit.ts).

import { METRIC, MetricUnit } from '../../platform/observability';
import type { Audit, AuditedRequest } from '../../steps/audit';

export const AUDIT_ISSUED = 'guest-token.issued';

export interface IssuedEvent {
  guestId: string;
  upstreamLatencyMs: number;
}

export function createGuestApiAudit({ record }: Audit) {
  const { logger, metrics } = record;
  return {
    issued(request: AuditedRequest, { guestId, upstreamLatencyMs }: IssuedEvent) {
      const visitor = request.context.visitor;
      const kind = record.visitorKind(request);
      logger.info(AUDIT_ISSUED, {
        audit: {
          event: 'issued',
          guestId,
          ...kind,
          ...record.common(request),
          ...record.sent(request),
          reason: visitor?.reason ?? 'initial',
          upstreamLatencyMs,
        },
      });
      metrics.addMetric(METRIC.tokensIssued, MetricUnit.Count, 1);
      record.countByVisitor(METRIC.tokensIssued, kind.visitor);
      metrics.addMetric(METRIC.mintLatency, MetricUnit.Milliseconds, upstreamLatencyMs);
      if (visitor?.reason === 'expired')
        metrics.addMetric(METRIC.expiryRefreshes, MetricUnit.Count, 1);
    },
    oauthRefreshed(latencyMs: number) {
      metrics.addMetric(METRIC.oauthRefreshes, MetricUnit.Count, 1);
      metrics.addMetric(METRIC.oauthLatency, MetricUnit.Milliseconds, latencyMs);
    },
    keySetRefreshed() {
      metrics.addMetric(METRIC.keySetRefreshes, MetricUnit.Count, 1);
    },
  };
}
