// The messenger profile's audit events: codes issued and redeemed, and OAuth errors answered,
// built on the shared audit (lambda/steps/audit.ts). A guest's random `sub` is logged; a
// customer's subject never is.

import { UpstreamUnavailableError } from '../../platform/errors';
import { METRIC, MetricUnit } from '../../platform/observability';
import type { Audit, AuditedRequest } from '../../steps/audit';

export const AUDIT_CODE_ISSUED = 'code.issued';
export const AUDIT_CODE_REDEEMED = 'code.redeemed';
export const AUDIT_OAUTH_REFUSED = 'oauth.refused';
export const AUDIT_GUEST_SESSION_REFUSED = 'guest-session.refused';
export const AUDIT_TOKENS_REFRESHED = 'tokens.refreshed';
export const AUDIT_REFRESH_REUSE = 'refresh-token.reused';
export const AUDIT_TOKENS_REVOKED = 'tokens.revoked';
export const AUDIT_BACKCHANNEL_LOGOUT = 'backchannel-logout';
export const AUDIT_LOGOUT_REFUSED = 'backchannel-logout.refused';

/** A redeemed code's visitor: a guest's random `sub` is logged, a customer's never is. */
export type RedeemedVisitor = { sub: string } | { customerOf: string };

/** A guest's random `sub`, or a customer's issuer: never a customer's subject. */
function visitorFields(visitor: RedeemedVisitor) {
  return 'customerOf' in visitor
    ? { visitor: 'customer', issuer: visitor.customerOf }
    : { sub: visitor.sub, visitor: 'guest' };
}

export function createMessengerAudit({ record }: Audit) {
  const { logger, metrics } = record;
  return {
    /** A code was issued (by /guest-token or /authorize). */
    codeIssued(request: AuditedRequest, { sub, endpoint }: { sub: string; endpoint: string }) {
      const kind = record.visitorKind(request);
      logger.info(AUDIT_CODE_ISSUED, {
        audit: {
          event: 'code-issued',
          endpoint,
          ...(kind.visitor === 'guest' && { sub }),
          ...kind,
          ...record.common(request),
          ...record.sent(request),
        },
      });
      metrics.addMetric(METRIC.codesIssued, MetricUnit.Count, 1);
      record.countByVisitor(METRIC.codesIssued, kind.visitor);
    },
    /**
     * A page sent back a guest session that did not open (tampered, foreign, expired): it gets
     * a new guest identity, and this WARN line says why, never the value.
     */
    guestSessionRefused(request: AuditedRequest, reason: string) {
      logger.warn(AUDIT_GUEST_SESSION_REFUSED, {
        audit: { event: 'guest-session-refused', reason, ...record.common(request) },
      });
    },
    /** Genesys redeemed a code at the token endpoint. */
    codeRedeemed(
      request: AuditedRequest,
      { visitor, method }: { visitor: RedeemedVisitor; method: string },
    ) {
      logger.info(AUDIT_CODE_REDEEMED, {
        audit: {
          event: 'code-redeemed',
          ...visitorFields(visitor),
          clientAuth: method,
          ...record.common(request),
        },
      });
      metrics.addMetric(METRIC.codesRedeemed, MetricUnit.Count, 1);
    },
    /** Genesys refreshed a session: a new access token, id_token and refresh token. */
    tokensRefreshed(
      request: AuditedRequest,
      { visitor, method }: { visitor: RedeemedVisitor; method: string },
    ) {
      logger.info(AUDIT_TOKENS_REFRESHED, {
        audit: {
          event: 'tokens-refreshed',
          ...visitorFields(visitor),
          clientAuth: method,
          ...record.common(request),
        },
      });
      metrics.addMetric(METRIC.tokensRefreshed, MetricUnit.Count, 1);
    },
    /**
     * A rotated refresh token came back past the grace: stolen, or a client gone wrong. Its
     * family is revoked; WARN, never the token.
     */
    refreshTokenReused(request: AuditedRequest, visitor: RedeemedVisitor) {
      logger.warn(AUDIT_REFRESH_REUSE, {
        audit: {
          event: 'refresh-token-reused',
          ...visitorFields(visitor),
          ...record.common(request),
        },
      });
      metrics.addMetric(METRIC.refreshTokenReuse, MetricUnit.Count, 1);
    },
    /** Genesys authenticated with the previous client secret: the rotation is not over yet. */
    previousClientSecretUsed() {
      metrics.addMetric(METRIC.previousClientSecretUsed, MetricUnit.Count, 1);
    },
    /** RFC 7009: a revocation request, and whether it revoked a family. */
    tokensRevoked(
      request: AuditedRequest,
      { revoked, method }: { revoked: boolean; method: string },
    ) {
      logger.info(AUDIT_TOKENS_REVOKED, {
        audit: { event: 'tokens-revoked', revoked, clientAuth: method, ...record.common(request) },
      });
      if (revoked) {
        const single = metrics.singleMetric();
        single.addDimension('via', 'revocation');
        single.addMetric(METRIC.sessionRevocations, MetricUnit.Count, 1);
      }
    },
    /**
     * A site's sign-out ended a customer's sessions (`scope` customer) or one site session's
     * (`session`); nothing of the token, subject or sid is logged.
     */
    backchannelLogout(
      request: AuditedRequest,
      { issuer, scope }: { issuer: string; scope: 'customer' | 'session' },
    ) {
      logger.info(AUDIT_BACKCHANNEL_LOGOUT, {
        audit: { event: 'backchannel-logout', issuer, scope, ...record.common(request) },
      });
      metrics.addMetric(METRIC.backchannelLogouts, MetricUnit.Count, 1);
      const single = metrics.singleMetric();
      single.addDimension('via', 'backchannel-logout');
      single.addMetric(METRIC.sessionRevocations, MetricUnit.Count, 1);
    },
    /** A logout token was refused: a broken IdP setup, or a forgery. WARN with the reason. */
    logoutRefused(
      request: AuditedRequest,
      { reason, issuer }: { reason: string; issuer?: string },
    ) {
      logger.warn(AUDIT_LOGOUT_REFUSED, {
        audit: {
          event: 'logout-refused',
          reason,
          issuer: issuer ?? null,
          ...record.common(request),
        },
      });
    },
    /** An OAuth endpoint answered with an RFC 6749 / 6750 error. */
    oauthRefused(
      request: AuditedRequest,
      {
        endpoint,
        error,
        status,
        cause,
      }: { endpoint: string; error: string; status: number; cause?: Error },
    ) {
      const upstream = cause instanceof UpstreamUnavailableError ? cause : undefined;
      logger[status >= 500 ? 'warn' : 'info'](AUDIT_OAUTH_REFUSED, {
        audit: {
          event: 'oauth-refused',
          endpoint,
          error,
          status,
          ...record.common(request),
          ...(upstream && { upstream: upstream.upstream, detail: upstream.detail }),
        },
      });
      const single = metrics.singleMetric();
      single.addDimension('error', error);
      single.addMetric(METRIC.oauthErrors, MetricUnit.Count, 1);
      if (upstream) record.upstreamFailure(upstream.upstream);
    },
  };
}
