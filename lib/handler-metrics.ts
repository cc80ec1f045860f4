// The handler's own CloudWatch metrics (EMF, lambda/steps/audit.ts and each profile's audit.ts), as
// CDK metric objects for the alarms and the dashboard, in the stack's own namespace. Names come
// from lambda/platform/observability.ts's METRIC, the list the code emits from.

import { type Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { Upstream } from '../lambda/platform/errors';
import { type METRIC, SERVICE_NAME } from '../lambda/platform/metric-names';
import { METRICS_NAMESPACE } from '../lambda/platform/settings';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Every upstream the handler reports on; Secrets Manager goes through the SDK's own retries. */
export const UPSTREAMS: readonly Upstream[] = ['secrets', 'oauth', 'mint', 'keys'];
export const BREAKER_UPSTREAMS: readonly Upstream[] = ['oauth', 'mint', 'keys'];
/** The messenger profile calls no Genesys endpoint: its upstreams are AWS services. */
export const MESSENGER_UPSTREAMS: readonly Upstream[] = ['secrets', 'kms', 'codes'];
/** What the messenger profile does to its code table (codes, refresh tokens, sign-outs); TTL deletes. */
export const CODE_TABLE_OPERATIONS = [
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
];

/**
 * The namespace a stack's handler publishes to (METRICS_NAMESPACE in its environment): the
 * product's, then the stack's name, so two stacks in one account (one per brand) never chart or
 * alarm on each other's traffic.
 */
export function metricsNamespaceOf(scope: Construct): string {
  return `${METRICS_NAMESPACE}/${Stack.of(scope).stackName}`;
}

/** The handler's metrics in one stack's namespace, as CDK metric objects. */
export function handlerMetrics(namespace: string) {
  const metric = (
    metricName: MetricName,
    options: { period: Duration; statistic: string; dimensions?: Record<string, string> },
  ): cloudwatch.Metric =>
    new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { service: SERVICE_NAME, ...options.dimensions },
      period: options.period,
      statistic: options.statistic,
    });

  return {
    metric,

    /** One of the per-upstream metrics, summed over the given upstreams. */
    acrossUpstreams(
      metricName: MetricName,
      upstreams: readonly Upstream[],
      period: Duration,
    ): cloudwatch.MathExpression {
      return new cloudwatch.MathExpression({
        label: metricName,
        expression: upstreams.join(' + '),
        period,
        usingMetrics: Object.fromEntries(
          upstreams.map((upstream) => [
            upstream,
            metric(metricName, {
              period,
              statistic: cloudwatch.Stats.SUM,
              dimensions: { upstream },
            }),
          ]),
        ),
      });
    },

    /** Every value of one dimension of a metric, whichever values the handler has emitted. */
    byDimension(
      metricName: MetricName,
      dimension: string,
      period: Duration,
    ): cloudwatch.MathExpression {
      return new cloudwatch.MathExpression({
        label: '',
        expression: `SEARCH('{"${namespace}",${dimension},service} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
        period,
      });
    },
  };
}

export type HandlerMetrics = ReturnType<typeof handlerMetrics>;
