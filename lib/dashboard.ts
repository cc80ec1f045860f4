// The operator's view: what the handler reports (from lambda/platform/observability.ts's METRIC,
// the names the code emits) beside what AWS reports about the function and the web ACL.

import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Profile } from '../lambda/config';
import { METRIC } from '../lambda/platform/metric-names';
import {
  BREAKER_UPSTREAMS,
  CODE_TABLE_OPERATIONS,
  handlerMetrics,
  MESSENGER_UPSTREAMS,
  UPSTREAMS,
} from './handler-metrics';

const PERIOD = Duration.minutes(1);
const WIDTH = 8;
const HEIGHT = 6;

export interface GuestTokenDashboardProps {
  /** Every function of the stack: the visitors', then Genesys's in the messenger profile. */
  handlers: readonly lambda.IFunction[];
  /** The web ACL this construct made, if it made one. */
  webAclName: string | undefined;
  profile: Profile;
  /** Where the handler publishes its metrics. */
  metricsNamespace: string;
  /** The dashboard's name (unique in the account and region). */
  dashboardName: string;
  /** Trusted issuers are configured: chart guests against known customers. */
  knownCustomers?: boolean;
  /** Messenger: the code table, for DynamoDB's own throttling metric. */
  codeTable?: dynamodb.ITable;
}

