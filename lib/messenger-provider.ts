// The messenger profile's resources, each granted to the function that needs it for exactly what
// it needs: the KMS signing key (Sign and GetPublicKey, for Genesys's function only: its key policy
// lets no other principal sign), the code table (kept, with point-in-time recovery: it holds the
// refresh-token families Genesys's sessions live on), the OIDC client secret and the service's
// own key (service-keys.ts), which nobody outside the stack is ever given.

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { OIDC_PATHS } from '../lambda/profiles/messenger/provider';

/** A function of the service and the role it runs as. */
export interface ServiceFunction {
  function: lambda.Function;
  role: iam.IRole;
}

export interface MessengerProviderProps {
  /** The visitors' function: issues codes (/guest-token, /authorize). */
  visitors: ServiceFunction;
  /** Genesys's function: redeems codes, signs, answers userinfo, discovery and logouts. */
  genesys: ServiceFunction;
  /** The public issuer URL (a custom domain, or the stage URL). */
  issuer: string;
  /** Which signing key signs; the one before it stays published (key rotation). */
  keyGeneration: number;
  /** A rotation's first step: the next generation, created and published, not yet signing. */
  publishNextKey: boolean;
  /** The instance's name, in descriptions and the OIDC client id. */
  instanceName: string;
  /**
   * What happens to the table, keys and secrets when the construct leaves the stack; RETAIN
   * keeps every session and key (the table is also deletion-protected then).
   */
  removalPolicy: RemovalPolicy;
}

/** What the account root may do with a signing key: administer it, never sign with it. */
export const SIGNING_KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export class MessengerProvider extends Construct {
  readonly signingKey: kms.Key;
  readonly previousSigningKey: kms.Key | undefined;
  readonly nextSigningKey: kms.Key | undefined;
  readonly codes: dynamodb.Table;
  readonly clientSecret: secretsmanager.Secret;
  readonly serviceKey: secretsmanager.Secret;
  readonly discoveryUri: string;

  constructor(
    scope: Construct,
    id: string,
    {
      visitors,
      genesys,
      issuer,
      keyGeneration,
      publishNextKey,
      instanceName,
      removalPolicy,
    }: MessengerProviderProps,
  ) {
    super(scope, id);
    const stackName = instanceName;
    const account = new iam.AccountRootPrincipal();

    // KMS does not rotate asymmetric keys: a rotation is a new generation (docs/operations.md:
    // publish the next, sign with it after the JWKS cache age, retire the old). Generation N
    // signs; N − 1 stays published in the JWKS until the next rotation; older ones leave the
    // stack but stay in KMS (retained) until deleted by hand. The key policy is the whole
    // grant: the account administers the key but cannot sign (so no IAM policy, however broad,
    // can let another principal mint id_tokens Genesys trusts); Genesys's role may sign with the
    // current generation and read every published one's public key.
    const signingKey = (generation: number, signs: boolean) =>
      new kms.Key(this, `SigningKey${generation}`, {
        description: `${stackName}: signs the id_tokens Genesys Cloud Messenger verifies (RS256), generation ${generation}`,
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        removalPolicy,
        policy: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'AccountAdministersButNeverSigns',
              principals: [account],
              actions: SIGNING_KEY_ADMIN_ACTIONS,
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'GenesysFunctionSigns',
              principals: [genesys.role],
              actions: signs ? ['kms:Sign', 'kms:GetPublicKey'] : ['kms:GetPublicKey'],
              resources: ['*'],
            }),
          ],
        }),
      });
    this.signingKey = signingKey(keyGeneration, true);
    this.previousSigningKey = keyGeneration > 1 ? signingKey(keyGeneration - 1, false) : undefined;
    this.nextSigningKey = publishNextKey ? signingKey(keyGeneration + 1, false) : undefined;

    this.codes = new dynamodb.Table(this, 'Codes', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // It holds the refresh-token families Genesys keeps conversations on (up to 90 days) and the
      // sign-outs that end them: a stack mistake must not sign every customer out.
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });

    this.clientSecret = new secretsmanager.Secret(this, 'OidcClient', {
      description: `${stackName}: the OpenID client Genesys Cloud's Messenger integration uses: {"clientId","clientSecret"} (and "previousClientSecret" during a rotation). Copy the id and secret into the integration.`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: `genesys-messenger-${stackName}` }),
        generateStringKey: 'clientSecret',
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy,
    });

    this.serviceKey = new secretsmanager.Secret(this, 'ServiceKey', {
      description: `${stackName}: the provider's own key (guest sessions, access tokens, refresh successors). Never give it to anyone, Genesys included.`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    // Visitors' routes store codes and read sign-outs; Genesys's claim codes, rotate refresh
    // tokens and record revocations and sign-outs. Nothing deletes: TTL does.
    const tableActions = (actions: string[]) =>
      new iam.PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [this.codes.tableArn],
      });
    visitors.role.addToPrincipalPolicy(tableActions(['PutItem', 'GetItem']));
    genesys.role.addToPrincipalPolicy(tableActions(['PutItem', 'GetItem', 'UpdateItem']));
    for (const { function: fn, role } of [visitors, genesys]) {
      // /authorize checks the client id; only Genesys's routes authenticate with the secret.
      this.clientSecret.grantRead(role);
      this.serviceKey.grantRead(role);
      fn.addEnvironment('OIDC_ISSUER', issuer);
      fn.addEnvironment('OIDC_CLIENT_SECRET_ID', this.clientSecret.secretArn);
      fn.addEnvironment('OIDC_SERVICE_KEY_SECRET_ID', this.serviceKey.secretArn);
      fn.addEnvironment('OIDC_SIGNING_KEY_ID', this.signingKey.keyArn);
      if (this.previousSigningKey)
        fn.addEnvironment('OIDC_PREVIOUS_SIGNING_KEY_ID', this.previousSigningKey.keyArn);
      if (this.nextSigningKey)
        fn.addEnvironment('OIDC_NEXT_SIGNING_KEY_ID', this.nextSigningKey.keyArn);
      fn.addEnvironment('OIDC_CODE_TABLE', this.codes.tableName);
    }
    this.discoveryUri = `${issuer}${OIDC_PATHS.discovery}`;
  }
}
