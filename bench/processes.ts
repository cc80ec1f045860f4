// The benchmarks' moving parts, each in its own Node process as in production: the emulator
// (Genesys, far away), the proxy (the local server: adapter + handler, credentials read from
// the emulator's stand-in for the Parameters and Secrets Lambda Extension, as in Lambda), and
// the client (the benchmark itself). Children talk to the parent over IPC.

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import type { AwsOperation, EmulatorEndpoint } from '../dev/genesys-emulator';
import { EXTENSION_SESSION_TOKEN } from '../dev/secrets-manager';

export type Calls = Record<EmulatorEndpoint, number>;
export type AwsCalls = Record<AwsOperation, number>;

/** The OIDC client's secret id in the benchmarks (the emulator serves DEV_OIDC_CREDENTIALS). */
export const BENCH_OIDC_SECRET_ID = 'genesys-guest-token-proxy/bench-oidc';
/** The fleet's one service key, so every server opens what another sealed (a race's successor). */
export const BENCH_SERVICE_KEY_SECRET_ID = 'genesys-guest-token-proxy/bench-service-key';

interface Reply {
  url?: string;
  calls?: Calls;
  awsCalls?: AwsCalls;
  /** Faults the emulator's KMS and DynamoDB answered with, and SDK retries it saw. */
  awsFaults?: AwsCalls;
  awsRetries?: AwsCalls;
  /** KMS and DynamoDB calls carried out whose answer was lost (the SDK retried them). */
  awsAnswersLost?: AwsCalls;
  /** The proxy process's CPU time so far (user + system). */
  cpuMs?: number;
  rss?: number;
  /** Unhandled promise rejections the proxy process has seen. */
  unhandled?: number;
}

export interface Child {
  url: string;
  ask(question: 'calls' | 'reset' | 'rss' | 'cpu'): Promise<Reply>;
  stop(): Promise<void>;
}

async function start(script: string, env: Record<string, string>, profile = false): Promise<Child> {
  // BENCH_CPU_PROFILE=<dir> writes a CPU profile of the proxy process there.
  const profileDir = profile ? process.env.BENCH_CPU_PROFILE : undefined;
  const child: ChildProcess = fork(path.join(__dirname, script), [], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [Reply];
  if (!ready.url) throw new Error(`${script} did not start`);
  return {
    url: ready.url,
    async ask(question) {
      child.send(question);
      const [reply] = (await once(child, 'message')) as [Reply];
      return reply;
    },
    async stop() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

/**
 * The emulator, adding `latencyMs` to every call and failing `faultRate` of the Genesys calls,
 * `awsFaultRate` of the KMS and DynamoDB calls, and the first `secretsFaults` secret reads.
 */
export function startEmulator(
  latencyMs: number,
  faultRate = 0,
  { awsFaultRate = 0, secretsFaults = 0 } = {},
): Promise<Child> {
  return start('child-emulator.ts', {
    BENCH_LATENCY_MS: String(latencyMs),
    BENCH_FAULT_RATE: String(faultRate),
    BENCH_AWS_FAULT_RATE: String(awsFaultRate),
    BENCH_SECRETS_FAULTS: String(secretsFaults),
  });
}

/** What the chat page's POST carries (the abuse guard refuses a missing User-Agent). */
export function browserHeaders(origin: string): Record<string, string> {
  return { origin, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (bench)' };
}

/** Everything the handler needs to run against the emulator exactly as it runs in Lambda. */
export function lambdaEnvironment(emulatorUrl: string, origin: string): Record<string, string> {
  return {
    ALLOWED_ORIGINS: origin,
    GENESYS_LOGIN_BASE_URL: emulatorUrl,
    GENESYS_API_BASE_URL: emulatorUrl,
    GENESYS_CREDENTIALS_SECRET_ID: 'genesys-guest-token-proxy/bench',
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: new URL(emulatorUrl).port,
    AWS_SESSION_TOKEN: EXTENSION_SESSION_TOKEN,
    // Where there is no extension: the AWS SDK against the emulator's Secrets Manager.
    AWS_ENDPOINT_URL_SECRETS_MANAGER: emulatorUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'ERROR',
  };
}

/** The local server (adapter + handler) on a free port, talking to the emulator. */
export function startProxy(
  emulatorUrl: string,
  origin: string,
  env: Record<string, string> = {},
): Promise<Child> {
  return start(
    'child-proxy.ts',
    { ...lambdaEnvironment(emulatorUrl, origin), PORT: '0', ...env },
    true,
  );
}

/** The messenger profile as Lambda runs it: KMS, DynamoDB and the OIDC secret, all the emulator's. */
export function messengerEnvironment(emulatorUrl: string): Record<string, string> {
  return {
    GENESYS_PROFILE: 'messenger',
    OIDC_CLIENT_SECRET_ID: BENCH_OIDC_SECRET_ID,
    OIDC_SERVICE_KEY_SECRET_ID: BENCH_SERVICE_KEY_SECRET_ID,
    OIDC_SIGNING_KEY_ID: 'alias/bench-signing',
    OIDC_CODE_TABLE: 'bench-codes',
    AWS_ENDPOINT_URL_KMS: emulatorUrl,
    AWS_ENDPOINT_URL_DYNAMODB: emulatorUrl,
  };
}
