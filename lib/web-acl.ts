// The first line of abuse control: a per-IP rate rule answering 429 in the API's error shape, and
// AWS's managed rule groups; the handler's per-container bucket (lambda/steps/abuse-guard.ts) is the second.

import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { GENESYS_FACING_PATHS, OIDC_PATHS } from '../lambda/profiles/messenger/provider';
import type { StackSettings } from './settings';

export const RATE_RULE_NAME = 'RateLimitPerIp';
export const SERVER_RATE_RULE_NAME = 'RateLimitServerPaths';

/** Messenger: paths a visitor's browser calls, and paths Genesys calls for every visitor. */
const VISITOR_PATHS = [OIDC_PATHS.codeRequest, OIDC_PATHS.authorize];
const SERVER_PATHS = [
  OIDC_PATHS.token,
  OIDC_PATHS.revoke,
  OIDC_PATHS.userinfo,
  OIDC_PATHS.backchannelLogout,
];

/** Matches requests whose path ends with one of these (WAF sees the stage in front). */
function pathEndsWithAny(paths: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  const statements = paths.map((path) => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'ENDS_WITH',
      searchString: path,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  }));
  return statements.length === 1
    ? (statements[0] as wafv2.CfnWebACL.StatementProperty)
    : { orStatement: { statements } };
}

/** Everything but Genesys's routes. */
function notGenesys(): wafv2.CfnWebACL.StatementProperty {
  return { notStatement: { statement: pathEndsWithAny(GENESYS_FACING_PATHS) } };
}

export interface GuestTokenWebAclProps {
  /** The ARN of the API Gateway stage to protect. */
  stageArn: string;
  settings: StackSettings;
  /** The web ACL's name (unique in the account and region). */
  name: string;
}

export class GuestTokenWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly name: string;

  constructor(scope: Construct, id: string, { stageArn, settings, name }: GuestTokenWebAclProps) {
    super(scope, id);
    this.name = name;

    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const messenger = settings.profile === 'messenger';
    // Lists of addresses: Genesys Cloud (and a site's IdP sending logouts) call from AWS and
    // other hosting providers, which these lists name. In the messenger profile they judge only
    // what a visitor's browser calls; Genesys's routes are behind client authentication.
    const byAddress = messenger ? { scopeDownStatement: notGenesys() } : {};
    const managed: { name: string; scoped?: boolean }[] = [
      { name: 'AWSManagedRulesCommonRuleSet' },
      { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
      { name: 'AWSManagedRulesAmazonIpReputationList', scoped: true },
      ...(settings.wafBlockAnonymousIps
        ? [{ name: 'AWSManagedRulesAnonymousIpList', scoped: true }]
        : []),
    ];

    const rateRule = (
      name: string,
      priority: number,
      limit: number,
      scopeDown?: wafv2.CfnWebACL.StatementProperty,
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
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
          limit,
          evaluationWindowSec: settings.wafRateWindowSeconds,
          aggregateKeyType: 'IP',
          ...(scopeDown && { scopeDownStatement: scopeDown }),
        },
      },
      visibilityConfig: visibility(name),
    });
    // Messenger: the visitor limit counts only what a visitor's browser calls; Genesys calls
    // the token and userinfo endpoints from a few addresses for every visitor, behind client
    // authentication, so they get their own, much higher limit.
    const rateRules = messenger
      ? [
          rateRule(RATE_RULE_NAME, 0, settings.wafRateLimit, pathEndsWithAny(VISITOR_PATHS)),
          rateRule(
            SERVER_RATE_RULE_NAME,
            1,
            settings.wafServerRateLimit,
            pathEndsWithAny(SERVER_PATHS),
          ),
        ]
      : [rateRule(RATE_RULE_NAME, 0, settings.wafRateLimit)];

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
        ...rateRules,
        ...managed.map(({ name, scoped }, index) => ({
          name: `AWS-${name}`,
          priority: index + rateRules.length,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name, ...(scoped && byAddress) },
          },
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
