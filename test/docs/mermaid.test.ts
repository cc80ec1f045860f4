// Every Mermaid diagram in the README and docs/ parses: each block goes through mermaid's own
// parser (the registry's mermaid, its browser build) in the Chromium the browser tests use.
// Skipped, saying why, where no Chromium is installed (.ci/run installs it).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../dev/browser';

const ROOT = path.join(__dirname, '../..');
const MERMAID = require.resolve('mermaid/dist/mermaid.min.js');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];
const blocks = DOCS.flatMap((file) =>
  [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/```mermaid\n([\s\S]*?)```/g)].map(
    (match, index) => [`${file} #${index + 1}`, match[1] as string] as const,
  ),
);

const available = existsSync(CHROMIUM_PATH);
const title = available
  ? 'Mermaid diagrams'
  : `Mermaid diagrams (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (!available) console.warn(title);

(available ? describe : describe.skip)(title, () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.setContent('<!doctype html><body></body>');
    await page.addScriptTag({ path: MERMAID });
  });
  afterAll(() => browser?.close());

  /** true, or mermaid's own error message. */
  const parse = (text: string) =>
    page.evaluate(async (source) => {
      const { mermaid } = window as unknown as {
        mermaid: { parse(text: string): Promise<unknown> };
      };
      try {
        await mermaid.parse(source);
        return true;
      } catch (error) {
        return String((error as Error).message ?? error);
      }
    }, text);

  it('finds the diagrams: each profile’s flow, the deployed resources and the README’s picture', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks)('%s parses', async (_where, text) => {
    expect(await parse(text)).toBe(true);
  });

  it('refuses a broken diagram, so a pass above means something', async () => {
    expect(await parse('sequenceDiagram\n    A->>: no target')).not.toBe(true);
  });
});
