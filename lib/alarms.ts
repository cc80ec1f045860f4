// What pages someone: 5xx rate, p99 latency, Lambda errors and throttles, WAF block spikes and a
// failing upstream (UpstreamFailures); in the messenger profile also a broken integration (Genesys
// failing client authentication, codes issued but never redeemed) and refresh-token reuse. Each
// notifies the alarm topic (the team's own, or one made for the alarm email) on ALARM and OK.

import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC } from '../lambda/platform/metric-names';
import {
  BREAKER_UPSTREAMS,
  CODE_TABLE_OPERATIONS,
  handlerMetrics,
  MESSENGER_UPSTREAMS,
  type MetricName,
  UPSTREAMS,
} from './handler-metrics';
import type { StackSettings } from './settings';

const PERIOD = Duration.minutes(5);
/** Codes are judged over 15 minutes: Messenger redeems within seconds, but traffic is bursty. */
const CODES_PERIOD = Duration.minutes(15);
/** Fewer codes than this in CODES_PERIOD say nothing about the integration. */
export const CODES_FLOOR = 10;
/** Refresh-token reuse: the share of refreshes that alarms, and the refreshes it is judged against at least. */
export const REUSE_RATE = 0.05;
const REUSE_FLOOR = 40;

export interface GuestTokenAlarmsProps {
  api: apigateway.RestApi;
  /** Every function of the stack (the visitors', and Genesys's in the messenger profile). */
  handlers: readonly lambda.IFunction[];
  /** The web ACL this construct made; none when the team brings its own (or has none). */
  webAclName: string | undefined;
  settings: StackSettings;
  /** Messenger: the code table, whose throttled requests page someone. */
  codeTable?: dynamodb.ITable;
  /** Where the handler publishes its metrics. */
  metricsNamespace: string;
  /** The team's own topic for every alarm; without it, `alarmEmail` makes one. */
  topic?: sns.ITopic | undefined;
}

