// `npm run test:consumers`: both packages as a team installs them.
// - The construct: `npm pack` the root (prepack builds the construct and both handler bundles);
//   a fresh app from today's `cdk init app --language typescript` (TypeScript 7, NodeNext)
//   installs the tarball with cdk-nag, takes the README's bin/app.ts verbatim and synthesizes
//   both profiles with AwsSolutionsChecks: it must type-check, bundle nothing ("Bundling asset"
//   never printed), deploy the tarball's own bundle and raise no cdk-nag error.
// - The browser package: `npm pack -w web`; a fresh Vite app installs it, takes the README's
//   browser example verbatim as its main.ts, type-checks it against the package's types and
//   builds; the built page, served by `npm start`'s messenger stack with the Messenger stand-in,
//   completes a sign-in in Chromium (Genesys, the emulator, redeems the code).
// publint and @arethetypeswrong/cli check both tarballs. Prints a closing line and exits non-zero
// when a check fails.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, DESKTOP_USER_AGENT } from '../dev/browser';
import { startLocal } from '../dev/server';
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

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...env,
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
    await browserPackage(work, checks);
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

/** The page around the README's example: Messenger's snippet (a queue, as Genesys's is), then
 * the example, then a stand-in of Messenger that replays the queue and authenticates. */
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Consumer of genesys-guest-token-web</title>
    <script>
      window.Genesys = window.Genesys || function () { (window.Genesys.q = window.Genesys.q || []).push(arguments); };
    </script>
  </head>
  <body>
    <script type="module" src="/main.ts"></script>
    <script type="module" src="/boot-messenger.js"></script>
  </body>
</html>
`;
const BOOT_MESSENGER = `import { installStandInMessenger } from './messenger-standin.js';
const genesysApi = new URLSearchParams(location.search).get('genesys') ?? '';
const messenger = installStandInMessenger({ genesysApi, deploymentId: 'local-deployment' });
window.consumer = { messenger, outcome: messenger.authenticate().then(() => 'session', (e) => String(e)) };
`;

async function browserPackage(work: string, checks: [string, boolean][]): Promise<void> {
  const packed = JSON.parse(
    run('npm', ['pack', '-w', 'web', '--json', '--pack-destination', work], ROOT),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(work, packed[0]?.filename ?? '');
  const files = packed[0]?.files.map((file) => file.path) ?? [];
  checks.push([
    'web: the tarball holds the ES modules, their types and the script-tag build',
    ['dist/index.js', 'dist/index.d.ts', 'dist/genesys-guest-token.iife.js'].every((file) =>
      files.includes(file),
    ),
  ]);
  run(path.join(BIN, 'publint'), ['--strict', tarball], ROOT);
  checks.push(['web: publint finds no problem', true]);
  run(path.join(BIN, 'attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], ROOT);
  checks.push(['web: @arethetypeswrong/cli finds no problem (an ES module package)', true]);

  const app = path.join(work, 'web-app');
  mkdirSync(path.join(app, 'public'), { recursive: true });
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'web-app', private: true, type: 'module' }),
  );
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        types: ['vite/client'],
      },
      include: ['main.ts'],
    }),
  );
  writeFileSync(path.join(app, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(app, 'main.ts'), readmeExample('web'));
  writeFileSync(path.join(app, 'public', 'boot-messenger.js'), BOOT_MESSENGER);
  copyFileSync(
    path.join(ROOT, 'web/messenger-standin.js'),
    path.join(app, 'public/messenger-standin.js'),
  );
  const version = (name: string) =>
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  run(
    'npm',
    [
      'install',
      '--prefer-offline',
      `vite@${version('vite')}`,
      `typescript@${version('typescript')}`,
      tarball,
    ],
    app,
  );
  run('npx', ['tsc', '-p', '.'], app);
  checks.push(["web: the README's example type-checks against the package's types", true]);

  // The page is served by the local messenger stack, so its origin is an allowed one.
  const stack = await startLocal(
    { GENESYS_PROFILE: 'messenger', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'ERROR' },
    { webRoot: path.join(app, 'dist') },
  );
  try {
    run('npx', ['vite', 'build'], app, { VITE_GUEST_TOKEN_URL: `${stack.url}/guest-token` });
    checks.push(['web: vite build succeeds', true]);
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox'],
    });
    try {
      const page = await (await browser.newContext({ userAgent: DESKTOP_USER_AGENT })).newPage();
      const genesys = encodeURIComponent(stack.emulator?.baseUrl ?? '');
      await page.goto(`${stack.url}/?genesys=${genesys}`);
      const outcome = await page.evaluate(
        () => (window as unknown as { consumer: { outcome: Promise<string> } }).consumer.outcome,
      );
      const sub = await page.evaluate(
        () =>
          (window as unknown as { consumer: { messenger: { session?: { sub: string } } } }).consumer
            .messenger.session?.sub,
      );
      checks.push([
        `web: the built page completes a Messenger sign-in in Chromium (${outcome}, Genesys redeemed ${stack.emulator?.messengerCalls.exchange ?? 0})`,
        outcome === 'session' &&
          /^guest:/.test(sub ?? '') &&
          (stack.emulator?.messengerCalls.exchange ?? 0) === 1,
      ]);
    } finally {
      await browser.close();
    }
  } finally {
    await stack.close();
  }
}

if (require.main === module) void main();
