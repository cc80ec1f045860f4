// The repository's own deployment: one stack holding the construct, exactly as a consumer's app
// would, configured from context, with the outputs an operator needs after `cdk deploy`.

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GuestTokenProxy, type GuestTokenProxyProps } from '../lib/index';

export interface ReferenceStackProps extends StackProps {
  proxy: GuestTokenProxyProps;
}

export class ReferenceStack extends Stack {
  readonly proxy: GuestTokenProxy;

  constructor(scope: Construct, id: string, props: ReferenceStackProps) {
    super(scope, id, props);
    const proxy = new GuestTokenProxy(this, 'Proxy', props.proxy);
    this.proxy = proxy;

    new CfnOutput(this, 'GuestTokenUrl', {
      description: 'POST here from the chat page',
      value: proxy.guestTokenUrl,
    });
    if (proxy.genesysClientSecret)
      new CfnOutput(this, 'SecretArn', {
        description: 'Put {"clientId","clientSecret"} of the Genesys OAuth client here',
        value: proxy.genesysClientSecret.secretArn,
      });
    if (proxy.discoveryUri && proxy.oidcClientSecret) {
      new CfnOutput(this, 'DiscoveryUri', {
        description: "The Discovery URI of Genesys Cloud's OpenID Connect Messenger Configuration",
        value: proxy.discoveryUri,
      });
      new CfnOutput(this, 'OidcClientSecretArn', {
        description: 'Its client id and secret: copy both into the Genesys integration',
        value: proxy.oidcClientSecret.secretArn,
      });
    }
    if (proxy.webAcl) new CfnOutput(this, 'WebAclArn', { value: proxy.webAcl.attrArn });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The fleet dashboard in the CloudWatch console',
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${proxy.dashboard.dashboardName}`,
    });
    if (proxy.alarmTopic)
      new CfnOutput(this, 'AlarmTopicArn', { value: proxy.alarmTopic.topicArn });
  }
}
