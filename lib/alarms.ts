// What pages someone: 5xx rate, p99 latency, Lambda errors and throttles, WAF block spikes and a
// failing upstream (UpstreamFailures); with an alarm email, each notifies SNS on ALARM and OK.

import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC } from '../lambda/platform/observability';
import {
  acrossUpstreams,
  BREAKER_UPSTREAMS,
  CODE_TABLE_OPERATIONS,
  handlerMetric,
  MESSENGER_UPSTREAMS,
  UPSTREAMS,
} from './handler-metrics';
import type { StackSettings } from './settings';

const PERIOD = Duration.minutes(5);

export interface GuestTokenAlarmsProps {
  api: apigateway.RestApi;
  handler: lambda.IFunction;
  webAclName: string;
  settings: StackSettings;
  /** Messenger: the code table, whose throttled requests page someone. */
  codeTable?: dynamodb.ITable;
}

export class GuestTokenAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.Topic | undefined;

  constructor(scope: Construct, id: string, props: GuestTokenAlarmsProps) {
    super(scope, id);
    const { api, handler, webAclName, settings } = props;

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
      'The guest token function failed (a crash or timeout, not a refused request)',
      handler.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      1,
      1,
      1,
    );
    alarm(
      'LambdaThrottles',
      'The guest token function was throttled (reserved or account concurrency reached)',
      handler.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      1,
      1,
      1,
    );
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
      acrossUpstreams(METRIC.upstreamFailures, messenger ? MESSENGER_UPSTREAMS : UPSTREAMS, PERIOD),
      10,
      2,
      2,
    );
    // The messenger profile calls no Genesys endpoint, so it has no circuit breaker.
    if (!messenger) {
      alarm(
        'CircuitOpen',
        'A circuit breaker opened: a Genesys endpoint failed 5 calls in a row',
        acrossUpstreams(METRIC.circuitOpened, BREAKER_UPSTREAMS, PERIOD),
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

    // Messenger: a rotated refresh token came back past the grace. Each one revoked a family;
    // one is a Genesys retry gone wrong, several are a stolen token being tried.
    if (messenger) {
      alarm(
        'RefreshTokenReuse',
        'A rotated refresh token was presented again past the 30 s grace (its session family was revoked)',
        handlerMetric(METRIC.refreshTokenReuse, {
          period: PERIOD,
          statistic: cloudwatch.Stats.SUM,
        }),
        1,
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
        handlerMetric(METRIC.upstreamFailures, {
          period: PERIOD,
          statistic: cloudwatch.Stats.SUM,
          dimensions: { upstream: 'identity' },
        }),
        5,
        1,
        1,
      );
    }

    if (settings.alarmEmail) {
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'Guest token proxy alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
      const notify = new actions.SnsAction(this.topic);
      for (const each of this.alarms) {
        each.addAlarmAction(notify);
        each.addOkAction(notify);
      }
    }
  }
}