export class GuestTokenAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: GuestTokenAlarmsProps) {
    super(scope, id);
    const { api, handlers, webAclName, settings } = props;
    const m = handlerMetrics(props.metricsNamespace);
    const acrossFunctions = (
      label: string,
      metricOf: (fn: lambda.IFunction) => cloudwatch.IMetric,
    ) =>
      new cloudwatch.MathExpression({
        label,
        expression: handlers.map((_, index) => `f${index}`).join(' + '),
        period: PERIOD,
        usingMetrics: Object.fromEntries(handlers.map((fn, index) => [`f${index}`, metricOf(fn)])),
      });

    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      evaluationPeriods = 3,
      datapointsToAlarm = 2,
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
    };

    alarm(
      'Api5xxRate',
      'More than 5% of guest token requests answered 5xx',
      api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.AVERAGE }),
      0.05,
    );
    alarm(
      'ApiLatencyP99',
      'p99 latency of the guest token API above 3 s',
      api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99) }),
      3000,
    );
    alarm(
      'LambdaErrors',
      'A function of the service failed (a crash or timeout, not a refused request)',
      acrossFunctions('errors', (fn) =>
        fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ),
      1,
      1,
      1,
    );
    alarm(
      'LambdaThrottles',
      'A function of the service was throttled (its reserved or the account concurrency reached)',
      acrossFunctions('throttles', (fn) =>
        fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ),
      1,
      1,
      1,
    );
    if (webAclName)
      alarm(
        'WafBlockedSpike',
        `The web ACL blocked ${settings.wafBlockedAlarmThreshold} or more requests in 5 minutes`,
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName: 'BlockedRequests',
          dimensionsMap: { WebACL: webAclName, Region: Stack.of(this).region, Rule: 'ALL' },
          period: PERIOD,
          statistic: cloudwatch.Stats.SUM,
        }),
        settings.wafBlockedAlarmThreshold,
        1,
        1,
      );
    const messenger = settings.profile === 'messenger';
    alarm(
      'UpstreamFailures',
      messenger
        ? 'Secrets Manager, KMS or the code table failed 10 or more requests in 5 minutes'
        : 'Genesys Cloud or Secrets Manager failed 10 or more requests in 5 minutes',
      m.acrossUpstreams(
        METRIC.upstreamFailures,
        messenger ? MESSENGER_UPSTREAMS : UPSTREAMS,
        PERIOD,
      ),
      10,
      2,
      2,
    );
    // The messenger profile calls no Genesys endpoint, so it has no circuit breaker.
    if (!messenger) {
      alarm(
        'CircuitOpen',
        'A circuit breaker opened: a Genesys endpoint failed 5 calls in a row',
        m.acrossUpstreams(METRIC.circuitOpened, BREAKER_UPSTREAMS, PERIOD),
        1,
        1,
        1,
      );
    }

    // Messenger: DynamoDB throttling the code table past what the SDK's retries absorb.
    if (props.codeTable) {
      alarm(
        'CodeTableThrottled',
        'DynamoDB throttled 10 or more requests on the code table in 5 minutes',
        props.codeTable.metricThrottledRequestsForOperations({
          operations: CODE_TABLE_OPERATIONS,
          period: PERIOD,
        }),
        10,
        1,
        1,
      );
    }

    if (messenger) {
      const sum = (metricName: MetricName, dimensions?: Record<string, string>, period = PERIOD) =>
        m.metric(metricName, { period, statistic: cloudwatch.Stats.SUM, dimensions });
      // A rotated refresh token came back past the grace, and revoked its family. One now and
      // then is a Genesys retry gone wrong; a rate of them is a stolen token being tried.
      alarm(
        'RefreshTokenReuse',
        'Rotated refresh tokens presented again past the 30 s grace: 5% or more of refreshes (at least 2) in 5 minutes; each revoked its session family',
        new cloudwatch.MathExpression({
          label: 'reuse per refresh',
          expression: `IF(FILL(refreshes, 0) > ${REUSE_FLOOR}, FILL(reuse, 0) / FILL(refreshes, 0), FILL(reuse, 0) / ${REUSE_FLOOR})`,
          period: PERIOD,
          usingMetrics: {
            reuse: sum(METRIC.refreshTokenReuse),
            refreshes: sum(METRIC.tokensRefreshed),
          },
        }),
        REUSE_RATE,
        1,
        1,
      );
      // Genesys cannot authenticate at /oauth/token: the client secret in the integration is not
      // ours (a rotation half done, a paste gone wrong). Every redemption fails with a 4xx.
      alarm(
        'ClientAuthenticationFailing',
        'Genesys failed client authentication (invalid_client) 3 or more times in 5 minutes: the integration does not hold our client id and secret',
        sum(METRIC.oauthErrors, { error: 'invalid_client' }),
        3,
        1,
        1,
      );
      // Codes the page got that Genesys never redeemed: a wrong redirect URI, Discovery URI or
      // client in the integration, or Messenger not sending the code on. Only with enough codes
      // to judge.
      alarm(
        'CodesNotRedeemed',
        `Half or more of the codes issued in 15 minutes (at least ${CODES_FLOOR}) were never redeemed by Genesys`,
        new cloudwatch.MathExpression({
          label: 'share of codes not redeemed',
          expression: `IF(FILL(issued, 0) >= ${CODES_FLOOR}, (FILL(issued, 0) - FILL(redeemed, 0)) / FILL(issued, 0), 0)`,
          period: CODES_PERIOD,
          usingMetrics: {
            issued: sum(METRIC.codesIssued, undefined, CODES_PERIOD),
            redeemed: sum(METRIC.codesRedeemed, undefined, CODES_PERIOD),
          },
        }),
        0.5,
        1,
        1,
      );
    }

    // Known customers: a site's sign-in whose discovery document or key set cannot be read.
    // Signed-in customers are then refused (503 IDENTITY_UNAVAILABLE); guests are not affected.
    if (settings.knownCustomers) {
      alarm(
        'SiteSignInUnavailable',
        "A site's key set could not be read for 5 or more requests in 5 minutes: signed-in customers get 503 IDENTITY_UNAVAILABLE",
        m.metric(METRIC.upstreamFailures, {
          period: PERIOD,
          statistic: cloudwatch.Stats.SUM,
          dimensions: { upstream: 'identity' },
        }),
        5,
        1,
        1,
      );
    }

    this.topic =
      props.topic ??
      (settings.alarmEmail
        ? new sns.Topic(this, 'Topic', {
            displayName: 'Guest token proxy alarms',
            enforceSSL: true,
          })
        : undefined);
    if (settings.alarmEmail && !props.topic && this.topic)
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    if (this.topic) {
      const notify = new actions.SnsAction(this.topic);
      for (const each of this.alarms) {
        each.addAlarmAction(notify);
        each.addOkAction(notify);
      }
    }
  }
}
