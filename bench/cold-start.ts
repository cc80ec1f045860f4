// `npm run bench`, part 2: the cold path. The handler is bundled as the stack bundles it
// (esbuild, minified, the settings of lib/guest-token-function.ts), and so is a bare handler
// that only returns 200. Each run starts a fresh Node process that loads one bundle and serves
// its first request against the emulator (no injected latency), reading its credentials from
// the emulator's Secrets Manager endpoint through the bundled AWS SDK client, as in Lambda.
// Prints the median of the runs and the bundle sizes, and the same figures for a bundle that
// only loads the Secrets Manager client and makes its one call, to show what dominates.

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
const loaded = performance.now();
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
  process.stderr.write(JSON.stringify({ ms, loadMs: loaded - started, status: result.statusCode }) + '\\n');
  process.exit(0);
});
`;

interface ColdRun {
  ms: number;
  loadMs: number;
  status: number;
}

function coldRun(bundlePath: string, env: Record<string, string>): ColdRun {
  const child = spawnSync(process.execPath, ['-e', DRIVER], {
    env: { ...env, BUNDLE: bundlePath, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const report = child.stderr.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(report) as ColdRun;
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
  const sdkEntry = path.join(ROOT, 'bench/secrets-manager-only.ts');
  const bundles = [
    {
      name: 'guest token handler',
      file: await bundle(path.join(ROOT, 'lambda/index.ts'), path.join(work, 'handler')),
    },
    {
      name: 'Secrets Manager client only (one GetSecretValue)',
      file: await bundle(sdkEntry, path.join(work, 'sdk')),
    },
    { name: 'bare handler (returns 200)', file: await bundle(bareEntry, path.join(work, 'bare')) },
  ];

  const emulator = await startEmulator(0);
  const env = {
    PATH: process.env.PATH ?? '',
    ...lambdaEnvironment(emulator.url, ORIGIN),
    LOG_LEVEL: 'INFO',
  };
  const runs = new Map<string, ColdRun[]>(bundles.map(({ name }) => [name, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const { name, file } of bundles) {
      const cold = coldRun(file, env);
      if (cold.status !== 200) throw new Error(`${name} answered ${cold.status} on a cold start`);
      runs.get(name)?.push(cold);
    }
  }
  const { calls } = await emulator.ask('calls');
  await emulator.stop();

  const kb = (file: string) => (statSync(file).size / 1024).toFixed(0);
  console.log(
    `\nCold path: fresh Node ${process.version} process, require(bundle) + first request, ` +
      `median of ${RUNS} runs, emulator with no injected latency\n`,
  );
  console.log(
    '| bundle | size KB | load + first request, median ms | of which load | min ms | max ms |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const { name, file } of bundles) {
    const cold = runs.get(name) ?? [];
    const total = cold.map((run) => run.ms);
    console.log(
      `| ${name} | ${kb(file)} | ${median(total).toFixed(1)} | ` +
        `${median(cold.map((run) => run.loadMs)).toFixed(1)} | ` +
        `${Math.min(...total).toFixed(1)} | ${Math.max(...total).toFixed(1)} |`,
    );
  }
  console.log(
    `\nUpstream calls over all cold runs: ${JSON.stringify(calls)} ` +
      `(each handler cold start: secret, OAuth token, mint, key set; plus one secret per ` +
      `Secrets Manager-only run)`,
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
