// Logging and metrics, built once per container with Powertools. The logger's JSON replacer is
// the redaction layer: whatever a log call is handed, values under sensitive keys and anything
// shaped like a JWT, bearer/basic credential or email address are replaced before output.

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { UpstreamUnavailableError } from './errors';
import { type LogLevel, METRICS_NAMESPACE } from './settings';

export { METRICS_NAMESPACE };

import { METRIC, SERVICE_NAME } from './metric-names';

export { METRIC, SERVICE_NAME };

const REDACTED = '[REDACTED]';
/** Keys whose values are never logged, whatever they hold (compared case-insensitively). */
const SENSITIVE_KEYS = new Set([
  'accesstoken',
  'access_token',
  'authorization',
  'clientsecret',
  'client_secret',
  'clientid',
  'cookie',
  'set-cookie',
  'email',
  'visitorname',
  'guestname',
  'password',
  'secret',
  'secretstring',
  'token',
  'jwt',
  'body',
  'customattributes',
  'value',
  'values',
  'authcode',
  'code_verifier',
  'codeverifier',
  'id_token',
  'refresh_token',
  'refreshtoken',
  'identitytoken',
  'phone_number',
  'guestsession',
  // The Config holds the runtime's session token (for the secrets extension): never log it.
  'sessiontoken',
  'aws_session_token',
]);
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const CREDENTIAL_SHAPE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const EMAIL_SHAPE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** The redaction layer, as a JSON.stringify replacer. Exported for its tests. */
export function redact(key: string, value: unknown): unknown {
  if (
    key !== '' &&
    SENSITIVE_KEYS.has(key.toLowerCase()) &&
    value !== undefined &&
    value !== null
  ) {
    return REDACTED;
  }
  if (typeof value === 'string') {
    return value
      .replace(JWT_SHAPE, REDACTED)
      .replace(CREDENTIAL_SHAPE, `$1 ${REDACTED}`)
      .replace(EMAIL_SHAPE, REDACTED);
  }
  return value;
}

export function createLogger(logLevel: LogLevel): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel, jsonReplacerFn: redact });
}

/** Metrics' own warnings go through the logger, so they are structured and redacted too. */
export function createMetrics(logger: Logger, namespace = METRICS_NAMESPACE): Metrics {
  return new Metrics({ namespace, serviceName: SERVICE_NAME, logger });
}

/**
 * What a secret's failed re-read reports while its last good value is served: a WARN line (the
 * failure's value-free detail, never the secret) and the StaleSecretServed metric.
 */
export function reportStaleSecret(logger: Logger, metrics: Metrics, secretKind: string) {
  return (error: unknown): void => {
    logger.warn('secret.stale', {
      secretKind,
      detail: error instanceof UpstreamUnavailableError ? error.detail : (error as Error).name,
    });
    metrics.singleMetric().addMetric(METRIC.staleSecretServed, MetricUnit.Count, 1);
  };
}

export type { Logger, Metrics };
export { MetricUnit };
