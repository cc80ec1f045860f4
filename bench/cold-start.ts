// `npm run bench`, part 2: the cold path. The handler is bundled as the stack bundles it
// (esbuild, minified, the settings of lib/guest-token-function.ts), and so is a bare handler
// that only returns 200. Each run starts a fresh Node process that loads one bundle and serves
// its first request against the emulator (no injected latency), reading its credentials from
// the emulator's Secrets Manager endpoint through the bundled AWS SDK client, as in Lambda.
// Prints the median of the runs and the bundle sizes.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { BUNDLING } from '../lib/guest-token-function';
import { lambdaEnvironment, startEmulator } from './processes';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const ORIGIN = 'https://www.example.com';
const ROOT = path.join(__dirname, '..');

async function bundle(entry: string, outdir: string): Promise<string> {
  const outfile = path.join(outdir, 'index.js');
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: 'cjs',
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    metafile: true,
    logLevel: 'error',
  });
  writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  return outfile;
}

// Runs in the fresh process: time from before `require` to the first response.
const DRIVER = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
const { handler } = require(process.env.BUNDLE);
const event = {
  resource: '/guest-token', path: '/guest-token', httpMethod: 'POST',
  headers: { origin: ${JSON.stringify(ORIGIN)}, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0' },
  multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
  pathParameters: null, stageVariables: null, isBase64Encoded: false,
  body: JSON.stringify({ name: 'Ada' }),
  requestContext: { requestId: 'cold-1', identity: { sourceIp: '203.0.113.7' }, httpMethod: 'POST', path: '/guest-token', stage: 'v1' },
};
const context = { functionName: 'bench', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '512', awsRequestId: 'cold-1', logGroupName: 'bench', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: true };
Promise.resolve(handler(event, context)).then((result) => {
  const ms = performance.now() - started;
  process.stderr.write(JSON.stringify({ ms, status: result.statusCode }) + '\\n');
  process.exit(0);
});
`;

function coldRun(bundlePath: string, env: Record<string, string>): { ms: number; status: number } {
  const child = spawnSync(process.execPath, ['-e', DRIVER], {
    env: { ...env, BUNDLE: bundlePath, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const report = child.stderr.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(report) as { ms: number; status: number };
  } catch {
    throw new Error(`cold run failed: ${child.stderr}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'cold-start-'));
  const bareEntry = path.join(work, 'bare.ts');
  writeFileSync(bareEntry, 'export const handler = async () => ({ statusCode: 200, body: "" });\n');
  const handlerBundle = await bundle(
    path.join(ROOT, 'lambda/index.ts'),
    path.join(work, 'handler'),
  );
  const bareBundle = await bundle(bareEntry, path.join(work, 'bare'));

  const emulator = await startEmulator(0);
  const env = {
    PATH: process.env.PATH ?? '',
    ...lambdaEnvironment(emulator.url, ORIGIN),
    LOG_LEVEL: 'INFO',
  };
  const handlerRuns: number[] = [];
  const bareRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cold = coldRun(handlerBundle, env);
    if (cold.status !== 200) throw new Error(`the handler answered ${cold.status} on a cold start`);
    handlerRuns.push(cold.ms);
    bareRuns.push(coldRun(bareBundle, env).ms);
  }
  const { calls } = await emulator.ask('calls');
  await emulator.stop();

  const kb = (file: string) => (statSync(file).size / 1024).toFixed(0);
  console.log(
    `\nCold path: fresh Node ${process.version} process, require(bundle) + first request, ` +
      `median of ${RUNS} runs, emulator with no injected latency\n`,
  );
  console.log('| bundle | size KB | load + first request, median ms | min ms | max ms |');
  console.log('|---|---|---|---|---|');
  const row = (name: string, file: string, runs: number[]) =>
    console.log(
      `| ${name} | ${kb(file)} | ${median(runs).toFixed(1)} | ${Math.min(...runs).toFixed(1)} | ${Math.max(...runs).toFixed(1)} |`,
    );
  row('guest token handler', handlerBundle, handlerRuns);
  row('bare handler (returns 200)', bareBundle, bareRuns);
  console.log(
    `\nUpstream calls over all cold runs: ${JSON.stringify(calls)} ` +
      `(each cold start: secret, OAuth token, mint, key set)`,
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
