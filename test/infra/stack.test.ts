// The stack's security properties, proved on the synthesized template, offline. Bundling is
// skipped except in the one test that checks the real bundle.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferenceStack } from '../../bin/reference-stack';
import { GENESYS_FACING_PATHS } from '../../lambda/profiles/messenger/provider';
import { SECRETS_EXTENSION } from '../../lib/guest-token-function';
import { propsFromContext } from '../../lib/index';
import { checkContext, readSettings, SettingsError } from '../../lib/settings';

const ROOT = path.join(__dirname, '../..');
const CDK_JSON = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys-client-AbC123';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b7c7e4a-3c1e-4f7e-9d55-2d8b8a1c0e11';

function synth(
  context: Record<string, unknown> = {},
  { bundle = false, extend }: { bundle?: boolean; extend?: (stack: Stack) => void } = {},
) {
  const app = new App({
    context: {
      ...CDK_JSON.context,
      allowedOrigins: ['https://chat.example.com', 'https://www.example.com'],
      ...context,
      ...(!bundle && { 'aws:cdk:bundling-stacks': [] }),
      allowPlaceholderOrigins: true,
    },
  });
  const stack = new ReferenceStack(app, 'Proxy', { proxy: propsFromContext(app.node) });
  extend?.(stack);
  // Template.fromStack synthesizes the app, so it is only called when a test asks for it.
  return {
    app,
    stack,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the function and its secret', () => {
  it('may read that one secret and nothing broader', () => {
    const { template } = synth();
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    const secretStatements = statements(template).filter((s) =>
      actionsOf(s).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: secretId },
      },
    ]);
    for (const s of statements(template)) expect(s.Resource).not.toBe('*');
    // No AWS-managed policy on the function's role: logs go to its own group only.
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    expect(statements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProxyGuestTokenLogs/), 'Arn'] },
      }),
    );
  });

  it('creates the secret with a placeholder client and keeps it on stack deletion', () => {
    const { template } = synth();
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        GenerateSecretString: Match.objectLike({
          GenerateStringKey: 'clientSecret',
          SecretStringTemplate: JSON.stringify({ clientId: 'replace-with-the-genesys-client-id' }),
        }),
      },
    });
  });

  it('imports an existing secret by ARN, and decrypts with its customer key through Secrets Manager only', () => {
    const { template } = synth({ existingSecretArn: SECRET_ARN, secretKmsKeyArn: KEY_ARN });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const all = statements(template);
    expect(all.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')))).toEqual([
      expect.objectContaining({ Resource: SECRET_ARN }),
    ]);
    expect(all).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
          },
        },
      }),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GENESYS_CREDENTIALS_SECRET_ID: SECRET_ARN }) },
    });
  });

  it('runs Node 22 on arm64 with a timeout well under API Gateway’s 29 s, settings in its environment', () => {
    const { template } = synth({ reservedConcurrency: '25', rateLimitPerMinute: 12 });
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 10,
      MemorySize: 512,
      ReservedConcurrentExecutions: 25,
      Environment: {
        Variables: Match.objectLike({
          ALLOWED_ORIGINS: 'https://chat.example.com,https://www.example.com',
          GENESYS_ENVIRONMENT: 'mypurecloud.com',
          RATE_LIMIT_PER_MINUTE: '12',
          GENESYS_CREDENTIALS_SECRET_ID: { Ref: secretId },
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('reading the secret and starting warm', () => {
  it('attaches the Parameters and Secrets extension with its cache off and the port the handler asks', () => {
    const { template } = synth();
    const [fn] = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Handler: 'index.handler' },
      }),
    );
    // The AWS-managed layer's ARN for the deployment region, arm64 build.
    const [layer] = fn?.Properties.Layers ?? [];
    const [mapName, , version] = layer['Fn::FindInMap'];
    expect(version).toMatch(/arm64$/);
    const arns = Object.values(template.toJSON().Mappings[mapName]).map(
      (byVersion) => (byVersion as Record<string, string>)[version],
    );
    expect(arns.length).toBeGreaterThan(10);
    for (const arn of arns)
      expect(arn).toMatch(/:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:/);
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(SECRETS_EXTENSION.options.httpPort),
      SECRETS_MANAGER_TIMEOUT_MILLIS: '3000',
    });
  });

  it('adds an alias with provisioned concurrency only when asked, and the API calls it', () => {
    const plain = synth().template;
    plain.resourceCountIs('AWS::Lambda::Alias', 0);
    plain.resourceCountIs('AWS::Lambda::Version', 0);

    const { template } = synth({ provisionedConcurrency: '3' });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
    });
    const [aliasId] = Object.keys(template.findResources('AWS::Lambda::Alias'));
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method')))
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(aliasId);
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission')))
      expect(permission.Properties.FunctionName).toEqual({ Ref: aliasId });
  });

  const BUSINESS_HOURS = {
    timeZone: 'Europe/London',
    rules: [
      { cron: '0 8 ? * MON-FRI *', concurrency: 4 },
      { cron: '0 19 ? * MON-FRI *', concurrency: 0 },
    ],
  };

  it('warms containers on a schedule: scheduled actions on the alias, in the time zone given', () => {
    const { template } = synth({ provisionedConcurrencySchedule: JSON.stringify(BUSINESS_HOURS) });
    const [aliasId] = Object.keys(template.findResources('AWS::Lambda::Alias'));
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'lambda:function:ProvisionedConcurrency',
      ServiceNamespace: 'lambda',
      MinCapacity: 0,
      MaxCapacity: 4,
      ResourceId: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.objectLike({}), ':live'])],
      }),
      ScheduledActions: [
        {
          ScheduledActionName: 'WarmContainers0',
          Schedule: 'cron(0 8 ? * MON-FRI *)',
          Timezone: 'Europe/London',
          ScalableTargetAction: { MinCapacity: 4, MaxCapacity: 4 },
        },
        {
          ScheduledActionName: 'WarmContainers1',
          Schedule: 'cron(0 19 ? * MON-FRI *)',
          Timezone: 'Europe/London',
          ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
        },
      ],
    });
    expect(
      JSON.stringify(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget')),
    ).toContain(aliasId);
    // cdk.json gives it as an object too.
    const fromObject = synth({ provisionedConcurrencySchedule: BUSINESS_HOURS }).template;
    fromObject.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
  });

  it.each([
    [
      { provisionedConcurrencySchedule: '{not json' },
      /provisionedConcurrencySchedule: must be JSON/,
    ],
    [
      { provisionedConcurrencySchedule: { ...BUSINESS_HOURS, timeZone: 'Mars/Olympus' } },
      /provisionedConcurrencySchedule\.timeZone: must be an IANA time zone/,
    ],
    [
      {
        provisionedConcurrencySchedule: {
          ...BUSINESS_HOURS,
          rules: [{ cron: '0 8 * *', concurrency: 2 }],
        },
      },
      /provisionedConcurrencySchedule\.rules\.0\.cron: must be an AWS cron expression/,
    ],
    [
      { provisionedConcurrencySchedule: BUSINESS_HOURS, provisionedConcurrency: 2 },
      /replaces provisionedConcurrency; set one of the two/,
    ],
    [
      { provisionedConcurrencySchedule: BUSINESS_HOURS, reservedConcurrency: 3 },
      /a rule asks for more than reservedConcurrency/,
    ],
  ])('refuses the schedule %j, naming the key', (context, message) => {
    expect(() => readSettings((key) => ({ ...CDK_JSON.context, ...context })[key])).toThrow(
      message,
    );
  });

  it('refuses more provisioned than reserved concurrency', () => {
    expect(() =>
      readSettings(
        (key) => ({ ...CDK_JSON.context, provisionedConcurrency: 10, reservedConcurrency: 5 })[key],
      ),
    ).toThrow(/provisionedConcurrency: must not exceed reservedConcurrency/);
  });
});

