// The dashboard charts what the handler really emits: every metric name on it, in the
// handler's namespace, is one that the real chain wrote as EMF while serving the requests
// below, and every name the chain can emit has a widget.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BREAKER_DEFAULTS } from '../../lambda/genesys/circuit-breaker';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/observability';
import { GuestTokenStack } from '../../lib/guest-token-stack';
import { readSettings } from '../../lib/settings';
import { startHarness } from '../fixtures/harness';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8'));

function dashboardBody(): string {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const template = Template.fromStack(new GuestTokenStack(app, 'Proxy', { settings }));
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  // The body is a Fn::Join of strings and tokens; its literal parts hold the metric names.
  const parts = (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? []) as unknown[];
  return parts.filter((part): part is string => typeof part === 'string').join('');
}

/** Metric names the dashboard charts in the handler's namespace (plain metrics and SEARCHes). */
function chartedNames(body: string): Set<string> {
  const names = new Set<string>();
  const plain = new RegExp(`\\["${METRICS_NAMESPACE}","([A-Za-z]+)"`, 'g');
  for (const [, name] of body.matchAll(plain)) names.add(name as string);
  for (const [, name] of body.matchAll(/MetricName=\\"([A-Za-z]+)\\"/g)) names.add(name as string);
  return names;
}

/** Metric names in the EMF documents among the captured lines. */
function emittedNames(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) {
    let doc: { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } };
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    for (const group of doc._aws?.CloudWatchMetrics ?? [])
      for (const metric of group.Metrics ?? []) names.add(metric.Name);
  }
  return names;
}

describe('the fleet dashboard', () => {
  it('charts exactly the metric names the handler emits', async () => {
    const charted = chartedNames(dashboardBody());

    // Prepare: a fresh container, as Lambda starts one (Powertools reports the cold start).
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });
    try {
      // Act: a token, an expiry refresh, a preflight, a refusal, a retried and failed mint,
      // and enough failures in a row to open the mint breaker.
      await h.invoke();
      await h.invoke({ body: { reason: 'expired' } });
      await h.invoke({
        method: 'OPTIONS',
        headers: { 'Access-Control-Request-Method': 'POST' },
      });
      await h.invoke({ body: { unknown: true } });
      h.emulator.inject(
        'mint',
        { kind: 'status', status: 503 },
        3 * BREAKER_DEFAULTS.failureThreshold,
      );
      for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) await h.invoke();
    } finally {
      await h.close();
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
    const emitted = emittedNames(h.logs.lines);

    // Assess: the code's list, what it emitted and what the dashboard charts are one set.
    const declared = new Set<string>(Object.values(METRIC));
    expect([...emitted].sort()).toEqual([...declared].sort());
    expect([...charted].sort()).toEqual([...declared].sort());
  });
});
