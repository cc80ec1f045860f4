// The first line of abuse control, in front of the stage: a per-IP rate-based rule that answers
// 429 with Retry-After in the API's own error shape, and AWS's managed rule groups (common
// rules, known bad inputs, IP reputation; anonymous IPs on request). Every rule has metrics.
// The handler's per-container token bucket (lambda/guard.ts) is the second line.

import { Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StackSettings } from './settings';

export const RATE_RULE_NAME = 'RateLimitPerIp';

export interface GuestTokenWebAclProps {
  /** The ARN of the API Gateway stage to protect. */
  stageArn: string;
  settings: StackSettings;
}

export class GuestTokenWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly name: string;

  constructor(scope: Construct, id: string, { stageArn, settings }: GuestTokenWebAclProps) {
    super(scope, id);
    this.name = `${Stack.of(this).stackName}-guest-token`;

    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const managed = [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
      ...(settings.wafBlockAnonymousIps ? ['AWSManagedRulesAnonymousIpList'] : []),
    ];

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: this.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.name),
      customResponseBodies: {
        rateLimited: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            error: {
              code: 'RATE_LIMITED',
              message: 'Too many requests from this address; retry after the Retry-After delay',
            },
          }),
        },
      },
      rules: [
        {
          name: RATE_RULE_NAME,
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'rateLimited',
                responseHeaders: [
                  { name: 'Retry-After', value: String(settings.wafRateWindowSeconds) },
                  { name: 'Cache-Control', value: 'no-store' },
                ],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: settings.wafRateLimit,
              evaluationWindowSec: settings.wafRateWindowSeconds,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility(RATE_RULE_NAME),
        },
        ...managed.map((name, index) => ({
          name: `AWS-${name}`,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
