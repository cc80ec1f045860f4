// The dashboard charts what the handler really emits: for each profile, the metric names on
// its dashboard, in the handler's namespace, are exactly those the real chain wrote as EMF
// while serving the requests below; between them the profiles emit every declared name.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ReferenceStack } from '../../bin/reference-stack';
import { DEV_CREDENTIALS } from '../../dev/genesys-emulator';
import { SiteIdp } from '../../dev/site-idp';
import { CREDENTIALS_TTL_MS, createSecretCredentials } from '../../lambda/platform/credentials';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import {
  createLogger,
  createMetrics,
  METRIC,
  METRICS_NAMESPACE,
  reportStaleSecret,
} from '../../lambda/platform/observability';
import { BREAKER_DEFAULTS } from '../../lambda/platform/upstream/circuit-breaker';
import { createMemoryCodeStore, hashCode } from '../../lambda/profiles/messenger/code-store';
import { propsFromContext } from '../../lib/index';
import { startHarness } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';
import { CLIENT, ORIGIN, startMessengerHarness } from '../fixtures/messenger-harness';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8'));

function dashboardBody(context: Record<string, unknown> = {}): string {
  const app = new App({
    context: {
      ...CDK_JSON.context,
      ...context,
      allowPlaceholderOrigins: true,
      'aws:cdk:bundling-stacks': [],
    },
  });
  const template = Template.fromStack(
    new ReferenceStack(app, 'Proxy', { proxy: propsFromContext(app.node) }),
  );
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  // The body is a Fn::Join of strings and tokens; its literal parts hold the metric names.
  const parts = (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? []) as unknown[];
  return parts.filter((part): part is string => typeof part === 'string').join('');
}

/** Metric names the dashboard charts in the handler's namespace (plain metrics and SEARCHes). */
function chartedNames(body: string): Set<string> {
  const names = new Set<string>();
  const plain = new RegExp(`\\["${METRICS_NAMESPACE}/Proxy-Proxy","([A-Za-z]+)"`, 'g');
  for (const [, name] of body.matchAll(plain)) names.add(name as string);
  for (const [, name] of body.matchAll(/MetricName=\\"([A-Za-z]+)\\"/g)) names.add(name as string);
  return names;
}

/**
 * An OAuth client from a secret that reads once and then fails every re-read: the last good value
 * is served, and reported as the handler's entry reports it (StaleSecretServed).
 */
