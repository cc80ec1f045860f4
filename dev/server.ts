// `npm start`: the Lambda handler on http://127.0.0.1:3000 behind the API Gateway adapter, plus
// the demo page at /. With no GENESYS_*_BASE_URL set it starts the bundled Genesys emulator and
// uses its development credentials; otherwise it talks to that upstream with credentials from
// Secrets Manager (GENESYS_CREDENTIALS_SECRET_ID; the SDK honours AWS_ENDPOINT_URL), read as in
// Lambda: through the secrets extension's endpoint when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT
// and AWS_SESSION_TOKEN are set. With the emulator and no SITE_IDENTITY_ISSUERS, it also starts a
// stand-in of a site's own sign-in (dev/site-idp.ts) and trusts it, so the demo page can serve
// a signed-in customer as well as an anonymous guest.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { loadConfig, type Profile } from '../lambda/config';
import { type Clock, systemClock } from '../lambda/platform/clock';
import { createSecretCredentials, createStaticCredentials } from '../lambda/platform/credentials';
import { ConfigError } from '../lambda/platform/errors';
import { createLogger, createMetrics, reportStaleSecret } from '../lambda/platform/observability';
import { createSecretReader, keyFromSecret } from '../lambda/platform/secrets';
import { createUpstreamAgent } from '../lambda/platform/upstream/upstream-http';
import { createHandler } from '../lambda/profiles/guest-api/handler';
import { buildProvider } from '../lambda/profiles/messenger/build-provider';
import { createHandler as createMessengerHandler } from '../lambda/profiles/messenger/handler';
import { OIDC_PATHS } from '../lambda/profiles/messenger/provider';
import { DEFAULT_BOT_USER_AGENT_PATTERNS } from '../lambda/steps/settings';
import { invokeThroughAdapter, type ProxyHandler } from './api-gateway-adapter';
import { DEV_CREDENTIALS, DEV_OIDC_CREDENTIALS, GenesysEmulator } from './genesys-emulator';
import { DEMO_CUSTOMERS, SiteIdp } from './site-idp';

/**
 * The pairwise-subject key when SITE_SUBJECT_KEY_SECRET_ID is unset (locally only; Lambda
 * refuses to start without it): subjects made with it mean nothing outside this machine.
 */
export const DEV_SUBJECT_KEY = 'local-development-pairwise-subject-key-not-for-production';
/** Where the demo pages learn what the local stack runs (the site IdP's sign-in). */
export const DEV_CONFIG_PATH = '/dev-config.json';

const WEB_ROOT = join(__dirname, '..', 'web');
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The paths API Gateway sends to the function, per profile. */
export const HANDLER_PATHS: Record<Profile, readonly string[]> = {
  'guest-api': ['/guest-token'],
  messenger: Object.values(OIDC_PATHS),
};

/** Serves the handler at its profile's paths and the files of web/ at every other path. */
export function createLocalServer(
  handler: ProxyHandler,
  {
    webRoot = WEB_ROOT,
    paths = (): readonly string[] => HANDLER_PATHS['guest-api'],
    devConfig = (): unknown => ({}),
  } = {},
): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === DEV_CONFIG_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify(devConfig()));
    }
    const done = paths().includes(path)
      ? invokeThroughAdapter(handler, req, res)
      : serveStatic(webRoot, path, res);
    done.catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
}

