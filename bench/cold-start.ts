// `npm run bench`, part 2: the cold path and the CPU of a warm invoke, for the bundle Lambda
// runs: the package's guest-api bundle (`npm run build`), which the construct deploys as it is,
// loaded as is. Each cold run starts a fresh Node process that requires the
// bundle and serves its first request against the emulator (no injected latency), at the
// production log level (INFO), reading its credentials one of two ways:
//  - the extension path: the emulator's stand-in for the Parameters and Secrets Lambda
//    Extension, as in Lambda, where the stack attaches the layer;
//  - the SDK path: the bundled AWS SDK client, imported on first use, against the emulator's
//    Secrets Manager endpoint, as where there is no extension.
// Beside it, bundled and run the same way, side by side in one run: the built-ins floor, the
// undici floor and the libraries floor (the same calls with node:http; with undici's Agent loaded
// as the proxy loads it; and with Middy, zod, jose and Powertools each doing its least:
// bench/references/), the seed-style peer (the design guide's axios + jose code) and a bare
// handler. Warm, each runs a few thousand invokes in one process (process.cpuUsage per invoke).
// Speed is judged as ratios, never as absolute milliseconds, against the targets printed last.

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { DEV_CREDENTIALS } from '../dev/genesys-emulator';
import { BUNDLING, bundleDirectory } from '../lib/bundling';
import { guestTokenEvent } from './event';
import { lambdaEnvironment, startEmulator } from './processes';

// This machine drifts by tens of per cent within minutes: enough runs that the medians hold still.
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 21);
const WARM_INVOKES = Number(process.env.BENCH_WARM_INVOKES ?? 2000);
const WARM_ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 3);
/** Invokes timed one by one after the first (V8 runs them in its first tiers). */
const RAMP_INVOKES = 10;
/** Lambda-shaped runs per subject, and the memory size whose CPU share the invokes get. */
const LAMBDA_RUNS = Number(process.env.BENCH_LAMBDA_RUNS ?? 11);
const MEMORY_MB = memoryFlag();
/** Lambda gives one full vCPU at 1,769 MB, and a share in proportion below it. */
const FULL_VCPU_MB = 1769;
/** A short period models a steady share (a 100 ms one lets a short invoke run in one burst). */
const CFS_PERIOD_US = 10_000;
const ORIGIN = 'https://www.example.com';
const ROOT = path.join(__dirname, '..');

/** The guest-api bundle the package ships and the construct deploys as it is. */
function deployedBundle(): string {
  return path.join(bundleDirectory('guest-api', { mustExist: true }), 'index.mjs');
}

async function bundle(entry: string, outdir: string, external: string[]): Promise<string> {
  const outfile = path.join(outdir, 'index.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: 'cjs',
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourcemap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    external,
    logLevel: 'error',
  });
  return outfile;
}

const EVENT = guestTokenEvent(ORIGIN);

