// How the handler is bundled, once per profile, into the package (dist/handler/<profile>): the
// construct deploys that folder as it is, so a consumer's synth bundles nothing. `npm run build`
// (and `npm pack`, through prepack) runs it; the cold-start bench bundles the same way.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Profile } from '../lambda/config';

/** The package's root, from the compiled construct (dist/lib) or the source (lib). */
export const PACKAGE_ROOT = path.join(
  __dirname,
  path.basename(path.dirname(__dirname)) === 'dist' ? '../..' : '..',
);

/** Where a profile's bundle lives inside the package; with `mustExist`, it must be built. */
export function bundleDirectory(profile: Profile, { mustExist = false } = {}): string {
  const directory = path.join(PACKAGE_ROOT, 'dist', 'handler', profile);
  if (mustExist && !existsSync(path.join(directory, 'index.mjs')))
    throw new Error(
      `The ${profile} handler bundle is missing at ${directory}: the package was installed without it (install it again), or, in its own repository, run \`npm run build\``,
    );
  return directory;
}

/** esbuild's options for the handler bundle; `GENESYS_PROFILE` is inlined per profile. */
export const BUNDLING = {
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  platform: 'node',
  // An ES module, so the handler can wait for its warm-up at load (top-level await, during
  // Lambda's init); `require` is recreated for the lazily loaded AWS SDK.
  format: 'esm',
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // Prefer packages' ESM builds so esbuild can drop what the handler does not use.
  mainFields: ['module', 'main'],
  // The AWS SDK is left to the runtime's copy: in Lambda the secret comes through the
  // extension and the SDK is only a fallback, so its 300 KB would be parsed on every cold start
  // for nothing (bench/cold-start.ts measures both ways).
  external: ['@aws-sdk/*'],
} as const;
