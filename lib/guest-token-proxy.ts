// The construct a team adds to its own CDK app: the whole service (its functions, the REST API
// and web ACL, the messenger profile's provider, alarms and the dashboard) from typed props that
// the handler's own schemas check at construction. The Lambda code is the bundle shipped in the
// package, and cdk-nag's findings that are true by design are acknowledged here, with reasons.

import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../lambda/platform/settings';
import { GuestTokenAlarms } from './alarms';
import { GuestTokenDashboard } from './dashboard';
import { type CustomDomain, GuestTokenApi } from './guest-token-api';
import { GuestTokenFunction } from './guest-token-function';
import { MessengerProvider } from './messenger-provider';
import type { SettingsProps } from './props';
import { readSettings, SettingsError } from './settings';
import { GuestTokenWebAcl } from './web-acl';

export interface GuestTokenProxyProps extends SettingsProps {
  /**
   * The web ACL on the API's stage: `'create'` (the default: a per-IP rate rule and AWS's
   * managed rule groups, set by the `waf*` props), `{ webAclArn }` to associate the team's own,
   * or `'none'`.
   */
  webAcl?: 'create' | 'none' | { webAclArn: string };
  /**
   * Create API Gateway's account-level CloudWatch Logs role (`AWS::ApiGateway::Account`), which
   * the stage's logging needs. Default true; false where the platform team manages it.
   */
  cloudWatchRole?: boolean;
  /** The team's own SNS topic for every alarm; without it, `alarmEmail` makes one. */
  alarmTopic?: sns.ITopic;
  /**
   * What happens to the secrets, keys, table and log groups when the construct leaves the stack.
   * Default RETAIN (and the messenger table deletion-protected): an identity provider's keys and
   * sessions must survive a stack mistake.
   */
  removalPolicy?: RemovalPolicy;
  /**
   * A domain of the team's own in front of the API. The messenger profile's issuer is then
   * `https://<domainName>`, which does not change when the API is replaced.
   */
  customDomain?: CustomDomain;
}

/** The props beyond the settings, by name (docs/deploy.md lists them; the build checks the list). */
export const PLATFORM_PROPS = [
  'webAcl',
  'cloudWatchRole',
  'alarmTopic',
  'removalPolicy',
  'customDomain',
] as const;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const platformProps: Same<
  Exclude<keyof GuestTokenProxyProps, keyof SettingsProps>,
  (typeof PLATFORM_PROPS)[number]
> = true;
void platformProps;

export class GuestTokenProxy extends Construct {
  /** The REST API (stage `v1`). */
  readonly api: apigateway.RestApi;
  /** POST here from the chat page. */
  readonly guestTokenUrl: string;
  /** The visitors' function: /guest-token (and /authorize in the messenger profile). */
  readonly visitorFunction: lambda.Function;
  /** Messenger: Genesys's function (token, revocation, userinfo, discovery, logout). */
  readonly genesysFunction: lambda.Function | undefined;
  /** Guest-api: the Genesys OAuth client's secret (put the client in after the first deploy). */
  readonly genesysClientSecret: secretsmanager.ISecret | undefined;
  /** Messenger: the OIDC client Genesys's integration uses (copy its id and secret there). */
  readonly oidcClientSecret: secretsmanager.ISecret | undefined;
  /** Messenger: the service's own key, given to no one. */
  readonly serviceKey: secretsmanager.ISecret | undefined;
  /** Known customers: the pairwise-subject key. */
  readonly subjectKey: secretsmanager.ISecret | undefined;
  /** Messenger: the KMS key that signs id_tokens now. */
  readonly signingKey: kms.IKey | undefined;
  /** Messenger: the table of codes and sessions. */
  readonly table: dynamodb.ITable | undefined;
  /** The web ACL it made, when `webAcl` is `'create'`. */
  readonly webAcl: wafv2.CfnWebACL | undefined;
  /** Where the alarms notify, if anywhere. */
  readonly alarmTopic: sns.ITopic | undefined;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  /** Messenger: the Discovery URI for Genesys's OpenID Connect Messenger Configuration. */
  readonly discoveryUri: string | undefined;
  /** The CloudWatch namespace of the handler's metrics (this instance's own). */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: GuestTokenProxyProps) {
    super(scope, id);
    // The same checks as the handler's at cold start, naming the prop at fault.
    const settings = readSettings(
      (key) => (props as unknown as Record<string, unknown>)[key],
      'GuestTokenProxy props',
    );
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // The stack's name and the construct's path in it: two instances (two brands) in one
    // account and region never share a web ACL, dashboard or metrics namespace.
    const stack = Stack.of(this);
    const inStack = this.node.scopes
      .slice(this.node.scopes.indexOf(stack) + 1)
      .map((scope) => scope.node.id);
    const instanceName = [stack.stackName, ...inStack]
      .join('-')
      .replace(/[^A-Za-z0-9-]/g, '-')
      .slice(0, 100);
    this.metricsNamespace = `${METRICS_NAMESPACE}/${instanceName}`;

    const fn = new GuestTokenFunction(this, 'GuestToken', {
      settings,
      instanceName,
      metricsNamespace: this.metricsNamespace,
      removalPolicy,
    });
    const api = new GuestTokenApi(this, 'Edge', {
      handler: fn.target,
      genesysHandler: fn.genesys?.function,
      settings,
      cloudWatchRole: props.cloudWatchRole ?? true,
      customDomain: props.customDomain,
      removalPolicy,
    });
    const domainIssuer = props.customDomain && `https://${props.customDomain.domainName}`;
    if (domainIssuer && settings.oidcIssuer && settings.oidcIssuer !== domainIssuer)
      throw new SettingsError(
        `Invalid GuestTokenProxy props: oidcIssuer: is ${settings.oidcIssuer}, but customDomain makes the issuer ${domainIssuer}; drop oidcIssuer`,
      );
    const messenger = fn.genesys
      ? new MessengerProvider(this, 'Messenger', {
          visitors: { function: fn.function, role: fn.role },
          genesys: fn.genesys,
          issuer: domainIssuer ?? settings.oidcIssuer ?? api.stageUrl,
          keyGeneration: settings.oidcSigningKeyGeneration,
          publishNextKey: settings.oidcPublishNextSigningKey,
          instanceName,
          removalPolicy,
        })
      : undefined;

    const webAcl = props.webAcl ?? 'create';
    const acl =
      webAcl === 'create'
        ? new GuestTokenWebAcl(this, 'Firewall', {
            stageArn: api.api.deploymentStage.stageArn,
            settings,
            name: `${instanceName}-guest-token`,
          })
        : undefined;
    if (typeof webAcl === 'object')
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: api.api.deploymentStage.stageArn,
        webAclArn: webAcl.webAclArn,
      });

    const handlers = [fn.function, ...(fn.genesys ? [fn.genesys.function] : [])];
    const alarms = new GuestTokenAlarms(this, 'Alarms', {
      api: api.api,
      handlers,
      webAclName: acl?.name,
      settings,
      codeTable: messenger?.codes,
      metricsNamespace: this.metricsNamespace,
      topic: props.alarmTopic,
    });
    const { dashboard } = new GuestTokenDashboard(this, 'Fleet', {
      handlers,
      webAclName: acl?.name,
      profile: settings.profile,
      knownCustomers: settings.knownCustomers,
      codeTable: messenger?.codes,
      metricsNamespace: this.metricsNamespace,
      dashboardName: `${instanceName}-fleet`,
    });

    this.api = api.api;
    this.guestTokenUrl = api.url;
    this.visitorFunction = fn.function;
    this.genesysFunction = fn.genesys?.function;
    this.genesysClientSecret = fn.secret;
    this.oidcClientSecret = messenger?.clientSecret;
    this.serviceKey = messenger?.serviceKey;
    this.subjectKey = fn.subjectKey;
    this.signingKey = messenger?.signingKey;
    this.table = messenger?.codes;
    this.webAcl = acl?.webAcl;
    this.alarmTopic = alarms.topic;
    this.alarms = alarms.alarms;
    this.dashboard = dashboard;
    this.discoveryUri = messenger?.discoveryUri;

    acknowledgeByDesign(fn, api, messenger, props.cloudWatchRole ?? true);
  }
}

