// The handler as Lambda functions (the visitors', and in the messenger profile Genesys's), each
// with a role that writes its own logs and, granted by the other constructs, reads only its own
// secrets; the secrets extension keeps the AWS SDK out of the cold start, and provisioned
// concurrency runs the visitors' init ahead.
// The code is the profile's bundle shipped in the package (bundling.ts): nothing is bundled at
// synth.

import { Duration, type RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bundleDirectory } from './bundling';
import type { StackSettings } from './settings';

/**
 * The extension's cache is off on purpose: the handler keeps the secret for 15 minutes itself
 * and re-reads it on invalid_client. A second cache under it would let that re-read return the
 * rotated-away value, and add its TTL to how stale a secret can be.
 */
export const SECRETS_EXTENSION = {
  version: lambda.ParamsAndSecretsVersions.V1_0_103,
  options: {
    cacheEnabled: false,
    httpPort: 2773,
    logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
    secretsManagerTimeout: Duration.seconds(3),
  },
} as const;

export interface GuestTokenFunctionProps {
  settings: StackSettings;
  /** The instance's name: in descriptions and the secrets' texts. */
  instanceName: string;
  /** Where the handler publishes its metrics (METRICS_NAMESPACE). */
  metricsNamespace: string;
  /** What happens to the secrets and log groups when the construct leaves the stack. */
  removalPolicy: RemovalPolicy;
}

export class GuestTokenFunction extends Construct {
  /** The visitors' function: /guest-token (and in the messenger profile /authorize). */
  readonly function: lambda.Function;
  /** What API Gateway invokes for the visitors: the function, or its provisioned alias. */
  readonly target: lambda.IFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /**
   * Messenger: Genesys's function (token, revocation, userinfo, discovery, back-channel logout):
   * the same bundle, its own role and its own reserved concurrency, so a flood of visitors cannot
   * starve the code redemptions a conversation waits for.
   */
  readonly genesys:
    | { function: lambda.Function; role: iam.Role; logGroup: logs.LogGroup }
    | undefined;
  /** The Genesys OAuth client (guest-api profile only). */
  readonly secret: secretsmanager.ISecret | undefined;
  /** Known customers: the key of their pairwise subjects (only where issuers use them). */
  readonly subjectKey: secretsmanager.Secret | undefined;

  constructor(scope: Construct, id: string, props: GuestTokenFunctionProps) {
    super(scope, id);
    const { settings, instanceName, removalPolicy } = props;

    const guestApi = settings.profile === 'guest-api';
    this.secret = !guestApi
      ? undefined
      : settings.existingSecretArn
        ? secretsmanager.Secret.fromSecretCompleteArn(
            this,
            'GenesysClient',
            settings.existingSecretArn,
          )
        : new secretsmanager.Secret(this, 'GenesysClient', {
            description: `Genesys Cloud OAuth client (client credentials) for ${instanceName}: {"clientId","clientSecret"}. Replace the placeholder after the first deploy.`,
            // A random placeholder: the function answers 503 until the operator puts the
            // real client in (README, "Put the Genesys client in the secret").
            generateSecretString: {
              secretStringTemplate: JSON.stringify({
                clientId: 'replace-with-the-genesys-client-id',
              }),
              generateStringKey: 'clientSecret',
              excludePunctuation: true,
            },
            removalPolicy,
          });

    // Generated once and never rotated: a new key would give every customer a new subject in
    // Genesys (docs/operations.md). Retained, so a stack re-created keeps its customers.
    this.subjectKey = settings.pairwiseSubjects
      ? new secretsmanager.Secret(this, 'PairwiseSubjectKey', {
          description: `Key of the pairwise subjects of known customers for ${instanceName}. Never rotate casually: every customer would get a new identity in Genesys.`,
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
          removalPolicy,
        })
      : undefined;

    const environment = {
      ...settings.handlerEnvironment,
      METRICS_NAMESPACE: props.metricsNamespace,
      // The bundle's source maps, for readable stack traces in the log.
      NODE_OPTIONS: '--enable-source-maps',
      ...(this.secret && { GENESYS_CREDENTIALS_SECRET_ID: this.secret.secretArn }),
      ...(this.subjectKey && { SITE_SUBJECT_KEY_SECRET_ID: this.subjectKey.secretArn }),
    };
    const visitors = this.handlerFunction('', {
      description: guestApi
        ? 'Guest token handler: writes its own logs, reads the Genesys client secret'
        : "Messenger OpenID provider, visitors' routes: writes its own logs, reads its secrets, stores codes",
      reservedConcurrency: settings.reservedConcurrency,
      environment: guestApi ? environment : { ...environment, OIDC_SERVES: 'visitors' },
      settings,
      removalPolicy,
    });
    this.function = visitors.function;
    this.role = visitors.role;
    this.logGroup = visitors.logGroup;
    this.genesys = guestApi
      ? undefined
      : this.handlerFunction('Genesys', {
          description:
            "Messenger OpenID provider, Genesys's routes: writes its own logs, reads its secrets, signs with its key, redeems codes",
          reservedConcurrency: settings.genesysReservedConcurrency,
          environment: { ...environment, OIDC_SERVES: 'genesys' },
          settings,
          removalPolicy,
        });

    const schedule = settings.provisionedConcurrencySchedule;
    this.target =
      settings.provisionedConcurrency || schedule
        ? new lambda.Alias(this, 'Live', {
            aliasName: 'live',
            version: this.function.currentVersion,
            provisionedConcurrentExecutions: settings.provisionedConcurrency,
          })
        : this.function;
    // Warm containers by time of day: each rule sets the alias's provisioned concurrency from
    // its time on, in the schedule's time zone (0 releases them all).
    if (schedule && this.target instanceof lambda.Alias) {
      const most = Math.max(...schedule.rules.map((rule) => rule.concurrency));
      const scaling = this.target.addAutoScaling({
        minCapacity: 0,
        maxCapacity: Math.max(1, most),
      });
      schedule.rules.forEach((rule, index) => {
        scaling.scaleOnSchedule(`WarmContainers${index}`, {
          schedule: appscaling.Schedule.expression(`cron(${rule.cron})`),
          timeZone: TimeZone.of(schedule.timeZone),
          // Both bounds at the rule's value: the alias then holds exactly that many.
          minCapacity: rule.concurrency,
          maxCapacity: rule.concurrency,
        });
      });
    }
    this.secret?.grantRead(this.function);
    for (const fn of [this.function, this.genesys?.function])
      if (fn) this.subjectKey?.grantRead(fn);
    if (settings.secretKmsKeyArn) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [settings.secretKmsKeyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
            },
          },
        }),
      );
    }
  }

  /** One function of the service: its own role (its logs, nothing more yet) and log group. */
  private handlerFunction(
    name: string,
    {
      description,
      reservedConcurrency,
      environment,
      settings,
      removalPolicy,
    }: {
      description: string;
      reservedConcurrency: number | undefined;
      environment: Record<string, string>;
      settings: StackSettings;
      removalPolicy: RemovalPolicy;
    },
  ) {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const role = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    logGroup.grantWrite(role);
    const fn = new lambda.Function(this, `${name}Handler`, {
      code: lambda.Code.fromAsset(bundleDirectory(settings.profile, { mustExist: true })),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memorySize,
      // Upstream calls are bounded well inside this; API Gateway gives up at 29 s.
      timeout: Duration.seconds(10),
      role,
      logGroup,
      reservedConcurrentExecutions: reservedConcurrency,
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
        SECRETS_EXTENSION.version,
        SECRETS_EXTENSION.options,
      ),
      environment,
    });
    return { function: fn, role, logGroup };
  }
}
