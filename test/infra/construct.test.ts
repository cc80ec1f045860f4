// The construct as a team uses it from the public entry: a bad prop fails at construction naming
// the prop, and what platform teams bring themselves (their own web ACL or none, the account's
// API Gateway logging role, an alarm topic, removal policies, a custom domain for the issuer)
// changes the template as documented; two instances in one stack never collide.

import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GuestTokenProxy, type GuestTokenProxyProps, SettingsError } from '../../lib/index';

const ORIGINS = ['https://www.example.com'];

function stackWith(
  props: Partial<GuestTokenProxyProps> | ((stack: Stack) => Partial<GuestTokenProxyProps>),
) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Team');
  const given = typeof props === 'function' ? props(stack) : props;
  const proxy = new GuestTokenProxy(stack, 'Chat', { allowedOrigins: ORIGINS, ...given });
  return { stack, proxy, template: () => Template.fromStack(stack) };
}

describe('GuestTokenProxy', () => {
  it('fails at construction naming each bad prop', () => {
    const bad = () =>
      stackWith({ allowedOrigins: ['*'], rateLimitPerMinute: 0, genesysProfile: 'messenger' });
    expect(bad).toThrow(SettingsError);
    expect(bad).toThrow(
      /^Invalid GuestTokenProxy props: allowedOrigins \(entry 0\).*; rateLimitPerMinute: /,
    );
  });

  it('makes its own web ACL by default, associates the team’s own by ARN, or none', () => {
    const count = (template: Template, type: string) =>
      Object.keys(template.findResources(type)).length;
    const made = stackWith({}).template();
    expect([
      count(made, 'AWS::WAFv2::WebACL'),
      count(made, 'AWS::WAFv2::WebACLAssociation'),
    ]).toEqual([1, 1]);

    const arn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/abc';
    const own = stackWith({ webAcl: { webAclArn: arn } }).template();
    expect(count(own, 'AWS::WAFv2::WebACL')).toBe(0);
    own.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: arn });

    const none = stackWith({ webAcl: 'none' });
    expect([
      count(none.template(), 'AWS::WAFv2::WebACL'),
      count(none.template(), 'AWS::WAFv2::WebACLAssociation'),
    ]).toEqual([0, 0]);
    expect(none.proxy.webAcl).toBeUndefined();
  });

  it('creates the account-level API Gateway logging role unless the platform team manages it', () => {
    const count = (props: Partial<GuestTokenProxyProps>) =>
      Object.keys(stackWith(props).template().findResources('AWS::ApiGateway::Account')).length;
    expect(count({})).toBe(1);
    expect(count({ cloudWatchRole: false })).toBe(0);
  });

  it('notifies the team’s own alarm topic on every alarm, and makes none of its own', () => {
    const { template, proxy } = stackWith((stack) => ({
      alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-1:123456789012:ops'),
    }));
    expect(Object.keys(template().findResources('AWS::SNS::Topic'))).toEqual([]);
    for (const alarm of Object.values(template().findResources('AWS::CloudWatch::Alarm')))
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
    expect(proxy.alarmTopic?.topicArn).toBe('arn:aws:sns:eu-west-1:123456789012:ops');
  });

  it('retains secrets, keys, table and logs by default, and destroys them (table unprotected) when told', () => {
    const policies = (props: Partial<GuestTokenProxyProps>) => {
      const template = stackWith({ genesysProfile: 'messenger', ...props }).template();
      const of = (type: string) =>
        Object.values(template.findResources(type)).map((resource) => resource.DeletionPolicy);
      const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
      return {
        secrets: [...new Set(of('AWS::SecretsManager::Secret'))],
        keys: [...new Set(of('AWS::KMS::Key'))],
        logs: [...new Set(of('AWS::Logs::LogGroup'))],
        table: [table?.DeletionPolicy, table?.Properties.DeletionProtectionEnabled],
      };
    };
    expect(policies({})).toEqual({
      secrets: ['Retain'],
      keys: ['Retain'],
      logs: ['Retain'],
      table: ['Retain', true],
    });
    expect(policies({ removalPolicy: RemovalPolicy.DESTROY })).toEqual({
      secrets: ['Delete'],
      keys: ['Delete'],
      logs: ['Delete'],
      table: ['Delete', false],
    });
  });

  it('serves a custom domain, which becomes the messenger issuer, with an alias record in the zone given', () => {
    const { template, proxy } = stackWith((stack) => ({
      genesysProfile: 'messenger',
      customDomain: {
        domainName: 'id.example.com',
        certificate: acm.Certificate.fromCertificateArn(
          stack,
          'Cert',
          'arn:aws:acm:eu-west-1:123456789012:certificate/0b7c7e4a-3c1e-4f7e-9d55-2d8b8a1c0e11',
        ),
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
          hostedZoneId: 'Z0123456789',
          zoneName: 'example.com',
        }),
      },
    }));
    template().hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'id.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template().resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    template().hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'id.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789',
    });
    template().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OIDC_ISSUER: 'https://id.example.com' }) },
    });
    expect(proxy.discoveryUri).toBe('https://id.example.com/.well-known/openid-configuration');
    expect(proxy.guestTokenUrl).toBe('https://id.example.com/guest-token');
  });

  it('refuses an oidcIssuer that contradicts the custom domain', () => {
    expect(() =>
      stackWith((stack) => ({
        genesysProfile: 'messenger',
        oidcIssuer: 'https://other.example.com',
        customDomain: {
          domainName: 'id.example.com',
          certificate: acm.Certificate.fromCertificateArn(
            stack,
            'Cert',
            'arn:aws:acm:eu-west-1:123456789012:certificate/0b7c7e4a-3c1e-4f7e-9d55-2d8b8a1c0e11',
          ),
        },
      })),
    ).toThrow(
      /oidcIssuer: is https:\/\/other\.example\.com, but customDomain makes the issuer https:\/\/id\.example\.com/,
    );
  });

  it('lets two instances (two brands) stand in one stack with their own names and namespaces', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Shared');
    const brands = ['BrandA', 'BrandB'].map(
      (id) =>
        new GuestTokenProxy(stack, id, { genesysProfile: 'messenger', allowedOrigins: ORIGINS }),
    );
    const template = Template.fromStack(stack);
    const names = (type: string, key: string) =>
      Object.values(template.findResources(type)).map((resource) => resource.Properties[key]);
    expect(names('AWS::WAFv2::WebACL', 'Name').sort()).toEqual([
      'Shared-BrandA-guest-token',
      'Shared-BrandB-guest-token',
    ]);
    expect(names('AWS::CloudWatch::Dashboard', 'DashboardName').sort()).toEqual([
      'Shared-BrandA-fleet',
      'Shared-BrandB-fleet',
    ]);
    expect(brands.map((brand) => brand.metricsNamespace)).toEqual([
      'GenesysGuestTokenProxy/Shared-BrandA',
      'GenesysGuestTokenProxy/Shared-BrandB',
    ]);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(2);
  });
});
