// The import rules of .dependency-cruiser.cjs hold over the repository, and each one fails
// when a violation of it is planted in a copy of the layout.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
const CHECKED = ['lambda', 'lib', 'dev', 'web', 'bin'];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser in `dir` and returns what it reports. */
function cruise(dir: string): Violation[] {
  const output = execFileSync(
    process.execPath,
    [
      CLI,
      '--config',
      path.join(ROOT, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
      ...CHECKED,
    ],
    { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return (JSON.parse(output) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the import rules', () => {
  it('hold over the repository', () => {
    expect(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  describe('each fails on a planted violation', () => {
    let copy: string;
    beforeAll(() => {
      copy = mkdtempSync(path.join(tmpdir(), 'layout-'));
      for (const dir of [...CHECKED, 'test'])
        cpSync(path.join(ROOT, dir), path.join(copy, dir), { recursive: true });
      cpSync(path.join(ROOT, 'tsconfig.json'), path.join(copy, 'tsconfig.json'));
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    const plant = (file: string, source: string) => {
      const target = path.join(copy, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, source);
      return () => rmSync(target);
    };

    it.each([
      [
        'no-cycles',
        [
          [
            'lambda/platform/planted-a.ts',
            "import { b } from './planted-b';\nexport const a = b;\n",
          ],
          [
            'lambda/platform/planted-b.ts',
            "import { a } from './planted-a';\nexport const b = () => a;\n",
          ],
        ],
      ],
      [
        'shared-never-imports-a-profile',
        [['lambda/steps/planted.ts', "export { respond } from '../profiles/guest-api/respond';\n"]],
      ],
      [
        'platform-never-imports-steps',
        [['lambda/platform/planted.ts', "export { cors } from '../steps/cors';\n"]],
      ],
      [
        'profiles-never-import-each-other',
        [
          [
            'lambda/profiles/messenger/planted.ts',
            "export { respond } from '../guest-api/respond';\n",
          ],
        ],
      ],
      [
        'only-the-entry-point-picks-a-profile',
        [['lambda/planted.ts', "export { OIDC_PATHS } from './profiles/messenger/provider';\n"]],
      ],
      [
        'lambda-stands-alone',
        [['lambda/platform/planted.ts', "export { startLocal } from '../../dev/server';\n"]],
      ],
      [
        'web-stands-alone',
        [['web/planted.js', "export { METRIC } from '../lambda/platform/observability';\n"]],
      ],
    ])('%s', (rule, files) => {
      const removals = files.map(([file, source]) => plant(file as string, source as string));
      try {
        expect(cruise(copy).map((v) => v.rule.name)).toContain(rule);
      } finally {
        for (const remove of removals) remove();
      }
    });
  });
});
