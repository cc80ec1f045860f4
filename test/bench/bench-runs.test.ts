// `npm run bench` end to end at its smallest sizes: both parts run against the emulator and print
// what the performance docs quote (the floors, the side-by-side table, the targets). Its numbers
// are not checked here; speed is judged from a full run (docs/performance.md).

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SMALLEST = {
  BENCH_LATENCY_MS: '0',
  BENCH_ROUNDS: '1',
  BENCH_REQUESTS_PER_ROUND: '5',
  BENCH_COLD_RUNS: '1',
  BENCH_WARM_INVOKES: '20',
  BENCH_WARM_ROUNDS: '1',
  BENCH_LAMBDA_RUNS: '1',
};

function runBench(script: string): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script)], {
    cwd: ROOT,
    env: { ...process.env, ...SMALLEST },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`bench/${script} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe('npm run bench', () => {
  it('measures the warm path through the local server for both profiles', () => {
    const output = runBench('latency.ts');
    expect(output).toContain('| (b) through the proxy, warm |');
    expect(output).toContain('| code issue (POST /guest-token) |');
    expect(output).toContain('| redemption (POST /oauth/token) |');
  }, 120_000);

  it('prints every floor, the side-by-side table and the targets for the deployed bundle', () => {
    const output = runBench('cold-start.ts');
    for (const row of [
      '| floor (built-ins only) |',
      '| undici floor (the same calls through undici',
      '| libraries floor (the undici floor with Middy',
      '| seed-style peer (axios + jose',
      '| this proxy, deployed bundle, extension path |',
      '| Lambda-shaped cold request at 512 MB ≤ 0.8 × the seed-style peer |',
      '| Lambda-shaped cold request at 512 MB ≤ 0.7 × the libraries floor |',
      '| Lambda-shaped invokes 2–11 at 512 MB ≤ 1.0 × the libraries floor |',
      '| warm CPU per invoke (full CPU) ≤ 1.3 × the libraries floor, and below the peer |',
    ])
      expect(output).toContain(row);
    expect(output).toContain('The gap, split:');
    // As root with a cpu controller (this machine, CI) the Lambda-shaped table; elsewhere a line
    // saying why there is none.
    expect(output).toMatch(
      /\| subject \| init ms \| first invoke ms |Lambda-shaped measurement: not here/,
    );
  }, 120_000);
});
