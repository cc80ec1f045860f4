// What every profile's chain shares: Powertools logging and metrics around the invocation, the
// request id as correlation id, lower-cased headers, and steps ①–⑤ with the error-to-response step.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { Clock } from '../platform/clock';
import { createLogger, createMetrics, type Logger, type Metrics } from '../platform/observability';
import type { WarmUp } from '../platform/warm-up';
import type { TokenBucket } from './abuse-guard';
import { guard } from './abuse-guard';
import { type Audit, createAudit } from './audit';
import type { PipelineContext, PipelineEvent, PipelineMiddleware, PipelineResult } from './context';
import { cors } from './cors';
import { errorResponse } from './error-response';
import { scrub } from './pii-scrub';
import type { SharedSettings } from './settings';
import type { SiteIdentity } from './site-identity/site-identity';
import { type ParseRequestOptions, parseRequest } from './validate-request';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  audit: Audit;
}

export function createObservability(
  config: SharedSettings,
  given: { logger?: Logger; metrics?: Metrics } = {},
): Observability {
  const logger = given.logger ?? createLogger(config.observability.logLevel);
  const metrics = given.metrics ?? createMetrics(logger, config.observability.metricsNamespace);
  return {
    logger,
    metrics,
    audit: createAudit({ logger, metrics, ipHashKey: config.observability.auditIpHashKey }),
  };
}

/** The outer layers: context and cold start in every log line, one EMF flush per invocation. */
export function outerChain({ logger, metrics, audit }: Observability) {
  const correlation: PipelineMiddleware = {
    before: async ({ event }) => {
      logger.setCorrelationId(event.requestContext?.requestId);
      audit.received();
    },
  };
  return middy<PipelineEvent, PipelineResult, Error, PipelineContext>({
    timeoutEarlyInMillis: 250,
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(correlation)
    .use(httpHeaderNormalizer());
}

export interface VisitorStepsOptions {
  config: SharedSettings;
  observability: Observability;
  clock: Clock;
  /** Fields the profile adds to the request body (step ②). */
  extraFields?: ParseRequestOptions['extraFields'];
  /** A per-IP bucket shared with other visitor-facing routes. */
  bucket?: TokenBucket;
  /** Step ⑤: the site's own sign-in (steps/site-identity/site-identity.ts). */
  identity: SiteIdentity;
}

/** What Lambda's init passes to a profile's warm-up. */
export interface WarmUpOptions {
  /** The function's name, for the cold-start metric's dimension (AWS_LAMBDA_FUNCTION_NAME). */
  functionName?: string;
}

/**
 * What init warms for every profile besides the steps: the audit's client-IP hash, and
 * Powertools' ColdStart metric, published now rather than by the first invocation.
 */
export function sharedWarmUps(
  { audit, metrics }: Observability,
  { functionName }: WarmUpOptions = {},
): WarmUp[] {
  return [{ warmUp: audit.warmUp }, { warmUp: () => metrics.captureColdStartMetric(functionName) }];
}

/** Steps ①–⑤, in order, with errors answered in the documented JSON shape (CORS headers included). */
export function visitorSteps({
  config,
  observability: { logger, audit },
  clock,
  extraFields,
  bucket,
  identity,
}: VisitorStepsOptions): Array<PipelineMiddleware & Partial<WarmUp>> {
  return [
    ...cors({ allowedOrigins: config.visitor.allowedOrigins, onPreflight: audit.preflight }),
    errorResponse({ logger, onRefusal: audit.refused }),
    parseRequest({ extraFields }),
    guard({
      bucket,
      ratePerMinute: config.visitor.rateLimitPerMinute,
      botUserAgentPatterns: config.visitor.botUserAgentPatterns,
      clock,
    }),
    scrub({ clock, dropAttributes: config.visitor.piiDropAttributes }),
    identity,
  ];
}