export class GuestTokenDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    {
      handlers,
      webAclName,
      profile,
      knownCustomers = false,
      codeTable,
      metricsNamespace,
      dashboardName,
    }: GuestTokenDashboardProps,
  ) {
    super(scope, id);
    const m = handlerMetrics(metricsNamespace);
    const genesys = handlers[1];
    const label = (fn: lambda.IFunction, what: string) =>
      genesys === undefined ? what : `${what} (${fn === genesys ? 'Genesys' : 'visitors'})`;
    const sum = cloudwatch.Stats.SUM;
    const count = (name: (typeof METRIC)[keyof typeof METRIC], label: string) =>
      m.metric(name, { period: PERIOD, statistic: sum }).with({ label });
    const percentiles = (name: (typeof METRIC)[keyof typeof METRIC], label: string) =>
      (['p50', 'p99'] as const).map((p) =>
        m.metric(name, { period: PERIOD, statistic: p }).with({ label: `${label} ${p}` }),
      );
    const perUpstream = (name: (typeof METRIC)[keyof typeof METRIC], upstreams = UPSTREAMS) =>
      upstreams.map((upstream) =>
        m.metric(name, { period: PERIOD, statistic: sum, dimensions: { upstream } }).with({
          label: upstream,
        }),
      );
    const waf = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName,
        dimensionsMap: { WebACL: webAclName ?? '', Region: Stack.of(this).region, Rule: 'ALL' },
        period: PERIOD,
        statistic: sum,
        label,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], unit?: string) =>
      new cloudwatch.GraphWidget({
        title,
        left,
        width: WIDTH,
        height: HEIGHT,
        ...(unit && { leftYAxis: { label: unit, showUnits: false } }),
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.hours(3),
    });
    const coldStarts = handlers.map((fn) =>
      m
        .metric(METRIC.coldStart, {
          period: PERIOD,
          statistic: sum,
          dimensions: { function_name: fn.functionName },
        })
        .with({ label: label(fn, 'cold starts') }),
    );

    if (profile === 'guest-api') {
      this.dashboard.addWidgets(
        graph('Tokens issued', [
          count(METRIC.tokensIssued, 'issued'),
          count(METRIC.requests, 'requests'),
          count(METRIC.expiryRefreshes, 'after expiry'),
          count(METRIC.preflights, 'preflights'),
        ]),
        graph('Refusals by code', [m.byDimension(METRIC.refusals, 'code', PERIOD)]),
        graph(
          'Genesys latency',
          [
            ...percentiles(METRIC.mintLatency, 'mint'),
            ...percentiles(METRIC.oauthLatency, 'OAuth'),
          ],
          'ms',
        ),
      );
      this.dashboard.addWidgets(
        graph('Upstream failures by upstream', perUpstream(METRIC.upstreamFailures)),
        graph(
          'Upstream retries by upstream',
          perUpstream(METRIC.upstreamRetries, BREAKER_UPSTREAMS),
        ),
        graph('Circuit opens by upstream', perUpstream(METRIC.circuitOpened, BREAKER_UPSTREAMS)),
      );
      this.dashboard.addWidgets(
        graph('Cold starts and cache loads', [
          ...coldStarts,
          count(METRIC.oauthRefreshes, 'OAuth tokens fetched'),
          count(METRIC.keySetRefreshes, 'key sets fetched'),
        ]),
      );
    } else {
      this.dashboard.addWidgets(
        graph('Codes issued and redeemed', [
          count(METRIC.codesIssued, 'issued'),
          count(METRIC.codesRedeemed, 'redeemed by Genesys'),
          count(METRIC.requests, 'requests'),
          count(METRIC.preflights, 'preflights'),
        ]),
        graph('Refusals by code (visitor paths)', [m.byDimension(METRIC.refusals, 'code', PERIOD)]),
        graph('OAuth errors by error (/authorize, /oauth/token, /userinfo, /oauth/revoke)', [
          m.byDimension(METRIC.oauthErrors, 'error', PERIOD),
        ]),
      );
      // Sessions that outlive one code: refreshes, ends and the replays that revoked a family.
      this.dashboard.addWidgets(
        graph('Sessions: refreshes, revocations, back-channel logouts', [
          count(METRIC.tokensRefreshed, 'refreshes'),
          count(METRIC.backchannelLogouts, 'back-channel logouts'),
          m.byDimension(METRIC.sessionRevocations, 'via', PERIOD),
        ]),
        graph('Refresh-token reuse detected (each revoked a family)', [
          count(METRIC.refreshTokenReuse, 'reuse detected'),
        ]),
        // A rotation of the client secret: while Genesys still sends the previous one, it is not
        // safe to drop it from the secret.
        graph('Client secret rotation: redemptions with the previous secret', [
          count(METRIC.previousClientSecretUsed, 'previous secret used'),
        ]),
      );
      this.dashboard.addWidgets(
        graph(
          'Upstream failures by upstream',
          perUpstream(METRIC.upstreamFailures, MESSENGER_UPSTREAMS),
        ),
        graph('Cold starts', coldStarts),
      );
      // Throttling that the SDK's retries absorb shows here before it fails requests above.
      this.dashboard.addWidgets(
        graph('AWS throttling: code table and KMS Sign', [
          ...(codeTable
            ? [
                codeTable.metricThrottledRequestsForOperations({
                  operations: CODE_TABLE_OPERATIONS,
                  period: PERIOD,
                  label: 'DynamoDB throttled requests',
                }),
              ]
            : []),
          new cloudwatch.Metric({
            namespace: 'AWS/Usage',
            metricName: 'CallCount',
            dimensionsMap: { Service: 'KMS', Type: 'API', Resource: 'Sign', Class: 'None' },
            period: PERIOD,
            statistic: sum,
            label: 'KMS Sign calls (account quota: RSA 500/s shared by the region)',
          }),
        ]),
      );
    }
    if (knownCustomers) {
      this.dashboard.addWidgets(
        graph(
          `${profile === 'guest-api' ? 'Tokens' : 'Codes'} by visitor: guests and known customers`,
          [
            m.byDimension(
              profile === 'guest-api' ? METRIC.tokensIssued : METRIC.codesIssued,
              'visitor',
              PERIOD,
            ),
          ],
        ),
        graph("Sites' key sets fetched", [
          count(METRIC.identityKeySetRefreshes, 'key sets fetched'),
        ]),
      );
    }
    this.dashboard.addWidgets(
      graph(
        'Lambda duration',
        handlers.flatMap((fn) =>
          (['p50', 'p99'] as const).map((p) =>
            fn.metricDuration({ period: PERIOD, statistic: p, label: label(fn, `duration ${p}`) }),
          ),
        ),
        'ms',
      ),
      graph(
        'Lambda errors and throttles',
        handlers.flatMap((fn) => [
          fn.metricErrors({ period: PERIOD, statistic: sum, label: label(fn, 'errors') }),
          fn.metricThrottles({ period: PERIOD, statistic: sum, label: label(fn, 'throttles') }),
          fn.metricInvocations({ period: PERIOD, statistic: sum, label: label(fn, 'invocations') }),
        ]),
      ),
      // A secret's re-read failed and its last good value was served instead.
      graph('Secrets served stale after a failed re-read', [
        count(METRIC.staleSecretServed, 'stale secret served'),
      ]),
      ...(webAclName
        ? [
            graph('WAF allowed vs blocked', [
              waf('AllowedRequests', 'allowed'),
              waf('BlockedRequests', 'blocked'),
            ]),
          ]
        : []),
    );
  }
}