describe('the API', () => {
  it('hands the function every body as its bytes (base64), so the handler checks UTF-8 itself', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
  });

  it('exposes only POST and OPTIONS on /guest-token, both proxied to the function', () => {
    const { template } = synth();
    const resources = template.findResources('AWS::ApiGateway::Resource');
    expect(Object.values(resources).map((r) => r.Properties.PathPart)).toEqual(['guest-token']);
    const [resourceId] = Object.keys(resources);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['OPTIONS', 'POST']);
    for (const method of methods) {
      expect(method.Properties.ResourceId).toEqual({ Ref: resourceId });
      expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
      expect(method.Properties.ApiKeyRequired).toBeUndefined();
    }
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    // Only the deployed stage may invoke the function (no test-invoke permission).
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(2);
    for (const permission of permissions)
      expect(JSON.stringify(permission.Properties.SourceArn)).toMatch(
        /\/(POST|OPTIONS)\/guest-token/,
      );
  });

  it('throttles the stage from context and never logs bodies', () => {
    const { template } = synth({ apiThrottleRateLimit: '30', apiThrottleBurstLimit: 60 });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 30,
          ThrottlingBurstLimit: 60,
          DataTraceEnabled: false,
          LoggingLevel: 'ERROR',
        }),
      ],
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"status":"\\$context.status"'),
      },
    });
  });

  it('answers its own refusals in the documented error shape, never cached', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Retry-After': "'1'",
        'gatewayresponse.header.Cache-Control': "'no-store'",
      }),
      ResponseTemplates: {
        'application/json': Match.stringLikeRegexp('"code":"RATE_LIMITED"'),
      },
    });
  });
});

describe('the web ACL', () => {
  it('is associated with the stage and limits each IP at the rate from context', () => {
    const { template } = synth({ wafRateLimit: 120, wafRateWindowSeconds: '60' });
    const [stageId] = Object.keys(template.findResources('AWS::ApiGateway::Stage'));
    const [aclId] = Object.keys(template.findResources('AWS::WAFv2::WebACL'));
    const [association] = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(association?.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(`"Ref":"${stageId}"`);

    const acl = template.toJSON().Resources[aclId as string].Properties;
    expect(acl.Scope).toBe('REGIONAL');
    const rate = acl.Rules.find((rule: { Name: string }) => rule.Name === 'RateLimitPerIp');
    expect(rate.Statement.RateBasedStatement).toEqual({
      Limit: 120,
      EvaluationWindowSec: 60,
      AggregateKeyType: 'IP',
    });
    expect(rate.Action.Block.CustomResponse).toMatchObject({
      ResponseCode: 429,
      ResponseHeaders: expect.arrayContaining([{ Name: 'Retry-After', Value: '60' }]),
    });
    const groups = acl.Rules.flatMap(
      (rule: { Statement: { ManagedRuleGroupStatement?: { Name: string } } }) =>
        rule.Statement.ManagedRuleGroupStatement?.Name ?? [],
    );
    expect(groups).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]);
    for (const rule of acl.Rules) expect(rule.VisibilityConfig.CloudWatchMetricsEnabled).toBe(true);
  });

  it('adds the anonymous IP list when asked', () => {
    const { template } = synth({ wafBlockAnonymousIps: 'true' });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesAnonymousIpList',
            },
          },
        }),
      ]),
    });
  });
});

