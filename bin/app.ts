#!/usr/bin/env node
// The CDK app: settings from context (cdk.json defaults, `-c key=value` overrides), one stack,
// and cdk-nag's AwsSolutions checks on every synth.

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GuestTokenStack } from '../lib/guest-token-stack';
import { checkContext, readSettings, SettingsError } from '../lib/settings';

const app = new App();
let settings: ReturnType<typeof readSettings>;
try {
  checkContext(app.node.getAllContext());
  settings = readSettings((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
new GuestTokenStack(app, app.node.tryGetContext('stackName') ?? 'GenesysGuestTokenProxy', {
  settings,
  description: 'Genesys Cloud guest token proxy: API Gateway + WAF + Lambda + Secrets Manager',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