function clientThatGoesStale(value: Record<string, string>, clock: () => number) {
  const logger = createLogger('INFO');
  let reads = 0;
  return createSecretCredentials({
    readSecret: async () => {
      if (reads++ === 0) return JSON.stringify(value);
      throw new UpstreamUnavailableError('secrets', 'secretsmanager GetSecretValue: down');
    },
    secretId: 'client',
    clock,
    onStale: reportStaleSecret(logger, createMetrics(logger), 'client'),
  });
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
  const declared = new Set<string>(Object.values(METRIC));
  const emittedByProfile: Record<string, Set<string>> = {};

  afterAll(() => {
    // Between them, the two profiles emit every metric the code declares.
    const union = new Set(Object.values(emittedByProfile).flatMap((names) => [...names]));
    expect([...union].sort()).toEqual([...declared].sort());
  });

  it('charts exactly the metric names the guest-api handler emits', async () => {
    const charted = chartedNames(dashboardBody());

    // Prepare: a fresh container, as Lambda starts one (Powertools reports the cold start).
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const clock = manualClock();
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '1000' },
      clock,
      // An OAuth token that outlives the client's cache age would never make it re-read.
      emulator: { oauthTokenTtlSeconds: CREDENTIALS_TTL_MS / 1000 },
      credentials: clientThatGoesStale(DEV_CREDENTIALS, clock),
    });
    try {
      // Act: a token, an expiry refresh, a preflight, a refusal, a failed re-read of the client
      // served stale, a retried and failed mint, and enough failures in a row to open the mint
      // breaker.
      await h.invoke();
      clock.advance(CREDENTIALS_TTL_MS);
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
    emittedByProfile['guest-api'] = emitted;

    // Assess: what the chain emitted and what the dashboard charts are one set.
    expect(emitted.size).toBeGreaterThan(10);
    expect([...charted].sort()).toEqual([...emitted].sort());
  });

  it('charts exactly the metric names the messenger handler emits', async () => {
    const charted = chartedNames(
      dashboardBody({
        genesysProfile: 'messenger',
        oidcRedirectUris: 'https://www.example.com/',
        siteIdentityIssuers: [
          { issuer: 'https://login.brand.example', audience: 'brand-web', backchannelLogout: true },
        ],
      }),
    );

    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const failing = createMemoryCodeStore(Date.now);
    // A site whose sign-out reaches us, on the harness's clock.
    let now = Date.now;
    const site = await SiteIdp.start({ clock: () => now() });
    const h = await startMessengerHarness({
      env: {
        SITE_IDENTITY_ISSUERS: JSON.stringify([
          site.issuerEntry({ subject: 'site', backchannelLogout: true }),
        ]),
      },
      client: clientThatGoesStale(
        { ...CLIENT, previousClientSecret: 'previous-client-secret-0123456789' },
        Date.now,
      ),
      codes: {
        put: failing.put,
        claim: async (hash, claim) => {
          if (hash === hashCode('fails')) throw new UpstreamUnavailableError('codes', 'test');
          return failing.claim(hash, claim);
        },
      },
    });
    try {
      // Act: a code issued and redeemed, a preflight, a refused visitor, an OAuth error and a
      // code table failing.
      const { form } = await h.issued();
      await h.redeem(form);
      await h.redeem(form);
      await h.redeem({ ...form, code: 'fails' });
      // A wrong secret: the re-read fails and the last good client stands. Then Genesys still
      // on the previous secret during a rotation.
      await h.redeem((await h.issued()).form, 'basic', 'not-the-secret');
      expect(
        (await h.redeem((await h.issued()).form, 'basic', 'previous-client-secret-0123456789'))
          .status,
      ).toBe(200);
      await h.call({
        method: 'OPTIONS',
        path: '/guest-token',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' },
      });
      await h.requestCode({ nonce: 'short' });
      // Sessions: a refresh, a reuse past the grace, a revocation and a back-channel logout.
      now = h.clock;
      const redeemed = await h.redeem((await h.issued()).form);
      const refreshed = await h.redeem({
        grant_type: 'refresh_token',
        refresh_token: redeemed.body.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      h.clock.advance(31_000);
      await h.redeem({ grant_type: 'refresh_token', refresh_token: redeemed.body.refresh_token });
      const other = await h.redeem((await h.issued()).form);
      const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;
      await h.call({
        method: 'POST',
        path: '/oauth/revoke',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic },
        body: new URLSearchParams({ token: other.body.refresh_token }).toString(),
      });
      const logout = await h.call({
        method: 'POST',
        path: '/backchannel-logout',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: await site.logoutToken('ada') }).toString(),
      });
      expect(logout.status).toBe(200);
    } finally {
      await h.close();
      await site.close();
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
    const emitted = emittedNames(h.logs.lines);
    emittedByProfile.messenger = emitted;

    expect(emitted).toContain(METRIC.codesRedeemed);
    expect([...charted].sort()).toEqual([...emitted].sort());
  });

  it('charts guests against known customers, and the sites’ key set loads, where issuers are trusted', async () => {
    const body = dashboardBody({
      siteIdentityIssuers: [{ issuer: 'https://login.brand.example', audience: 'brand-web' }],
    });
    const site = await SiteIdp.start();
    const h = await startHarness({
      clock: manualClock(Date.now()),
      env: { SITE_IDENTITY_ISSUERS: JSON.stringify([site.issuerEntry()]) },
      subjectKey: async () => new TextEncoder().encode('k'.repeat(32)),
      sensitive: () => site.issued,
    });
    try {
      await h.invoke({ body: { identityToken: await site.signIn('ada') } });
      await h.invoke();
    } finally {
      await h.close();
      await site.close();
    }
    const emitted = emittedNames(h.logs.lines);
    emittedByProfile['guest-api with known customers'] = emitted;
    expect(body).toContain('visitor');
    expect(chartedNames(body)).toContain(METRIC.identityKeySetRefreshes);
    expect([...chartedNames(body)].filter((name) => !emitted.has(name))).toEqual(
      // Charted for failures, retries and breakers that this happy run does not cause.
      [...chartedNames(dashboardBody())].filter((name) => !emitted.has(name)),
    );
    expect(emitted).toContain(METRIC.identityKeySetRefreshes);
  });
});
