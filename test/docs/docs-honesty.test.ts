// Keeps the README and docs/ true to the code: every relative link and every `test/…` file they
// name exists; each threat in docs/security.md names a test that exists in its file; each alarm
// the stack creates has a runbook entry in docs/operations.md and each entry an alarm; every CDK
// context key and environment variable the code reads is documented, and every one documented
// in a table is read by the code.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ReferenceStack } from '../../bin/reference-stack';
import { PLATFORM_PROPS } from '../../lib/guest-token-proxy';
import { propsFromContext } from '../../lib/index';
import { CONTEXT_KEYS } from '../../lib/settings';

const ROOT = path.join(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const allDocs = DOCS.map(read).join('\n');

/** Rows of the markdown tables whose header's first cell is `first`: their cells. */
function tableRows(text: string, first: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells[0] === first) inTable = true;
    else if (inTable && !/^-+$/.test(cells[0] ?? '')) rows.push(cells);
  }
  return rows;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

describe('the docs', () => {
  it.each(DOCS)('%s: every relative link points at a file that exists', (file) => {
    const text = read(file);
    const missing = [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => path.resolve(ROOT, path.dirname(file), target))
      // Links out of the repository (the specs beside it) are not this repository's to keep.
      .filter((target) => target.startsWith(`${ROOT}${path.sep}`))
      .filter((target) => !existsSync(target));
    expect(missing).toEqual([]);
  });

  it('names only test files that exist', () => {
    const named = [
      ...new Set(
        [...allDocs.matchAll(/\b(test\/[A-Za-z0-9_./-]+\.ts)\b/g)].map((m) => m[1] as string),
      ),
    ];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });

  it('names only source files that exist', () => {
    const named = [
      ...new Set(
        [
          ...allDocs.matchAll(
            /(?<![\w/])((?:lambda|lib|dev|web|bench|bin)\/[A-Za-z0-9_./-]+\.(?:ts|js|html|css))\b/g,
          ),
        ].map((m) => m[1] as string),
      ),
    ];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });

  it('names, for each threat, tests that exist in their files', () => {
    const rows = tableRows(read('docs/security.md'), 'threat');
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const missing: string[] = [];
    for (const [threat, , proof] of rows) {
      const cited = [...(proof ?? '').matchAll(/`(test\/[^`]+\.ts)`(?::\s*([^;`]+))?/g)];
      if (cited.length === 0) missing.push(`${threat}: no test named`);
      for (const [, file, name] of cited) {
        const source = existsSync(path.join(ROOT, file as string)) ? read(file as string) : '';
        if (!name) continue;
        if (!source.includes(name.trim())) missing.push(`${file}: ${name.trim()}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a runbook entry for each alarm the stack creates, and no other', () => {
    // Both profiles, optional features on, so every alarm that can exist is created.
    const alarmsOf = (profile: string) => {
      const app = new App({
        context: {
          ...JSON.parse(read('cdk.json')).context,
          genesysProfile: profile,
          alarmEmail: 'oncall@example.com',
          siteIdentityIssuers: [{ issuer: 'https://login.example.com', audience: 'web' }],
          allowPlaceholderOrigins: true,
          'aws:cdk:bundling-stacks': [],
        },
      });
      const stack = new ReferenceStack(app, 'Docs', { proxy: propsFromContext(app.node) });
      return Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
        (id) => id.replace(/^ProxyAlarms/, '').replace(/[0-9A-F]{8}$/, ''),
      );
    };
    const alarms = [...new Set([...alarmsOf('guest-api'), ...alarmsOf('messenger')])].sort();
    const operations = read('docs/operations.md');
    const runbook = operations.slice(
      operations.indexOf('## Alarms: the runbook'),
      operations.indexOf('\n## ', operations.indexOf('## Alarms: the runbook') + 1),
    );
    const entries = [...runbook.matchAll(/^### (\w+)$/gm)].map((m) => m[1]).sort();
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    expect(entries).toEqual(alarms);
    for (const entry of entries) {
      const body = runbook.slice(runbook.indexOf(`### ${entry}`)).split('\n### ')[0] ?? '';
      expect([
        entry,
        /\*\*Means\*\*/.test(body),
        /```/.test(body),
        /\*\*Likely causes\*\*/.test(body),
        /\*\*What to do\*\*/.test(body),
      ]).toEqual([entry, true, true, true, true]);
    }
  });

  it('documents every CDK context key the app reads (each a prop of the construct), and only those', () => {
    const documented = tableRows(read('docs/deploy.md'), 'context key / prop').flatMap(([first]) =>
      backticked(first ?? ''),
    );
    expect([...CONTEXT_KEYS].filter((key) => !documented.includes(key))).toEqual([]);
    expect(documented.filter((key) => !CONTEXT_KEYS.includes(key))).toEqual([]);
  });

  it('documents every prop of the construct beyond the settings, and only those', () => {
    const documented = tableRows(read('docs/deploy.md'), 'prop').flatMap(([first]) =>
      backticked(first ?? '').slice(0, 1),
    );
    expect(documented.sort()).toEqual([...PLATFORM_PROPS].sort());
  });

  it('documents every environment variable the code reads, and only those', () => {
    const sources = ['lambda', 'dev'].flatMap((dir) =>
      readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => read(path.join(dir, file))),
    );
    // Each concern's settings schema names its variables as object keys (lambda/config.ts).
    const inCode = new Set<string>(
      sources.flatMap((text) => [
        ...[...text.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1] as string),
        ...[...text.matchAll(/\benv(?:\.|\?\.)([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string),
      ]),
    );
    expect(inCode.size).toBeGreaterThan(20);
    expect([...inCode].filter((name) => !allDocs.includes(`\`${name}\``)).sort()).toEqual([]);
    const documented = tableRows(read('docs/deploy.md'), 'variable').flatMap(([first]) =>
      backticked(first ?? ''),
    );
    expect(documented.filter((name) => !inCode.has(name))).toEqual([]);
  });
});
