// `npm run screenshot`: the demo page in Debian's Chromium against the local stack (emulator
// with 60-second guest tokens), after one "token expired" recovery, one refresh and a sign-in
// at the site as a demo customer, saved to docs/demo.png; and its messenger mode after a guest
// session and then the same customer's, saved to docs/messenger-demo.png (or to --out DIR).

import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, DESKTOP_USER_AGENT } from './browser';
import { GenesysEmulator } from './genesys-emulator';
import { startLocal } from './server';

// The committed pictures in docs/ by default; `npm run screenshot -- --out DIR` writes elsewhere.
const outAt = process.argv.indexOf('--out');
const DIR =
  outAt > 0 && process.argv[outAt + 1] ? process.argv[outAt + 1] : join(__dirname, '..', 'docs');
const OUT = join(DIR as string, 'demo.png');
const MESSENGER_OUT = join(DIR as string, 'messenger-demo.png');

async function main(): Promise<void> {
  process.stdout.write(
    `Rewrites ${OUT} and ${MESSENGER_OUT}${outAt > 0 ? '' : ' (committed pictures: review the diff before committing, or pass --out DIR)'}\n`,
  );
  const emulator = await GenesysEmulator.start({ guestTokenTtlSeconds: 60 });
  const local = await startLocal({ PORT: '0', LOG_LEVEL: 'ERROR' }, { emulator });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({
      userAgent: DESKTOP_USER_AGENT,
      viewport: { width: 900, height: 720 },
    });
    await page.goto(`${local.url}/`);
    const hasEvent = (type: string, reason: string) =>
      page.waitForFunction(
        ([t, r]) =>
          (
            window as unknown as { demo?: { events: { type: string; reason?: string }[] } }
          ).demo?.events.some((e) => e.type === t && e.reason === r),
        [type, reason] as const,
        { timeout: 60_000 },
      );
    await hasEvent('token', 'initial');
    await page.click('#expire-sdk');
    await hasEvent('token', 'expired');
    await page.click('#refresh-now');
    await hasEvent('token', 'refresh');
    await page.waitForFunction(() =>
      document
        .querySelector('#sdk-state')
        ?.textContent?.startsWith('connected, tokens received: 3'),
    );
    await page.click('#site-sign-in');
    await page.waitForFunction(() =>
      document
        .querySelector('#sdk-state')
        ?.textContent?.startsWith('connected, tokens received: 4'),
    );
    await page.screenshot({ path: OUT, fullPage: true });
    process.stdout.write(`wrote ${OUT}\n`);

    const messenger = await startLocal({
      GENESYS_PROFILE: 'messenger',
      PORT: '0',
      LOG_LEVEL: 'ERROR',
    });
    try {
      const genesys = encodeURIComponent(messenger.emulator?.baseUrl ?? '');
      await page.goto(`${messenger.url}/?mode=messenger&genesys=${genesys}`);
      await page.waitForFunction(
        () => document.querySelector('#state')?.textContent === 'authenticated conversation ready',
        undefined,
        { timeout: 60_000 },
      );
      await page.click('#site-sign-in');
      await page.waitForFunction(
        () => document.querySelector('#name')?.textContent === 'Ada Lovelace',
        undefined,
        { timeout: 60_000 },
      );
      await page.screenshot({ path: MESSENGER_OUT, fullPage: true });
      process.stdout.write(`wrote ${MESSENGER_OUT}\n`);
    } finally {
      await messenger.close();
    }
  } finally {
    await browser.close();
    await local.close();
    await emulator.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
