#!/usr/bin/env node
// The repository's own CDK app, a consumer of the package's public entry like any other: the
// construct's props from context (cdk.json defaults, `-c key=value` overrides), one stack, and
// cdk-nag's AwsSolutions checks on every synth.

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type GuestTokenProxyProps, propsFromContext, SettingsError } from '../lib/index';
import { ReferenceStack } from './reference-stack';

const app = new App();
let proxy: GuestTokenProxyProps;
try {
  proxy = propsFromContext(app.node);
  new ReferenceStack(app, app.node.tryGetContext('stackName') ?? 'GenesysGuestTokenProxy', {
    proxy,
    description: 'Genesys Cloud guest token proxy: API Gateway + WAF + Lambda + Secrets Manager',
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
