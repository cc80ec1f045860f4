// `npm run test:consumers`: the package as a team installs it. `npm pack` the root (prepack builds
// the construct and both handler bundles); a fresh app from today's `cdk init app --language
// typescript` (TypeScript 7, NodeNext) installs the tarball with cdk-nag, takes the README's
// bin/app.ts verbatim and synthesizes both profiles with AwsSolutionsChecks: it must type-check,
// bundle nothing ("Bundling asset" never printed), deploy the tarball's own bundle and raise no
// cdk-nag error. publint and @arethetypeswrong/cli check the tarball. Prints a closing line and
// exits non-zero when a check fails.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROFILES } from '../lambda/config';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');

/** The fenced block that follows `<!-- consumer:NAME -->` in the README, byte for byte. */
export function readmeExample(name: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const marker = `<!-- consumer:${name} -->\n`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker.trim()}`);
  const fence = /^```\w*\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
  if (!fence?.[1]) throw new Error(`README.md has no code block after ${marker.trim()}`);
  return fence[1];
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CDK_DISABLE_VERSION_CHECK: '1',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        npm_config_update_notifier: 'false',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    );
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(path.join(tmpdir(), 'consumers-'));
  const checks: [string, boolean][] = [];
  try {
    // The package, as npm publishes it.
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const tarball = path.join(work, packed[0]?.filename ?? '');
    const shipped = new Set(packed[0]?.files.map((file) => file.path));
    checks.push([
      'the tarball holds both handler bundles and no TypeScript source',
      PROFILES.every((profile) => shipped.has(`dist/handler/${profile}/index.mjs`)) &&
        ![...shipped].some((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')),
    ]);
    run(path.join(BIN, 'publint'), ['--strict', tarball], ROOT);
    checks.push(['publint finds no problem', true]);
    run(path.join(BIN, 'attw'), [tarball, '--format', 'ascii'], ROOT);
    checks.push(['@arethetypeswrong/cli finds no problem', true]);

    // A fresh CDK app, as `cdk init` makes it today, with the README's app.
    const app = path.join(work, 'consumer-app');
    mkdirSync(app);
    run(path.join(BIN, 'cdk'), ['init', 'app', '--language', 'typescript', '--generate-only'], app);
    writeFileSync(path.join(app, 'bin', 'consumer-app.ts'), readmeExample('cdk-app'));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
    const nag = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules/cdk-nag/package.json'), 'utf8'),
    );
    run('npm', ['install', '--prefer-offline', tarball, `cdk-nag@${nag.version}`], app);

    const own = (profile: string) =>
      sha256(
        path.join(app, 'node_modules/genesys-guest-token-proxy/dist/handler', profile, 'index.mjs'),
      );
    for (const profile of PROFILES) {
      const out = path.join(app, `cdk.out.${profile}`);
      const printed = run(
        'npx',
        ['cdk', 'synth', '--quiet', '-o', out, '-c', `genesysProfile=${profile}`],
        app,
      );
      const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
      const deployed = assets
        .map((asset) => path.join(out, asset, 'index.mjs'))
        .filter((file) => {
          try {
            return sha256(file) === own(profile);
          } catch {
            return false;
          }
        });
      checks.push([
        `${profile}: synthesizes with AwsSolutionsChecks, bundling nothing, deploying the tarball's own bundle`,
        !printed.includes('Bundling asset') && deployed.length === 1,
      ]);
    }
  } catch (error) {
    checks.push([(error as Error).message, false]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const [label, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`consumers: ${checks.length - failed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

if (require.main === module) void main();
