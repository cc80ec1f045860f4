// `npm run build` (and prepack): one handler bundle per profile into dist/handler/<profile>, then
// the construct library (lib/index.ts and what it imports) compiled with its types into dist/.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { PROFILES } from '../lambda/config';
import { BUNDLING, bundleDirectory, PACKAGE_ROOT } from '../lib/bundling';

/** One bundle per profile into dist/handler/<profile> (the tests' global setup runs it too). */
export async function bundleHandlers(): Promise<void> {
  rmSync(path.join(PACKAGE_ROOT, 'dist', 'handler'), { recursive: true, force: true });
  await Promise.all(
    PROFILES.map((profile) =>
      build({
        ...BUNDLING,
        banner: { ...BUNDLING.banner },
        mainFields: [...BUNDLING.mainFields],
        external: [...BUNDLING.external],
        entryPoints: [path.join(PACKAGE_ROOT, 'lambda/index.ts')],
        outfile: path.join(bundleDirectory(profile), 'index.mjs'),
        bundle: true,
        // One profile per bundle: lambda/index.ts branches on it, leaving the other out.
        define: { 'process.env.GENESYS_PROFILE': JSON.stringify(profile) },
        logLevel: 'warning',
      }),
    ),
  );
}

async function main(): Promise<void> {
  rmSync(path.join(PACKAGE_ROOT, 'dist'), { recursive: true, force: true });
  await bundleHandlers();
  if (process.argv.includes('--lambda-only')) return;
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE_ROOT, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
}

if (require.main === module)
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