describe('the whole template', () => {
  it('has no wildcard origin anywhere', () => {
    const { template } = synth();
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/Access-Control-Allow-Origin/i);
    expect(text).not.toMatch(/"ALLOWED_ORIGINS":"[^"]*\*/);
  });

  it('has the alarms, and notifies an SNS topic when an alarm email is given', () => {
    const quiet = synth().template;
    const names = Object.keys(quiet.findResources('AWS::CloudWatch::Alarm')).map((id) =>
      id.replace(/^ProxyAlarms/, '').replace(/[0-9A-F]{8}$/, ''),
    );
    expect(names.sort()).toEqual(
      [
        'Api5xxRate',
        'ApiLatencyP99',
        'CircuitOpen',
        'LambdaErrors',
        'LambdaThrottles',
        'UpstreamFailures',
        'WafBlockedSpike',
      ].sort(),
    );
    quiet.resourceCountIs('AWS::SNS::Topic', 0);
    quiet.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'secrets + oauth + mint + keys' })]),
    });
    quiet.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'oauth + mint + keys', Label: 'CircuitOpened' }),
      ]),
    });

    const { template } = synth({ alarmEmail: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('outputs the endpoint URL, the secret ARN, the web ACL ARN and the dashboard URL', () => {
    const outputs = synth().template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['GuestTokenUrl', 'SecretArn', 'WebAclArn', 'DashboardUrl']),
    );
    const [dashboardId] = Object.keys(synth().template.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(outputs.DashboardUrl.Value)).toContain(
      `"#dashboards/dashboard/",{"Ref":"${dashboardId}"}`,
    );
    expect(JSON.stringify(outputs.GuestTokenUrl.Value)).toMatch(/"\/guest-token"\]\]\}$/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  const nag = (context: Record<string, unknown>, extend?: (stack: Stack) => void) => {
    const { app } = synth(context, { extend });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  };

  it.each([
    ['the defaults', {}],
    ['an alarm email', { alarmEmail: 'oncall@example.com' }],
    ['provisioned concurrency', { provisionedConcurrency: 2 }],
    [
      'a provisioned-concurrency schedule',
      {
        provisionedConcurrencySchedule: {
          timeZone: 'America/New_York',
          rules: [
            { cron: '0 9 ? * MON-FRI *', concurrency: 2 },
            { cron: '0 18 ? * MON-FRI *', concurrency: 0 },
          ],
        },
      },
    ],
    [
      'an imported secret under a customer key',
      { existingSecretArn: SECRET_ARN, secretKmsKeyArn: KEY_ARN },
    ],
  ])('has no unacknowledged finding with %s', (_, context) => {
    expect(() => nag(context)).not.toThrow();
  });

  it('does fail on a finding nobody acknowledged', () => {
    expect(() =>
      nag({}, (stack) => {
        new sns.Topic(stack, 'Unencrypted');
      }),
    ).toThrow(/AwsSolutions-SNS3/);
  });
});