// Runs in the fresh process. First it loads the Node built-ins Lambda's runtime interface client
// has loaded before it requires a handler (aws-lambda-nodejs-runtime-interface-client: http for
// the Runtime API, net, assert, util, fs, path). Cold: time from before \`require\` to the
// first response. Warm: CPU time over many invokes after the first. Lambda's own output is
// left out (stdout ignored), as the runtime hands it to its log agent.
const DRIVER = `
for (const name of ['http', 'net', 'assert', 'util', 'fs', 'path']) require('node:' + name);
const { performance } = require('node:perf_hooks');
const event = ${JSON.stringify(EVENT)};
const context = { functionName: 'bench', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: '512', awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: true };
(async () => {
  const started = performance.now();
  // As Lambda's runtime loads a handler: an ES module (.mjs, whose top-level await is init) by
  // import(), a CommonJS one by require.
  const bundle = process.env.BUNDLE;
  const { handler } = bundle.endsWith('.mjs')
    ? await import(require('node:url').pathToFileURL(bundle).href)
    : require(bundle);
  const loaded = performance.now();
  // Lambda's runtime asks its Runtime API for the event after init, so the event loop turns at
  // least once between init and the first invoke (connections go back to their pools).
  await new Promise((resolve) => setImmediate(resolve));
  // Lambda-shaped: init ran at full CPU; from here on the process (all its threads, V8's compiler
  // and GC ones too) runs on the invoke's CPU share.
  if (process.env.CGROUP_PROCS) require('node:fs').writeFileSync(process.env.CGROUP_PROCS, String(process.pid));
  const invoked = performance.now();
  // The first invoke's window on the clock V8's --cpu-prof stamps its samples with (µs).
  const firstFromUs = Number(process.hrtime.bigint() / 1000n);
  const first = await handler(event, context);
  const firstToUs = Number(process.hrtime.bigint() / 1000n);
  const ms = performance.now() - started;
  const firstMs = performance.now() - invoked;
  // The next invokes, one by one: code still running in V8's first tiers.
  const ramp = [];
  for (let i = 0; i < ${RAMP_INVOKES}; i++) {
    const at = performance.now();
    await handler(event, context);
    ramp.push(performance.now() - at);
  }
  const invokes = Number(process.env.WARM_INVOKES ?? 0);
  let cpuMs = 0;
  let warmMs = 0;
  if (invokes > 0) {
    for (let i = 0; i < 200; i++) await handler(event, context);
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let i = 0; i < invokes; i++) {
      const result = await handler(event, context);
      if (result.statusCode !== 200) throw new Error('warm invoke answered ' + result.statusCode);
    }
    warmMs = (performance.now() - wall) / invokes;
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000 / invokes;
  }
  process.stderr.write(JSON.stringify({ ms, loadMs: loaded - started, firstMs, firstFromUs, firstToUs, ramp, status: first.statusCode, cpuMs, warmMs }) + '\\n');
  process.exit(0);
})();
`;

interface Run {
  ms: number;
  /** The first invoke's window, in V8's profile clock (µs). */
  firstFromUs: number;
  firstToUs: number;
  /** Loading the bundle; for the proxy, Lambda's init with its warm-up. */
  loadMs: number;
  /** The first request after that. */
  firstMs: number;
  /** The RAMP_INVOKES requests after the first, each. */
  ramp: number[];
  status: number;
  cpuMs: number;
  /** Wall time per warm invoke. */
  warmMs: number;
}

