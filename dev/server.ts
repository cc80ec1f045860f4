// `npm start`: the Lambda handler on http://127.0.0.1:3000 behind the API Gateway adapter, plus
// the demo page at /. With no GENESYS_*_BASE_URL set it starts the bundled Genesys emulator and
// uses its development credentials; otherwise it talks to that upstream with credentials from
// Secrets Manager (GENESYS_CREDENTIALS_SECRET_ID; the SDK honours AWS_ENDPOINT_URL), read as in
// Lambda: through the secrets extension's endpoint when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT
// and AWS_SESSION_TOKEN are set.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { systemClock } from '../lambda/clock';
import { DEFAULT_BOT_USER_AGENT_PATTERNS, loadConfig } from '../lambda/config';
import { createSecretCredentials, createStaticCredentials } from '../lambda/credentials';
import { ConfigError } from '../lambda/errors';
import { createUpstreamAgent } from '../lambda/genesys/upstream-http';
import { createHandler } from '../lambda/handler';
import { createSecretReader } from '../lambda/secrets';
import { invokeThroughAdapter, type ProxyHandler } from './api-gateway-adapter';
import { DEV_CREDENTIALS, GenesysEmulator } from './genesys-emulator';

const WEB_ROOT = join(__dirname, '..', 'web');
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the handler at /guest-token and the files of web/ at every other path. */
export function createLocalServer(handler: ProxyHandler, webRoot = WEB_ROOT): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const done =
      path === '/guest-token'
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
  close(): Promise<void>;
}

export interface LocalOptions {
  /** Use this emulator (left running on close) rather than starting one. */
  emulator?: GenesysEmulator;
}

/** Starts the local stack; the environment is read exactly as Lambda reads it. */
export async function startLocal(
  env: NodeJS.ProcessEnv = process.env,
  options: LocalOptions = {},
): Promise<LocalStack> {
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
  // Listen first, so the default allowed origins name the port actually bound (PORT=0 too).
  let handler: ProxyHandler | undefined;
  const server = createLocalServer((event, context) => {
    if (!handler) throw new Error('the handler is not ready');
    return handler(event, context);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = (server.address() as AddressInfo).port;
  const selfOrigins = [`http://${host}:${boundPort}`, `http://localhost:${boundPort}`].join(',');
  let dispatcher: ReturnType<typeof createUpstreamAgent>;
  try {
    const config = loadConfig({
      // Local defaults: this page's own origins, and command-line clients allowed so curl works.
      ALLOWED_ORIGINS: selfOrigins,
      BOT_USER_AGENT_PATTERNS: DEFAULT_BOT_USER_AGENT_PATTERNS.filter(
        (p) => p !== 'curl/' && p !== 'wget/',
      ).join(','),
      ...env,
      ...(emulator && {
        GENESYS_LOGIN_BASE_URL: emulator.baseUrl,
        GENESYS_API_BASE_URL: emulator.baseUrl,
      }),
    });
    const secretId = config.credentialsSecretId;
    if (!emulator && !secretId) {
      throw new ConfigError(
        'GENESYS_CREDENTIALS_SECRET_ID: is required when GENESYS_*_BASE_URL is set',
      );
    }
    dispatcher = createUpstreamAgent();
    const credentials =
      !emulator && secretId
        ? createSecretCredentials({
            readSecret: createSecretReader({ env, dispatcher }),
            secretId,
            clock: systemClock,
          })
        : createStaticCredentials(DEV_CREDENTIALS);
    // Lambda's runtime sets this; Powertools only reports cold starts when it is present.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';
    handler = createHandler({ config, credentials, dispatcher });
  } catch (error) {
    server.close();
    if (!options.emulator) await emulator?.close();
    throw error;
  }
  const url = `http://${host}:${boundPort}`;
  return {
    server,
    url,
    emulator,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
      if (!options.emulator) await emulator?.close();
    },
  };
}

if (require.main === module) {
  startLocal()
    .then(({ url, emulator }) => {
      const upstream = emulator
        ? `the bundled Genesys emulator at ${emulator.baseUrl} (development credentials)`
        : `${process.env.GENESYS_API_BASE_URL ?? process.env.GENESYS_LOGIN_BASE_URL} (credentials from Secrets Manager)`;
      process.stdout.write(
        `Guest token proxy on ${url}/guest-token, demo page on ${url}/ — talking to ${upstream}\n`,
      );
    })
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    });
}
