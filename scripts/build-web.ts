// `npm run build:web` (and the browser package's prepack): web/dist holds the package's ES
// modules as they are (they need no bundling: no dependencies, no syntax a browser lacks), their
// .d.ts types made by tsc from the JSDoc, and one script-tag build (an IIFE exposing
// `GenesysGuestToken`) for sites without a bundler.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

const WEB = path.join(__dirname, '..', 'web');
const DIST = path.join(WEB, 'dist');
/** The package's modules: the entry and what it imports. */
export const WEB_MODULES = [
  'index.js',
  'token-manager.js',
  'messenger-auth-provider.js',
  'chat-sdk-adapter.js',
  'post-with-retry.js',
];

export async function buildWeb(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  for (const file of WEB_MODULES) copyFileSync(path.join(WEB, file), path.join(DIST, file));
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(WEB, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  await build({
    entryPoints: [path.join(WEB, 'index.js')],
    outfile: path.join(DIST, 'genesys-guest-token.iife.js'),
    bundle: true,
    format: 'iife',
    globalName: 'GenesysGuestToken',
    target: 'es2020',
    minify: true,
    logLevel: 'warning',
  });
}

if (require.main === module)
  buildWeb().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