describe('context validation', () => {
  describe('the whole context, before any setting is read', () => {
    const real = { ...CDK_JSON.context, allowedOrigins: ['https://www.brand.example'] };
    it.each([
      [
        { alowedOrigins: 'https://a.example' },
        /alowedOrigins: is not a setting; did you mean allowedOrigins\?/,
      ],
      [{ wafRatelimit: 100 }, /wafRatelimit: is not a setting; did you mean wafRateLimit\?/],
      [
        { genesysprofile: 'messenger' },
        /genesysprofile: is not a setting; did you mean genesysProfile\?/,
      ],
      [
        { allowedOrigins: ['https://www.example.com'] },
        /allowedOrigins: is still the placeholder https:\/\/www\.example\.com from cdk\.json; name your site's origins/,
      ],
      [
        { allowedOrigins: 'https://www.brand.example,https://www.example.com' },
        /allowedOrigins: is still the placeholder/,
      ],
    ])('refuses %j, naming the key', (context, message) => {
      expect(() => checkContext({ ...real, ...context })).toThrow(message);
    });

    it('takes every setting of ours, CDK’s own keys, and the placeholder where a synth allows it', () => {
      expect(() =>
        checkContext({
          ...real,
          'aws:cdk:bundling-stacks': [],
          '@aws-cdk/core:newStyleStackSynthesis': true,
          'cli-telemetry': false,
          stackName: 'Chat',
        }),
      ).not.toThrow();
      expect(() =>
        checkContext({ ...CDK_JSON.context, allowPlaceholderOrigins: 'true' }),
      ).not.toThrow();
    });

    it('stops the CDK app itself (bin/app.ts) on a mistyped key', () => {
      const run = spawnSync(
        process.execPath,
        [
          path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
          path.join(ROOT, 'bin', 'app.ts'),
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: {
            ...process.env,
            CDK_OUTDIR: mkdtempSync(path.join(tmpdir(), 'typo-')),
            CDK_CONTEXT_JSON: JSON.stringify({ ...real, alowedOrigins: 'https://a.example' }),
          },
        },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('alowedOrigins: is not a setting; did you mean allowedOrigins?');
    });
  });

  const read = (context: Record<string, unknown>) => () =>
    readSettings((key) => ({ ...CDK_JSON.context, ...context })[key]);

  it.each([
    [{ allowedOrigins: undefined }, /allowedOrigins: is required/],
    [{ allowedOrigins: '*' }, /allowedOrigins.*"\*" is not allowed/],
    [{ allowedOrigins: ['https://a.example', 'https://b.example/'] }, /allowedOrigins \(entry 1\)/],
    [{ genesysEnvironment: 'example.com' }, /genesysEnvironment/],
    [{ genesysApiBaseUrl: 'http://api.example.com' }, /genesysApiBaseUrl: must be an https URL/],
    [{ tokenDelivery: 'cookie' }, /tokenDelivery: was removed: .*Drop the setting/],
    [{ apiThrottleRateLimit: 'fast' }, /apiThrottleRateLimit: must be a whole number/],
    [{ apiThrottleBurstLimit: 0 }, /apiThrottleBurstLimit: must be at least 1/],
    [{ wafRateLimit: 5 }, /wafRateLimit: must be at least 10/],
    [{ wafRateWindowSeconds: 90 }, /wafRateWindowSeconds: must be 60, 120, 300 or 600/],
    [{ wafBlockAnonymousIps: 'yes' }, /wafBlockAnonymousIps/],
    [{ existingSecretArn: 'genesys-client' }, /existingSecretArn: must be the complete ARN/],
    [{ secretKmsKeyArn: KEY_ARN }, /secretKmsKeyArn: only applies with existingSecretArn/],
    [{ alarmEmail: 'oncall' }, /alarmEmail: must be an email address/],
    [{ logRetentionDays: 45 }, /logRetentionDays: must be one of/],
    [{ provisionedConcurrency: 0 }, /provisionedConcurrency: must be at least 1/],
  ])('refuses %j, naming the key', (context, message) => {
    expect(read(context)).toThrow(SettingsError);
    expect(read(context)).toThrow(message);
  });

  it('fails `cdk synth` with that message and no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: mkdtempSync(path.join(tmpdir(), 'cdk-bad-')),
        CDK_CONTEXT_JSON: JSON.stringify({ allowedOrigins: '*', wafRateLimit: 1 }),
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Invalid CDK context: allowedOrigins (entry 0): "*" is not allowed; list exact origins; wafRateLimit: must be at least 10',
    );
  });
});