/** cdk-nag's findings that are true by design, each with its reason: they travel with the construct. */
function acknowledgeByDesign(
  fn: GuestTokenFunction,
  api: GuestTokenApi,
  messenger: MessengerProvider | undefined,
  cloudWatchRole: boolean,
): void {
  const publicByDesign =
    'The endpoint is public on purpose: an anonymous website visitor asks for a guest identity ' +
    'before any login exists, and Genesys Cloud calls the OpenID endpoints with client ' +
    'authentication of its own. It is guarded by the exact-origin allowlist, the WAF rate rule ' +
    'and managed rules, stage throttling and the per-IP bucket in the handler.';
  for (const method of api.api.methods) {
    Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: publicByDesign });
    Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: publicByDesign });
  }
  Validations.of(api.api).acknowledge({
    id: 'AwsSolutions-APIG2',
    reason:
      'The handler validates every request with the exact zod schema and answers in the ' +
      'documented error shape with CORS headers; an API Gateway model validator would answer ' +
      'in its own shape without them, which browsers cannot read.',
  });
  if (cloudWatchRole)
    Validations.of(api.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role needs exactly this AWS-managed policy; it " +
        'is what lets the stage write its access and error logs.',
    });
  if (fn.secret instanceof secretsmanager.Secret) {
    Validations.of(fn.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds a Genesys Cloud OAuth client, which is rotated in Genesys (a new ' +
        'client secret) and then put here with put-secret-value; the handler re-reads it on ' +
        'invalid_client. A Secrets Manager rotation Lambda cannot create Genesys credentials.',
    });
  }
  if (fn.subjectKey) {
    Validations.of(fn.subjectKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key of known customers’ pairwise subjects must stay the same: rotating it would give ' +
        'every customer a new identity in Genesys, cutting them off from their history.',
    });
  }
  if (messenger) {
    Validations.of(messenger.clientSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The OIDC client secret is shared with Genesys Cloud, which has no rotation hook: it is ' +
        'rotated by hand without a cut-over, the old value kept as previousClientSecret until ' +
        'Genesys holds the new one (docs/operations.md).',
    });
    Validations.of(messenger.serviceKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The service key seals guest sessions, signs /userinfo access tokens and seals refresh ' +
        'successors. It is rotated by hand in a quiet hour (docs/operations.md): a rotation makes ' +
        'open pages new guests and ends outstanding /userinfo access tokens, which a scheduled ' +
        'rotation would do without anyone watching.',
    });
  }
  for (const handler of [fn.function, fn.genesys?.function])
    if (handler)
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the handler is built and tested for; moving to a ' +
          'newer runtime is a deliberate, tested change, not a side effect of a CDK upgrade.',
      });
}