async function serveStatic(
  webRoot: string,
  path: string,
  res: import('node:http').ServerResponse,
): Promise<void> {
  const relative = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
  const file = join(webRoot, relative);
  if (!file.startsWith(webRoot)) return void res.writeHead(404).end();
  try {
    const content = await readFile(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(content);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

export interface LocalStack {
  server: Server;
  url: string;
  emulator: GenesysEmulator | undefined;
  profile: Profile;
  /** Messenger profile: our issuer, and whether the development OIDC client is in use. */
  messenger?: { issuer: string; devCredentials: boolean; devServiceKey: boolean };
  /** The stand-in of a site's sign-in this stack trusts, when it started one. */
  siteIdp: SiteIdp | undefined;
  /** Known customers: the trusted issuers, and whether the development subject key is in use. */
  identity: { issuers: readonly string[]; devSubjectKey: boolean };
  close(): Promise<void>;
}

export interface LocalOptions {
  /** Use this emulator (left running on close) rather than starting one. */
  emulator?: GenesysEmulator;
  /** Use this site IdP (left running on close) rather than starting one with the emulator. */
  siteIdp?: SiteIdp;
  /** The handler's clock (tests pass one they move by hand). */
  clock?: Clock;
  /** Serve this folder's files at every other path (default web/: the demo pages). */
  webRoot?: string;
}

/** Starts the local stack; the environment is read exactly as Lambda reads it. */
export async function startLocal(
  env: NodeJS.ProcessEnv = process.env,
  options: LocalOptions = {},
): Promise<LocalStack> {
  const clock = options.clock ?? systemClock;
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? '127.0.0.1';
  const useEmulator = !env.GENESYS_LOGIN_BASE_URL && !env.GENESYS_API_BASE_URL;

  const emulator = !useEmulator
    ? undefined
    : (options.emulator ??
      (await GenesysEmulator.start({
        guestTokenTtlSeconds: env.EMULATOR_GUEST_TOKEN_TTL_SECONDS
          ? Number(env.EMULATOR_GUEST_TOKEN_TTL_SECONDS)
          : undefined,
      })));
  const siteIdp =
    options.siteIdp ??
    (emulator && env.SITE_IDENTITY_ISSUERS === undefined ? await SiteIdp.start() : undefined);
  // Listen first, so the default allowed origins name the port actually bound (PORT=0 too).
  let handler: ProxyHandler | undefined;
  let profile: Profile = 'guest-api';
  const server = createLocalServer(
    (event, context) => {
      if (!handler) throw new Error('the handler is not ready');
      return handler(event, context);
    },
    {
      ...(options.webRoot && { webRoot: options.webRoot }),
      paths: () => HANDLER_PATHS[profile],
      devConfig: () => ({
        ...(siteIdp && {
          siteIdp: { signIn: siteIdp.signInUrl, customers: Object.keys(DEMO_CUSTOMERS) },
        }),
      }),
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = (server.address() as AddressInfo).port;
  const url = `http://${host}:${boundPort}`;
  const selfOrigins = [url, `http://localhost:${boundPort}`].join(',');
  let dispatcher: ReturnType<typeof createUpstreamAgent> | undefined;
  let messenger: LocalStack['messenger'];
  let identity: LocalStack['identity'] = { issuers: [], devSubjectKey: false };
  try {
    const config = loadConfig({
      // Local defaults: this page's own origins, and command-line clients allowed so curl works.
      ALLOWED_ORIGINS: selfOrigins,
      BOT_USER_AGENT_PATTERNS: DEFAULT_BOT_USER_AGENT_PATTERNS.filter(
        (p) => p !== 'curl/' && p !== 'wget/',
      ).join(','),
      // Messenger locally: this server is the issuer, and its demo page the redirect URI.
      OIDC_ISSUER: url,
      OIDC_REDIRECT_URIS: `${url}/`,
      ...(siteIdp && { SITE_IDENTITY_ISSUERS: JSON.stringify([siteIdp.issuerEntry()]) }),
      ...env,
      ...(emulator && {
        GENESYS_LOGIN_BASE_URL: emulator.baseUrl,
        GENESYS_API_BASE_URL: emulator.baseUrl,
      }),
    });
    dispatcher = createUpstreamAgent();
    const readSecret = createSecretReader({
      dispatcher,
      extension: config.runtime.secretsExtension,
    });
    // One logger and metrics for the handler and the secrets it re-reads (a stale re-read says so).
    const logger = createLogger(config.observability.logLevel);
    const metrics = createMetrics(logger, config.observability.metricsNamespace);
    const onStaleSecret = reportStaleSecret(logger, metrics, 'client');
    const { subjectKeySecretId, issuers } = config.identity;
    const subjectKey = subjectKeySecretId
      ? keyFromSecret(readSecret, subjectKeySecretId, 'pairwise-subject key')
      : async () => new TextEncoder().encode(DEV_SUBJECT_KEY);
    identity = {
      issuers: issuers.map((entry) => entry.issuer),
      devSubjectKey: issuers.length > 0 && !subjectKeySecretId,
    };
    // Lambda's runtime sets this; Powertools only reports cold starts when it is present.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';
    profile = config.profile;
    if (config.profile === 'messenger') {
      const provider = await buildProvider(config.messenger, {
        readSecret,
        clock,
        developmentClient: DEV_OIDC_CREDENTIALS,
        onStaleSecret,
        // Generated for this run: guest sessions and access tokens last as long as the server.
        developmentServiceKey: randomBytes(32),
      });
      if (emulator && !config.messenger.clientSecretId) {
        emulator.configureMessenger({
          discoveryUri: `${provider.issuer}${OIDC_PATHS.discovery}`,
          ...DEV_OIDC_CREDENTIALS,
        });
      }
      handler = createMessengerHandler({
        config,
        provider,
        dispatcher,
        subjectKey,
        clock,
        logger,
        metrics,
      });
      messenger = {
        issuer: provider.issuer,
        devCredentials: !config.messenger.clientSecretId,
        devServiceKey: !config.messenger.serviceKeySecretId,
      };
    } else {
      const secretId = config.guestApi.credentialsSecretId;
      if (!emulator && !secretId) {
        throw new ConfigError(
          'GENESYS_CREDENTIALS_SECRET_ID: is required when GENESYS_*_BASE_URL is set',
        );
      }
      const credentials =
        !emulator && secretId
          ? createSecretCredentials({ readSecret, secretId, clock, onStale: onStaleSecret })
          : createStaticCredentials(DEV_CREDENTIALS);
      handler = createHandler({
        config,
        credentials,
        dispatcher,
        subjectKey,
        clock,
        logger,
        metrics,
      });
    }
  } catch (error) {
    server.close();
    await dispatcher?.close();
    if (!options.emulator) await emulator?.close();
    if (!options.siteIdp) await siteIdp?.close();
    throw error;
  }
  return {
    server,
    url,
    emulator,
    profile,
    messenger,
    siteIdp,
    identity,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher?.close();
      if (!options.emulator) await emulator?.close();
      if (!options.siteIdp) await siteIdp?.close();
    },
  };
}

if (require.main === module) {
  startLocal()
    .then(({ url, emulator, messenger, siteIdp, identity }) => {
      const upstream = emulator
        ? `the bundled Genesys emulator at ${emulator.baseUrl} (development credentials)`
        : `${process.env.GENESYS_API_BASE_URL ?? process.env.GENESYS_LOGIN_BASE_URL} (credentials from Secrets Manager)`;
      const lines = messenger
        ? [
            `OpenID provider for Genesys Cloud Messenger at ${messenger.issuer} (discovery: ${messenger.issuer}${OIDC_PATHS.discovery})`,
            `Demo page: ${url}/?mode=messenger${emulator ? `&genesys=${encodeURIComponent(emulator.baseUrl)}` : ''}`,
            ...(messenger.devCredentials
              ? [
                  `Development OIDC client: id ${DEV_OIDC_CREDENTIALS.clientId}, secret ${DEV_OIDC_CREDENTIALS.clientSecret}`,
                ]
              : []),
            ...(messenger.devServiceKey
              ? [
                  'The service key is a development key made for this run (OIDC_SERVICE_KEY_SECRET_ID is unset): fine locally, never in production',
                ]
              : []),
            `Genesys's side of authenticated messaging: ${upstream}`,
          ]
        : [
            `Guest token proxy on ${url}/guest-token, demo page on ${url}/ — talking to ${upstream}`,
          ];
      if (identity.issuers.length > 0) {
        lines.push(
          `Known customers: trusting ${identity.issuers.join(', ')}${siteIdp ? ` (a stand-in of a site's sign-in: demo customers ${Object.keys(DEMO_CUSTOMERS).join(', ')})` : ''}`,
        );
      }
      if (identity.devSubjectKey) {
        lines.push(
          'Pairwise subjects use a development key (SITE_SUBJECT_KEY_SECRET_ID is unset): fine locally, never in production',
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    })
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    });
}
