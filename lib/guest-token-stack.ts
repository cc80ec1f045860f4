// One stack, everything a team deploys: the secret and the function, the REST API in front of
// it, the web ACL on its stage, the alarms and the fleet dashboard. cdk-nag's findings that are true by design are
// acknowledged here, each with its reason; everything else must pass.

import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { GuestTokenAlarms } from './alarms';
import { GuestTokenDashboard } from './dashboard';
import { GuestTokenApi } from './guest-token-api';
import { GuestTokenFunction } from './guest-token-function';
import { MessengerProvider } from './messenger-provider';
import type { StackSettings } from './settings';
import { GuestTokenWebAcl } from './web-acl';

export interface GuestTokenStackProps extends StackProps {
  settings: StackSettings;
}

export class GuestTokenStack extends Stack {
  constructor(scope: Construct, id: string, props: GuestTokenStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const fn = new GuestTokenFunction(this, 'GuestToken', { settings });
    const api = new GuestTokenApi(this, 'Edge', {
      handler: fn.target,
      genesysHandler: fn.genesys?.function,
      settings,
    });
    const messenger = fn.genesys
      ? new MessengerProvider(this, 'Messenger', {
          visitors: { function: fn.function, role: fn.role },
          genesys: fn.genesys,
          issuer: settings.oidcIssuer ?? api.stageUrl,
          keyGeneration: settings.oidcSigningKeyGeneration,
          publishNextKey: settings.oidcPublishNextSigningKey,
        })
      : undefined;
    const handlers = [fn.function, ...(fn.genesys ? [fn.genesys.function] : [])];
    const acl = new GuestTokenWebAcl(this, 'Firewall', {
      stageArn: api.api.deploymentStage.stageArn,
      settings,
    });
    const alarms = new GuestTokenAlarms(this, 'Alarms', {
      api: api.api,
      handlers,
      webAclName: acl.name,
      settings,
      codeTable: messenger?.codes,
    });

    const { dashboard } = new GuestTokenDashboard(this, 'Fleet', {
      handlers,
      webAclName: acl.name,
      profile: settings.profile,
      knownCustomers: settings.knownCustomers,
      codeTable: messenger?.codes,
    });

    new CfnOutput(this, 'GuestTokenUrl', {
      description: 'POST here from the chat page',
      value: api.url,
    });
    if (fn.secret) {
      new CfnOutput(this, 'SecretArn', {
        description: 'Put {"clientId","clientSecret"} of the Genesys OAuth client here',
        value: fn.secret.secretArn,
      });
    }
    if (messenger) {
      new CfnOutput(this, 'DiscoveryUri', {
        description: "The Discovery URI of Genesys Cloud's OpenID Connect Messenger Configuration",
        value: messenger.discoveryUri,
      });
      new CfnOutput(this, 'OidcClientSecretArn', {
        description: 'Its client id and secret: copy both into the Genesys integration',
        value: messenger.clientSecret.secretArn,
      });
    }
    new CfnOutput(this, 'WebAclArn', { value: acl.webAcl.attrArn });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The fleet dashboard in the CloudWatch console',
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${dashboard.dashboardName}`,
    });
    if (alarms.topic) new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });

    acknowledgeByDesign(fn, api, messenger);
  }
}

function acknowledgeByDesign(
  fn: GuestTokenFunction,
  api: GuestTokenApi,
  messenger: MessengerProvider | undefined,
): void {
  const publicByDesign =
    'The endpoint is public on purpose: an anonymous website visitor asks for a guest identity ' +
    'before any login exists. It is guarded by the exact-origin allowlist, the WAF rate rule and ' +
    'managed rules, stage throttling and the per-IP bucket in the handler.';
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
  Validations.of(api.api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      "API Gateway's account-level logging role needs exactly this AWS-managed policy; it " +
      'is what lets the stage write its access and error logs.',
  });
  if (fn.secret instanceof Secret) {
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