function runOnce(bundlePath: string, env: Record<string, string>, nodeFlags: string[] = []): Run {
  const child = spawnSync(process.execPath, [...nodeFlags, '-e', DRIVER], {
    env: {
      ...env,
      BUNDLE: bundlePath,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const report = child.stderr.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(report) as Run;
  } catch {
    throw new Error(`bench run failed: ${child.stderr}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The subject BENCH_EXTRA names (`label=path`: a bundle, or a .ts entry bundled here exactly as
 * the handler is, e.g. a lever under bench/levers/), run as the proxy is.
 */
async function extraSubject(
  env: Record<string, string>,
  work: string,
): Promise<Array<[string, string, Record<string, string>]>> {
  const extra = process.env.BENCH_EXTRA;
  if (!extra) return [];
  const at = extra.indexOf('=');
  if (at < 1) throw new Error('BENCH_EXTRA takes label=path (a bundle, or a .ts entry)');
  const entry = path.resolve(extra.slice(at + 1));
  if (!entry.endsWith('.ts')) return [[extra.slice(0, at), entry, env]];
  const outfile = path.join(work, 'extra', 'index.mjs');
  await build({
    ...BUNDLING,
    banner: { ...BUNDLING.banner },
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.external],
    entryPoints: [entry],
    outfile,
    bundle: true,
    define: { 'process.env.GENESYS_PROFILE': JSON.stringify('guest-api') },
    logLevel: 'warning',
  });
  return [[extra.slice(0, at), outfile, env]];
}

/** `--memory MB` (default 512): the Lambda memory size whose CPU share the invokes get. */
function memoryFlag(): number {
  const at = process.argv.indexOf('--memory');
  const value = at >= 0 ? Number(process.argv[at + 1]) : 512;
  if (!Number.isInteger(value) || value < 128 || value > 10_240)
    throw new Error('--memory takes a Lambda memory size in MB, 128 to 10240');
  return value;
}

/**
 * A cgroup v1 `cpu` group with Lambda's invoke share at `memoryMb` (cfs quota over a 10 ms
 * period), for a process to move itself into after its init; or why one cannot be made here.
 */
function lambdaCpuGroup(
  memoryMb: number,
): { procs: string; quotaUs: number; remove(): void } | { unavailable: string } {
  const root = '/sys/fs/cgroup/cpu';
  if (!existsSync(path.join(root, 'cpu.cfs_quota_us')))
    return { unavailable: `no cgroup v1 cpu controller at ${root}` };
  const group = path.join(root, `genesys-bench-${process.pid}`);
  const quotaUs = Math.round((CFS_PERIOD_US * Math.min(memoryMb, FULL_VCPU_MB)) / FULL_VCPU_MB);
  try {
    mkdirSync(group);
    writeFileSync(path.join(group, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeFileSync(path.join(group, 'cpu.cfs_quota_us'), String(quotaUs));
  } catch (error) {
    return {
      unavailable: `cannot make a cpu cgroup (${(error as NodeJS.ErrnoException).code}: run as root)`,
    };
  }
  return {
    procs: path.join(group, 'cgroup.procs'),
    quotaUs,
    remove: () => rmdirSync(group),
  };
}

interface CpuProfile {
  startTime: number;
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * `npm run bench -- --profile`: CPU profiles of the proxy's Lambda-shaped first invoke (init at
 * full CPU, the invoke on the memory size's share), their self time summed by original source
 * through the bundle's source map: the costs that are the project's own, and the libraries'.
 */
async function profileFirstInvoke(bundlePath: string, env: Record<string, string>): Promise<void> {
  const group = lambdaCpuGroup(MEMORY_MB);
  if ('unavailable' in group) {
    console.log(`No Lambda-shaped profile here: ${group.unavailable}`);
    return;
  }
  const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 15);
  const map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
  const work = mkdtempSync(path.join(tmpdir(), 'profile-'));
  const bySource = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (tally: Map<string, number>, key: string, us: number) =>
    tally.set(key, (tally.get(key) ?? 0) + us);
  let total = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const dir = path.join(work, String(run));
      const window = runOnce(bundlePath, { ...env, CGROUP_PROCS: group.procs }, [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        '--cpu-prof-interval=100',
      ]);
      const [file] = readdirSync(dir);
      const profile = JSON.parse(
        readFileSync(path.join(dir, file as string), 'utf8'),
      ) as CpuProfile;
      const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
      let at = profile.startTime;
      profile.samples.forEach((id, index) => {
        const us = profile.timeDeltas[index] ?? 0;
        at += us;
        // Only the first invoke: the samples V8 stamped inside its window.
        if (at < window.firstFromUs || at > window.firstToUs) return;
        const frame = nodes.get(id);
        total += us;
        if (!frame) return;
        const mapped = frame.url.endsWith('.mjs')
          ? (map.findEntry(frame.lineNumber, frame.columnNumber) as {
              originalSource?: string;
              originalLine?: number;
              name?: string;
            })
          : {};
        const source = mapped.originalSource
          ? mapped.originalSource
              .replace(/^(\.\.\/)+/, '')
              .replace(/^.*node_modules\//, 'node_modules/')
          : frame.url || `(${frame.functionName || 'program'})`;
        const owner = source.startsWith('lambda/')
          ? source
          : source.startsWith('node_modules/')
            ? source
                .split('/')
                .slice(0, source.split('/')[1]?.startsWith('@') ? 3 : 2)
                .join('/')
            : source.startsWith('node:')
              ? `node built-ins (${source.replace(/^node:(internal\/)?/, '').split('/')[0]})`
              : source;
        add(bySource, owner, us);
        if (source.startsWith('lambda/'))
          add(
            byFunction,
            `${mapped.name ?? frame.functionName ?? '(anonymous)'} (${source}:${(mapped.originalLine ?? 0) + 1})`,
            us,
          );
      });
    }
  } finally {
    group.remove();
  }
  const ms = (us: number) => (us / 1000 / runs).toFixed(2);
  console.log(
    `\nThe proxy's Lambda-shaped first invoke at ${MEMORY_MB} MB, node --cpu-prof (100 µs), the samples inside the first invoke, ` +
      `${runs} runs: ${ms(total)} ms of samples per invoke, self time by where the code comes from\n`,
  );
  console.log('| source | ms per first invoke | share |\n|---|---|---|');
  for (const [source, us] of [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`| ${source} | ${ms(us)} | ${((100 * us) / total).toFixed(0)} % |`);
  console.log("\nThe five largest costs that are the project's own (self time):\n");
  console.log('| function (source) | ms per first invoke |\n|---|---|');
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 5))
    console.log(`| ${name} | ${ms(us)} |`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'cold-start-'));
  const deployed = deployedBundle();
  const bareEntry = path.join(work, 'bare.ts');
  writeFileSync(bareEntry, 'export const handler = async () => ({ statusCode: 200, body: "" });\n');
  const bare = await bundle(bareEntry, path.join(work, 'bare'), []);
  const floor = await bundle(
    path.join(__dirname, 'references/floor.ts'),
    path.join(work, 'floor'),
    [],
  );
  const undiciFloor = await bundle(
    path.join(__dirname, 'references/undici-floor.ts'),
    path.join(work, 'undici-floor'),
    [],
  );
  const librariesFloor = await bundle(
    path.join(__dirname, 'references/libraries-floor.ts'),
    path.join(work, 'libraries-floor'),
    [],
  );
  const peer = await bundle(
    path.join(__dirname, 'references/seed-peer.ts'),
    path.join(work, 'peer'),
    [],
  );

  const emulator = await startEmulator(0);
  const base = {
    PATH: process.env.PATH ?? '',
    // Lambda's NODE_PATH leads to the runtime's AWS SDK; here, to the project's.
    NODE_PATH: path.join(ROOT, 'node_modules'),
    ...lambdaEnvironment(emulator.url, ORIGIN),
    // The level Lambda runs at; lambdaEnvironment's ERROR suits the loopback benches only.
    LOG_LEVEL: 'INFO',
  };
  const viaExtension: Record<string, string> = base;
  const viaSdk = Object.fromEntries(
    Object.entries(base).filter(
      ([name]) => name !== 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT' && name !== 'AWS_SESSION_TOKEN',
    ),
  );
  // The seed reads its OAuth client from the environment.
  const peerEnv = {
    ...viaExtension,
    GENESYS_CLIENT_ID: DEV_CREDENTIALS.clientId,
    GENESYS_CLIENT_SECRET: DEV_CREDENTIALS.clientSecret,
  };
  if (process.argv.includes('--profile')) {
    await profileFirstInvoke(deployed, viaExtension);
    await emulator.stop();
    return;
  }
  const FLOOR = 'floor (built-ins only)';
  const UNDICI_FLOOR = 'undici floor (the same calls through undici, loaded as the proxy loads it)';
  const LIBRARIES_FLOOR =
    'libraries floor (the undici floor with Middy, zod, jose and Powertools each doing its least)';
  const PEER = 'seed-style peer (axios + jose, 3 calls per token)';
  const PROXY = 'this proxy, deployed bundle, extension path';
  const rows = [
    { name: FLOOR, file: floor, env: viaExtension },
    { name: UNDICI_FLOOR, file: undiciFloor, env: viaExtension },
    { name: LIBRARIES_FLOOR, file: librariesFloor, env: viaExtension },
    { name: PEER, file: peer, env: peerEnv },
    { name: PROXY, file: deployed, env: viaExtension },
    { name: 'this proxy, deployed bundle, SDK path', file: deployed, env: viaSdk },
    { name: 'bare handler (returns 200)', file: bare, env: base },
  ];
  const runs = new Map<string, Run[]>(rows.map(({ name }) => [name, []]));
  await emulator.ask('reset');
  for (let run = 0; run < RUNS; run++) {
    for (const { name, file, env } of rows) {
      const cold = runOnce(file, env);
      if (cold.status !== 200) throw new Error(`${name} answered ${cold.status} on a cold start`);
      runs.get(name)?.push(cold);
    }
  }
  const { calls } = await emulator.ask('calls');
  // Warm, each process runs WARM_INVOKES invokes; the rows take turns, WARM_ROUNDS times, and
  // each row's median round counts, so a slow minute on this machine does not land on one row.
  const warmRows: Array<[string, string, Record<string, string>]> = [
    [FLOOR, floor, viaExtension],
    [UNDICI_FLOOR, undiciFloor, viaExtension],
    [LIBRARIES_FLOOR, librariesFloor, viaExtension],
    [PEER, peer, peerEnv],
    [PROXY, deployed, viaExtension],
  ];
  const warmRounds = new Map<string, Run[]>(warmRows.map(([name]) => [name, []]));
  for (let round = 0; round < WARM_ROUNDS; round++)
    for (const [name, file, env] of warmRows)
      warmRounds.get(name)?.push(runOnce(file, { ...env, WARM_INVOKES: String(WARM_INVOKES) }));
  const medianOf = (name: string, value: (run: Run) => number) =>
    median((warmRounds.get(name) ?? []).map(value));
  const warm: Record<string, number> = Object.fromEntries(
    warmRows.map(([name]) => [name, medianOf(name, (run) => run.cpuMs)]),
  );
  const kb = (file: string) => (statSync(file).size / 1024).toFixed(0);
  console.log(
    `\nCold path: fresh Node ${process.version} process, require(bundle) + first request at ` +
      `LOG_LEVEL=INFO, median of ${RUNS} runs, emulator with no injected latency\n`,
  );
  console.log(
    '| bundle, secret read through | size KB | load + first request, median ms | of which load | min ms | max ms |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const { name, file } of rows) {
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
      `(a cold start of the floor or the proxy: secret, OAuth token, key set, mint; the peer: ` +
      `OAuth token, mint, key set for every token; each run then mints ${RAMP_INVOKES} more)`,
  );

  const coldOf = (name: string) => median((runs.get(name) ?? []).map((run) => run.ms));
  const loadOf = (name: string) => median((runs.get(name) ?? []).map((run) => run.loadMs));
  const ratio = (value: number, reference: number) => `${(value / reference).toFixed(2)} ×`;
  console.log(
    `\nSide by side (same run; warm = CPU per invoke over ${WARM_INVOKES} invokes in one process, ` +
      `median of ${WARM_ROUNDS} rounds taken in turn, ` +
      `LOG_LEVEL=INFO):\n`,
  );
  console.log(
    '| | cold load + first request | × floor | × undici floor | × libraries floor | × peer | of which load | warm CPU per invoke | × floor | × undici floor | × libraries floor | × peer |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const name of [FLOOR, UNDICI_FLOOR, LIBRARIES_FLOOR, PEER, PROXY]) {
    const cold = coldOf(name);
    const cpu = warm[name] as number;
    console.log(
      `| ${name} | ${cold.toFixed(1)} ms | ${ratio(cold, coldOf(FLOOR))} | ` +
        `${ratio(cold, coldOf(UNDICI_FLOOR))} | ${ratio(cold, coldOf(LIBRARIES_FLOOR))} | ` +
        `${ratio(cold, coldOf(PEER))} | ${loadOf(name).toFixed(1)} ms | ${cpu.toFixed(3)} ms | ` +
        `${ratio(cpu, warm[FLOOR] as number)} | ${ratio(cpu, warm[UNDICI_FLOOR] as number)} | ` +
        `${ratio(cpu, warm[LIBRARIES_FLOOR] as number)} | ${ratio(cpu, warm[PEER] as number)} |`,
    );
  }
  // Where the gap to the floors goes: what the chosen libraries cost doing their least, and the rest.
  const coldGap = coldOf(PROXY) - coldOf(UNDICI_FLOOR);
  const coldLibraries = coldOf(LIBRARIES_FLOOR) - coldOf(UNDICI_FLOOR);
  const warmGap = (warm[PROXY] as number) - (warm[FLOOR] as number);
  const warmLibraries = (warm[LIBRARIES_FLOOR] as number) - (warm[FLOOR] as number);
  console.log(
    `\nThe gap, split: cold, the proxy is ${coldGap.toFixed(1)} ms over the undici floor; the ` +
      `libraries floor is ${coldLibraries.toFixed(1)} ms of that (${ratio(coldOf(LIBRARIES_FLOOR), coldOf(UNDICI_FLOOR))} ` +
      `the undici floor), the proxy's own code ${(coldGap - coldLibraries).toFixed(1)} ms. Warm, the ` +
      `proxy is ${warmGap.toFixed(3)} ms of CPU over the built-ins floor; the libraries floor is ` +
      `${warmLibraries.toFixed(3)} ms of that (${ratio(warm[LIBRARIES_FLOOR] as number, warm[FLOOR] as number)} ` +
      `the built-ins floor), the proxy's own code ${(warmGap - warmLibraries).toFixed(3)} ms.`,
  );

  // The first invoke after init, the next ones (V8 still in its first tiers: the floor's own
  // are there too), and a warm one.
  const rampOf = (name: string) => median((runs.get(name) ?? []).flatMap((run) => run.ramp));
  const proxyRuns = runs.get(PROXY) ?? [];
  const firstAfterInit = median(proxyRuns.map((run) => run.firstMs));
  const warmWall = (name: string) => medianOf(name, (run) => run.warmMs);
  console.log(
    `\nThis proxy, init and the first invoke after it: init (load and the warm-up at load) ` +
      `${median(proxyRuns.map((run) => run.loadMs)).toFixed(1)} ms, then the first invoke ` +
      `${firstAfterInit.toFixed(1)} ms against ${warmWall(PROXY).toFixed(2)} ms for a warm one ` +
      `(${ratio(firstAfterInit, warmWall(PROXY))}); invokes 2–${RAMP_INVOKES + 1} ` +
      `${rampOf(PROXY).toFixed(1)} ms each (${ratio(rampOf(PROXY), warmWall(PROXY))}). ` +
      `The floor's invokes 2–${RAMP_INVOKES + 1}: ${rampOf(FLOOR).toFixed(1)} ms each against ` +
      `${warmWall(FLOOR).toFixed(2)} ms warm (${ratio(rampOf(FLOOR), warmWall(FLOOR))})`,
  );

  // Lambda-shaped (docs/performance.md): init at full CPU, then the invokes on the memory size's
  // CPU share. What a visitor waits for on a cold start is init + the first invoke.
  const group = lambdaCpuGroup(MEMORY_MB);
  const lambdaRows: Array<[string, string, Record<string, string>]> = [
    [FLOOR, floor, viaExtension],
    [UNDICI_FLOOR, undiciFloor, viaExtension],
    [LIBRARIES_FLOOR, librariesFloor, viaExtension],
    [PEER, peer, peerEnv],
    [PROXY, deployed, viaExtension],
    // BENCH_EXTRA=label=path: one more subject, for trying a lever (bench/levers/).
    ...(await extraSubject(viaExtension, work)),
  ];
  const shaped = new Map<string, Run[]>(lambdaRows.map(([name]) => [name, []]));
  if ('unavailable' in group) {
    console.log(
      `\nLambda-shaped measurement: not here (${group.unavailable}); no Lambda-shaped figure.`,
    );
  } else {
    try {
      for (let run = 0; run < LAMBDA_RUNS; run++)
        for (const [name, file, env] of lambdaRows) {
          const cold = runOnce(file, { ...env, CGROUP_PROCS: group.procs });
          if (cold.status !== 200) throw new Error(`${name} answered ${cold.status} under the cap`);
          shaped.get(name)?.push(cold);
        }
    } finally {
      group.remove();
    }
    console.log(
      `\nLambda-shaped, at ${MEMORY_MB} MB: init (load and top-level await) at full CPU, then the ` +
        `process in a cpu cgroup of ${group.quotaUs} µs per ${CFS_PERIOD_US} µs ` +
        `(${((100 * group.quotaUs) / CFS_PERIOD_US).toFixed(0)} % of one vCPU) for the first invoke and ` +
        `${RAMP_INVOKES} more; median of ${LAMBDA_RUNS} runs\n`,
    );
    console.log(
      '| subject | init ms | first invoke ms | invokes 2–11, mean ms | cold request (init + first) ms | × libraries floor | × peer |',
    );
    console.log('|---|---|---|---|---|---|---|');
  }
  const shapedOf = (name: string, value: (run: Run) => number) =>
    median((shaped.get(name) ?? []).map(value));
  const coldRequest = (name: string) => shapedOf(name, (run) => run.loadMs + run.firstMs);
  const laterInvokes = (name: string) => shapedOf(name, (run) => mean(run.ramp));
  if (!('unavailable' in group))
    for (const [name] of lambdaRows)
      console.log(
        `| ${name} | ${shapedOf(name, (run) => run.loadMs).toFixed(1)} | ` +
          `${shapedOf(name, (run) => run.firstMs).toFixed(1)} | ${laterInvokes(name).toFixed(1)} | ` +
          `${coldRequest(name).toFixed(1)} | ${ratio(coldRequest(name), coldRequest(LIBRARIES_FLOOR))} | ` +
          `${ratio(coldRequest(name), coldRequest(PEER))} |`,
      );

  // The targets (docs/performance.md): the project's own work, against the libraries floor and
  // the peer, each a ratio measured in this very run.
  const lambdaShaped = !('unavailable' in group);
  const againstLimit = (value: number | undefined, limit: number): [string, string] =>
    value === undefined
      ? ['not measured here', '—']
      : [`${value.toFixed(2)} ×`, value <= limit ? 'yes' : 'no'];
  const warmVsLibraries = (warm[PROXY] as number) / (warm[LIBRARIES_FLOOR] as number);
  const warmVsPeer = (warm[PROXY] as number) / (warm[PEER] as number);
  const targets: Array<[string, string, string]> = [
    [
      `Lambda-shaped cold request at ${MEMORY_MB} MB ≤ 0.8 × the seed-style peer`,
      ...againstLimit(lambdaShaped ? coldRequest(PROXY) / coldRequest(PEER) : undefined, 0.8),
    ],
    [
      `Lambda-shaped cold request at ${MEMORY_MB} MB ≤ 0.7 × the libraries floor`,
      ...againstLimit(
        lambdaShaped ? coldRequest(PROXY) / coldRequest(LIBRARIES_FLOOR) : undefined,
        0.7,
      ),
    ],
    [
      `Lambda-shaped invokes 2–${RAMP_INVOKES + 1} at ${MEMORY_MB} MB ≤ 1.0 × the libraries floor`,
      ...againstLimit(
        lambdaShaped ? laterInvokes(PROXY) / laterInvokes(LIBRARIES_FLOOR) : undefined,
        1,
      ),
    ],
    [
      'warm CPU per invoke (full CPU) ≤ 1.3 × the libraries floor, and below the peer',
      `${warmVsLibraries.toFixed(2)} × (${warmVsPeer.toFixed(2)} × the peer)`,
      warmVsLibraries <= 1.3 && warmVsPeer < 1 ? 'yes' : 'no',
    ],
  ];
  console.log('\n| target | this run | met |');
  console.log('|---|---|---|');
  for (const [target, value, met] of targets) console.log(`| ${target} | ${value} | ${met} |`);
  await emulator.stop();
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
