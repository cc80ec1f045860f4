// The messenger profile's resources, each granted to the function for exactly what it needs: the
// KMS signing key (Sign, GetPublicKey), the code table (PutItem, GetItem, UpdateItem, DeleteItem), the OIDC client secret.

import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { OIDC_PATHS } from '../lambda/profiles/messenger/provider';

export interface MessengerProviderProps {
  handler: lambda.Function;
  role: iam.IRole;
  /** The public issuer URL (a custom domain, or the stage URL). */
  issuer: string;
  /** Which signing key signs; the one before it stays published (key rotation). */
  keyGeneration: number;
}

export class MessengerProvider extends Construct {
  readonly signingKey: kms.Key;
  readonly previousSigningKey: kms.Key | undefined;
  readonly codes: dynamodb.Table;
  readonly clientSecret: secretsmanager.Secret;
  readonly discoveryUri: string;

  constructor(
    scope: Construct,
    id: string,
    { handler, role, issuer, keyGeneration }: MessengerProviderProps,
  ) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    // KMS does not rotate asymmetric keys: a rotation is a new generation. Generation N signs;
    // N − 1 stays published in the JWKS until the next rotation; older ones leave the stack but
    // stay in KMS (retained) until deleted by hand.
    const signingKey = (generation: number) =>
      new kms.Key(this, `SigningKey${generation}`, {
        description: `${stackName}: signs the id_tokens Genesys Cloud Messenger verifies (RS256), generation ${generation}`,
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.signingKey = signingKey(keyGeneration);
    this.previousSigningKey = keyGeneration > 1 ? signingKey(keyGeneration - 1) : undefined;

    this.codes = new dynamodb.Table(this, 'Codes', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Codes live 60 s: nothing in the table is worth keeping past the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.clientSecret = new secretsmanager.Secret(this, 'OidcClient', {
      description: `${stackName}: the OpenID client Genesys Cloud's Messenger integration uses: {"clientId","clientSecret"}. Copy both into the integration.`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: `genesys-messenger-${stackName}` }),
        generateStringKey: 'clientSecret',
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Sign', 'kms:GetPublicKey'],
        resources: [this.signingKey.keyArn],
      }),
    );
    if (this.previousSigningKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GetPublicKey'],
          resources: [this.previousSigningKey.keyArn],
        }),
      );
      handler.addEnvironment('OIDC_PREVIOUS_SIGNING_KEY_ID', this.previousSigningKey.keyArn);
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
        ],
        resources: [this.codes.tableArn],
      }),
    );
    this.clientSecret.grantRead(role);

    handler.addEnvironment('OIDC_ISSUER', issuer);
    handler.addEnvironment('OIDC_CLIENT_SECRET_ID', this.clientSecret.secretArn);
    handler.addEnvironment('OIDC_SIGNING_KEY_ID', this.signingKey.keyArn);
    handler.addEnvironment('OIDC_CODE_TABLE', this.codes.tableName);
    this.discoveryUri = `${issuer}${OIDC_PATHS.discovery}`;
  }
}