describe('the real bundle', () => {
  it('is built by the local esbuild as an ES module, minified, leaving the AWS SDK to the runtime', () => {
    const { app } = synth({}, { bundle: true });
    const { directory } = app.synth();
    const assets = readdirSync(directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    // An ES module, so its load can wait for the warm-up (top-level await during init).
    const bundle = path.join(directory, assets[0] as string, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(
      true,
    );
    // The AWS SDK is the runtime's, required lazily: never a static import, which an ES module
    // would load at init in every profile.
    expect(code).not.toMatch(/import[^;]*from\s*"@aws-sdk/);
    expect(code.includes('"@aws-sdk/client-secrets-manager"')).toBe(true);
    expect(code.includes('GetSecretValueCommand.prototype')).toBe(false);
    expect(code.includes('/secretsmanager/get?secretId=')).toBe(true);
    const lines = code.split('\n').length;
    expect(code.length / lines).toBeGreaterThan(2000); // minified: long lines, no layout
    expect(statSync(bundle).size).toBeLessThan(600_000);
  });

  // Markers: one message from each profile's own code.
  const GUEST_API_CODE = 'token has no webchat.guestId claim';
  const MESSENGER_CODE = 'The code is invalid, expired or already used';
  const bundlePathOf = (context: Record<string, unknown>) => {
    const { directory } = synth(context, { bundle: true }).app.synth();
    const [asset] = readdirSync(directory).filter((name) => name.startsWith('asset.'));
    return path.join(directory, asset as string, 'index.mjs');
  };
  const bundleOf = (context: Record<string, unknown>) =>
    readFileSync(bundlePathOf(context), 'utf8');

  it('holds only the stack’s own profile (GENESYS_PROFILE inlined at bundling)', () => {
    const guestApi = bundleOf({});
    expect(guestApi.includes(GUEST_API_CODE)).toBe(true);
    expect(guestApi.includes(MESSENGER_CODE)).toBe(false);
    const messenger = bundleOf({
      genesysProfile: 'messenger',
      oidcRedirectUris: 'https://www.example.com/',
    });
    expect(messenger.includes(MESSENGER_CODE)).toBe(true);
    expect(messenger.includes(GUEST_API_CODE)).toBe(false);
  });

  it('stops at load, saying why, when the environment names the profile it was not built for', () => {
    const bundle = bundlePathOf({});
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(`file://${bundle}`)});`],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GENESYS_PROFILE: 'messenger',
          ALLOWED_ORIGINS: 'https://www.example.com',
          OIDC_ISSUER: 'https://tokens.example.com/v1',
          OIDC_REDIRECT_URIS: 'https://www.example.com/',
          OIDC_CLIENT_SECRET_ID: 'oidc-client',
          OIDC_SIGNING_KEY_ID: 'alias/signing',
          OIDC_CODE_TABLE: 'codes',
        },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      'GENESYS_PROFILE: is not the profile this bundle was built for; deploy again',
    );
  });
});

describe('the messenger profile', () => {
  const MESSENGER = { genesysProfile: 'messenger', oidcRedirectUris: 'https://www.example.com/' };

  /** The logical id of each function's role, by what it serves. */
  const roles = (template: Template) => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const roleOf = (serves: string) =>
      functions.find((fn) => fn.Properties.Environment.Variables.OIDC_SERVES === serves)?.Properties
        .Role['Fn::GetAtt'][0] as string;
    return { visitors: roleOf('visitors'), genesys: roleOf('genesys') };
  };
  /** The IAM statements attached to one role. */
  const statementsOf = (template: Template, role: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${role}"`))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  const grant = (s: Statement) => ({ actions: actionsOf(s).sort(), resource: s.Resource });

  it('serves Genesys’s routes from a function of their own, with its own reserved concurrency', () => {
    const { template } = synth(MESSENGER);
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    const byServes = Object.fromEntries(
      functions.map(([id, fn]) => [fn.Properties.Environment.Variables.OIDC_SERVES, { id, fn }]),
    );
    expect(byServes.visitors?.fn.Properties.ReservedConcurrentExecutions).toBe(50);
    expect(byServes.genesys?.fn.Properties.ReservedConcurrentExecutions).toBe(10);
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const pathOf = (id: string): string => {
      const resource = resources[id];
      const parent = resource?.Properties.ParentId;
      const prefix = parent?.Ref ? pathOf(parent.Ref) : '';
      return `${prefix}/${resource?.Properties.PathPart}`;
    };
    const target = Object.fromEntries(
      Object.values(template.findResources('AWS::ApiGateway::Method')).map((method) => {
        const uri = JSON.stringify(method.Properties.Integration.Uri);
        const fn = uri.includes(byServes.genesys?.id as string) ? 'genesys' : 'visitors';
        return [`${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId.Ref)}`, fn];
      }),
    );
    expect(target).toEqual({
      'POST /guest-token': 'visitors',
      'OPTIONS /guest-token': 'visitors',
      'GET /authorize': 'visitors',
      'POST /oauth/token': 'genesys',
      'POST /oauth/revoke': 'genesys',
      'POST /backchannel-logout': 'genesys',
      'GET /userinfo': 'genesys',
      'POST /userinfo': 'genesys',
      'GET /.well-known/openid-configuration': 'genesys',
      'GET /.well-known/jwks.json': 'genesys',
    });
    const genesysReserved = synth({ ...MESSENGER, genesysReservedConcurrency: 25 }).template;
    genesysReserved.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 25,
      Environment: { Variables: Match.objectLike({ OIDC_SERVES: 'genesys' }) },
    });
  });

  it('lets no principal but Genesys’s function sign: the key policy keeps Sign from the account root and from IAM', () => {
    const { template } = synth(MESSENGER);
    const [key] = Object.values(
      template.findResources('AWS::KMS::Key', {
        Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      }),
    );
    const policy = key?.Properties.KeyPolicy.Statement as (Statement & {
      Principal: { AWS: unknown };
      Effect: string;
    })[];
    const { visitors, genesys } = roles(template);
    const signers = policy.filter(
      (s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a === 'kms:Sign' || a === 'kms:*'),
    );
    expect(signers.map((s) => s.Principal.AWS)).toEqual([{ 'Fn::GetAtt': [genesys, 'Arn'] }]);
    // The account administers the key: with no kms:Sign (nor kms:*) for it, no IAM policy can
    // grant signing to anyone else.
    const root = policy.find((s) => JSON.stringify(s.Principal.AWS).includes(':root'));
    expect(actionsOf(root as Statement)).toEqual(
      expect.arrayContaining(['kms:Put*', 'kms:ScheduleKeyDeletion']),
    );
    expect(actionsOf(root as Statement).some((a) => /^kms:(\*|Sign|S\*)$/.test(a))).toBe(false);
    // And IAM grants no KMS action at all.
    expect(
      statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:'))),
    ).toEqual([]);
    expect(visitors).not.toBe(genesys);
  });

  it('keeps the table (retained, deletion-protected, point-in-time recovery) and grants each function only its writes', () => {
    const { template } = synth(MESSENGER);
    const [tableId, table] =
      Object.entries(template.findResources('AWS::DynamoDB::Table'))[0] ?? [];
    expect(table).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
    const { visitors, genesys } = roles(template);
    const onTable = (role: string) =>
      statementsOf(template, role)
        .filter((s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')))
        .map(grant);
    const table_ = { 'Fn::GetAtt': [tableId, 'Arn'] };
    expect(onTable(visitors)).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: table_ },
    ]);
    expect(onTable(genesys)).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resource: table_,
      },
    ]);
  });

  it('generates the OIDC client secret and the service key, names everything in both environments, and outputs the discovery URI', () => {
    const { template } = synth(MESSENGER);
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret'));
    // The OIDC client and the service's own key: this profile never calls Genesys with a client.
    expect(secrets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ProxyMessengerOidcClient',
      'ProxyMessengerServiceKey',
    ]);
    const [clientId, client] = secrets.find(([id]) => id.includes('OidcClient')) ?? [];
    const [keyId, key] = secrets.find(([id]) => id.includes('ServiceKey')) ?? [];
    expect(client?.Properties.GenerateSecretString).toMatchObject({
      GenerateStringKey: 'clientSecret',
      SecretStringTemplate: expect.stringContaining('clientId'),
    });
    expect(key).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
    });
    // Each function's role reads those two secrets, and no other.
    const { visitors, genesys } = roles(template);
    for (const role of [visitors, genesys]) {
      const read = statementsOf(template, role)
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
      expect(read).toEqual(expect.arrayContaining([{ Ref: clientId }, { Ref: keyId }]));
      expect(read).toHaveLength(2);
    }
    for (const serves of ['visitors', 'genesys'])
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            GENESYS_PROFILE: 'messenger',
            OIDC_SERVES: serves,
            OIDC_REDIRECT_URIS: 'https://www.example.com/',
            OIDC_CLIENT_SECRET_ID: { Ref: clientId },
            OIDC_SERVICE_KEY_SECRET_ID: { Ref: keyId },
            OIDC_CODE_TABLE: { Ref: Match.anyValue() },
            OIDC_SIGNING_KEY_ID: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            OIDC_ISSUER: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
            METRICS_NAMESPACE: 'GenesysGuestTokenProxy/Proxy-Proxy',
          }),
        },
      });
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['DiscoveryUri', 'OidcClientSecretArn', 'GuestTokenUrl']),
    );
    expect(Object.keys(outputs)).not.toContain('SecretArn');
    expect(JSON.stringify(outputs.DiscoveryUri.Value)).toContain(
      '/v1/.well-known/openid-configuration',
    );
  });

  it('defaults the redirect URIs to the root of each allowed origin', () => {
    synth({ genesysProfile: 'messenger' }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OIDC_REDIRECT_URIS: 'https://chat.example.com/,https://www.example.com/',
        }),
      },
    });
  });

  it.each([
    [
      'publishes the next generation ahead of signing with it',
      { oidcPublishNextSigningKey: true },
      [1, 2],
      1,
    ],
    [
      'signs with the new generation and keeps the previous one published',
      { oidcSigningKeyGeneration: 2 },
      [1, 2],
      2,
    ],
  ])('rotates the signing key in steps: %s', (_step, context, generations, signing) => {
    const { template } = synth({ ...MESSENGER, ...context });
    const keys = template.findResources('AWS::KMS::Key');
    const generationOf = (id: string) =>
      Number(/SigningKey(\d+)$/.exec(id.replace(/[0-9A-F]{8}$/, ''))?.[1]);
    expect(Object.keys(keys).map(generationOf).sort()).toEqual(generations);
    const { genesys } = roles(template);
    const idOf = (generation: number) =>
      Object.keys(keys).find((id) => generationOf(id) === generation) as string;
    for (const generation of generations) {
      const policy = keys[idOf(generation)]?.Properties.KeyPolicy.Statement as (Statement & {
        Principal: { AWS: unknown };
      })[];
      const forGenesys = policy.find(
        (s) =>
          JSON.stringify(s.Principal.AWS) === JSON.stringify({ 'Fn::GetAtt': [genesys, 'Arn'] }),
      );
      expect(actionsOf(forGenesys as Statement).sort()).toEqual(
        generation === signing ? ['kms:GetPublicKey', 'kms:Sign'] : ['kms:GetPublicKey'],
      );
    }
    const other = generations.find((generation) => generation !== signing) as number;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OIDC_SIGNING_KEY_ID: { 'Fn::GetAtt': [idOf(signing), 'Arn'] },
          [other > signing ? 'OIDC_NEXT_SIGNING_KEY_ID' : 'OIDC_PREVIOUS_SIGNING_KEY_ID']: {
            'Fn::GetAtt': [idOf(other), 'Arn'],
          },
        }),
      },
    });
  });

  it('uses a custom domain as the issuer when one is given', () => {
    const { template } = synth({ ...MESSENGER, oidcIssuer: 'https://id.example.com' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OIDC_ISSUER: 'https://id.example.com' }) },
    });
    expect(template.toJSON().Outputs.DiscoveryUri.Value).toBe(
      'https://id.example.com/.well-known/openid-configuration',
    );
  });

  it('limits visitors per IP on /guest-token and /authorize only, and Genesys’s paths far higher', () => {
    const { template } = synth({ ...MESSENGER, wafRateLimit: 300, wafServerRateLimit: 50000 });
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const rules = (acl?.Properties.Rules ?? []) as {
      Name: string;
      Statement: { RateBasedStatement?: { Limit: number; ScopeDownStatement: unknown } };
    }[];
    const paths = (rule: (typeof rules)[number] | undefined) =>
      JSON.stringify(rule?.Statement.RateBasedStatement?.ScopeDownStatement).match(
        /"SearchString":"([^"]+)"/g,
      );
    const visitors = rules.find((r) => r.Name === 'RateLimitPerIp');
    const servers = rules.find((r) => r.Name === 'RateLimitServerPaths');
    expect(visitors?.Statement.RateBasedStatement?.Limit).toBe(300);
    expect(paths(visitors)).toEqual([
      '"SearchString":"/guest-token"',
      '"SearchString":"/authorize"',
    ]);
    expect(servers?.Statement.RateBasedStatement?.Limit).toBe(50000);
    expect(paths(servers)).toEqual([
      '"SearchString":"/oauth/token"',
      '"SearchString":"/oauth/revoke"',
      '"SearchString":"/userinfo"',
      '"SearchString":"/backchannel-logout"',
    ]);
  });

  it('keeps the guest-api web ACL’s rate rule unscoped', () => {
    const [acl] = Object.values(synth().template.findResources('AWS::WAFv2::WebACL'));
    const rules = (acl?.Properties.Rules ?? []) as {
      Name: string;
      Statement: { RateBasedStatement?: object };
    }[];
    const rule = rules.find((r) => r.Name === 'RateLimitPerIp');
    expect(rule?.Statement.RateBasedStatement).not.toHaveProperty('ScopeDownStatement');
  });

  it('alarms on its own upstreams, and has no circuit breaker to alarm on', () => {
    const { template } = synth(MESSENGER);
    const names = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).map((id) =>
      id.replace(/^ProxyAlarms/, '').replace(/[0-9A-F]{8}$/, ''),
    );
    expect(names).not.toContain('CircuitOpen');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'secrets + kms + codes' })]),
    });
  });

  it('keeps Genesys’s routes out of the anonymous-IP and IP-reputation lists (Genesys Cloud runs on AWS)', () => {
    const { template } = synth({ ...MESSENGER, wafBlockAnonymousIps: true });
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const groups = (
      (acl?.Properties.Rules ?? []) as {
        Statement: { ManagedRuleGroupStatement?: { Name: string; ScopeDownStatement?: unknown } };
      }[]
    )
      .map((rule) => rule.Statement.ManagedRuleGroupStatement)
      .filter((group) => group !== undefined);
    const scopeOf = (name: string) =>
      groups.find((group) => group?.Name === name)?.ScopeDownStatement;
    for (const name of [
      'AWSManagedRulesAnonymousIpList',
      'AWSManagedRulesAmazonIpReputationList',
    ]) {
      const scope = JSON.stringify(scopeOf(name));
      expect(scope).toMatch(/^\{"NotStatement"/);
      expect(scope.match(/"SearchString":"([^"]+)"/g)).toEqual(
        GENESYS_FACING_PATHS.map((path) => `"SearchString":"${path}"`),
      );
    }
    // The rule groups that judge what a request holds still see every route.
    expect(scopeOf('AWSManagedRulesCommonRuleSet')).toBeUndefined();
    // The guest-api profile has no Genesys route to leave out.
    const [guestApi] = Object.values(
      synth({ wafBlockAnonymousIps: true }).template.findResources('AWS::WAFv2::WebACL'),
    );
    expect(JSON.stringify(guestApi?.Properties.Rules)).not.toContain('ScopeDownStatement');
  });

  it('alarms on a broken integration: failing client authentication, codes never redeemed, and refresh-token reuse as a rate', () => {
    const { template } = synth(MESSENGER);
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    const alarm = (name: string) => alarms.find(([id]) => id.includes(name))?.[1].Properties;
    const clientAuth = alarm('ClientAuthenticationFailing');
    expect(clientAuth).toMatchObject({
      MetricName: 'OAuthErrors',
      Namespace: 'GenesysGuestTokenProxy/Proxy-Proxy',
      Threshold: 3,
    });
    expect(clientAuth?.Dimensions).toContainEqual({ Name: 'error', Value: 'invalid_client' });
    const notRedeemed = alarm('CodesNotRedeemed');
    expect(notRedeemed?.Threshold).toBe(0.5);
    const [expression, ...inputs] = notRedeemed?.Metrics ?? [];
    expect(expression.Expression).toBe(
      'IF(FILL(issued, 0) >= 10, (FILL(issued, 0) - FILL(redeemed, 0)) / FILL(issued, 0), 0)',
    );
    expect(
      inputs.map((m: { MetricStat: { Metric: { MetricName: string }; Period: number } }) => [
        m.MetricStat.Metric.MetricName,
        m.MetricStat.Period,
      ]),
    ).toEqual([
      ['CodesIssued', 900],
      ['CodesRedeemed', 900],
    ]);
    const reuse = alarm('RefreshTokenReuse');
    expect(reuse?.Threshold).toBe(0.05);
    expect(JSON.stringify(reuse?.Metrics)).toContain('FILL(reuse, 0) / FILL(refreshes, 0)');
  });

  it('publishes and alarms in a namespace of its own, so two stacks in one account never alarm on each other', () => {
    const app = new App({
      context: {
        ...CDK_JSON.context,
        ...MESSENGER,
        allowedOrigins: ['https://www.example.com'],
        allowPlaceholderOrigins: true,
        'aws:cdk:bundling-stacks': [],
      },
    });
    const proxy = propsFromContext(app.node);
    const stacks = ['BrandA', 'BrandB'].map((name) => new ReferenceStack(app, name, { proxy }));
    const namespaces = stacks.map((stack) => {
      const template = Template.fromStack(stack);
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      const own = new Set(
        Object.values(template.findResources('AWS::CloudWatch::Alarm')).flatMap(
          (alarm) => JSON.stringify(alarm.Properties).match(/GenesysGuestTokenProxy[^"]*/g) ?? [],
        ),
      );
      return { emitted: fn?.Properties.Environment.Variables.METRICS_NAMESPACE, alarmed: [...own] };
    });
    expect(namespaces).toEqual([
      {
        emitted: 'GenesysGuestTokenProxy/BrandA-Proxy',
        alarmed: ['GenesysGuestTokenProxy/BrandA-Proxy'],
      },
      {
        emitted: 'GenesysGuestTokenProxy/BrandB-Proxy',
        alarmed: ['GenesysGuestTokenProxy/BrandB-Proxy'],
      },
    ]);
  });

  it('alarms when DynamoDB throttles the code table, and only in this profile', () => {
    const { template } = synth(MESSENGER);
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const throttled = Object.entries(alarms).find(([id]) => id.includes('CodeTableThrottled'));
    expect(throttled?.[1].Properties.Threshold).toBe(10);
    expect(JSON.stringify(throttled?.[1].Properties.Metrics)).toContain('ThrottledRequests');
    expect(JSON.stringify(throttled?.[1].Properties.Metrics)).toContain(tableId);
    const guestApi = Object.keys(synth().template.findResources('AWS::CloudWatch::Alarm'));
    expect(guestApi.some((id) => id.includes('CodeTableThrottled'))).toBe(false);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const { app } = synth(MESSENGER);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it.each([
    [
      { ...{ genesysProfile: 'messenger' }, oidcRedirectUris: 'http://www.example.com/' },
      /oidcRedirectUris/,
    ],
    [{ oidcRedirectUris: 'https://www.example.com/' }, /only apply with genesysProfile=messenger/],
    [
      { oidcAccessTokenLifetimeSeconds: 900 },
      /oidcAccessTokenLifetimeSeconds: only apply with genesysProfile=messenger/,
    ],
    [
      { genesysProfile: 'messenger', oidcAccessTokenLifetimeSeconds: 7200 },
      /oidcAccessTokenLifetimeSeconds: must be at most 3600/,
    ],
    [{ genesysProfile: 'chat' }, /genesysProfile/],
  ])('refuses %j, naming the key', (context, message) => {
    expect(() => readSettings((key) => ({ ...CDK_JSON.context, ...context })[key])).toThrow(
      message,
    );
  });
});

describe('known customers', () => {
  const SITE = { issuer: 'https://login.brand.example', audience: 'brand-web' };
  const withIssuers = (
    entries: Record<string, unknown>[],
    extra: Record<string, unknown> = {},
  ) => ({
    siteIdentityIssuers: entries,
    ...extra,
  });

  it('generates the pairwise-subject key, keeps it on deletion, and lets the function read only it', () => {
    const { template } = synth(withIssuers([SITE], { siteIdentityRequired: true }));
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const [keyId, key] =
      Object.entries(secrets).find(([id]) => id.includes('PairwiseSubjectKey')) ?? [];
    expect(key).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SITE_IDENTITY_ISSUERS: JSON.stringify([SITE]),
          SITE_IDENTITY_REQUIRED: 'true',
          SITE_SUBJECT_KEY_SECRET_ID: { Ref: keyId },
        }),
      },
    });
    const reads = statements(template).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    // The Genesys client and the key, and nothing else.
    const readable = reads.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const clientId = Object.keys(secrets).find((id) => id.includes('GenesysClient'));
    expect(readable).toEqual([{ Ref: clientId }, { Ref: keyId }]);
    for (const s of reads) expect(s.Resource).not.toBe('*');
  });

  it('generates no key where no issuer is trusted, or where every issuer keeps its own subject', () => {
    for (const context of [{}, withIssuers([{ ...SITE, subject: 'site' }])]) {
      const { template } = synth(context);
      const ids = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
      expect(ids.filter((id) => id.includes('PairwiseSubjectKey'))).toEqual([]);
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(fn?.Properties.Environment.Variables).not.toHaveProperty('SITE_SUBJECT_KEY_SECRET_ID');
    }
  });

  it('alarms when a site’s key set cannot be read, and charts guests against customers', () => {
    const { template } = synth(withIssuers([SITE]));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UpstreamFailures',
      Dimensions: Match.arrayWith([{ Name: 'upstream', Value: 'identity' }]),
      Threshold: 5,
    });
    const without = Object.keys(synth().template.findResources('AWS::CloudWatch::Alarm'));
    expect(without.some((id) => id.includes('SiteSignInUnavailable'))).toBe(false);
  });

  it.each([
    ['the guest-api profile', {}],
    ['the messenger profile', { genesysProfile: 'messenger' }],
  ])('has no unacknowledged cdk-nag finding in %s', (_, context) => {
    const { app } = synth({ ...context, ...withIssuers([SITE]) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it.each([
    [
      withIssuers([{ issuer: 'http://127.0.0.1:9000', audience: 'x' }]),
      /siteIdentityIssuers: issuers and JWKS URIs must be https/,
    ],
    [{ siteIdentityIssuers: 'not json' }, /siteIdentityIssuers: must be a JSON array/],
    [
      withIssuers([{ ...SITE, algorithms: ['HS256'] }]),
      /siteIdentityIssuers \(entry 0\.algorithms\.0\)/,
    ],
    [withIssuers([SITE, SITE]), /siteIdentityIssuers \(entry 1\.issuer\)/],
    [
      withIssuers([
        { ...SITE, subject: 'site' },
        { issuer: 'https://id.partner.example', audience: 'web', subject: 'site' },
      ]),
      /siteIdentityIssuers \(entry 1\.subject\): uses subject "site" as https:\/\/login\.brand\.example does/,
    ],
    [{ siteIdentityRequired: true }, /siteIdentityRequired: needs SITE_IDENTITY_ISSUERS/],
  ])('refuses %j, naming the key', (context, message) => {
    expect(() => readSettings((key) => ({ ...CDK_JSON.context, ...context })[key])).toThrow(
      message,
    );
  });
});
