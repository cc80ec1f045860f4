// The demo page in a real Chromium (Debian's, driven by playwright-core), against the local
// server and the emulator with 6-second guest tokens, so refreshes happen within the test.
// Skipped, saying why, where no Chromium is installed (.ci/run installs it).

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH, DESKTOP_USER_AGENT } from '../../dev/browser';
import { GenesysEmulator } from '../../dev/genesys-emulator';
import { type LocalStack, startLocal } from '../../dev/server';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';
import { NOTHING_STORED, pageStorage } from '../fixtures/page-storage';

const CHROMIUM = CHROMIUM_PATH;
const TOKEN_TTL_SECONDS = 6;
const WAIT = { timeout: 20_000 };

interface DemoEvent {
  type: string;
  at: number;
  reason?: string;
  guestId?: string;
  expiresAt?: number;
  code?: string;
}

const describeInBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
const title = existsSync(CHROMIUM)
  ? 'demo page in Chromium'
  : `demo page in Chromium (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (!existsSync(CHROMIUM)) console.warn(title);

describeInBrowser(title, () => {
  let emulator: GenesysEmulator;
  let proxy: LocalStack;
  let browser: Browser;
  let logs: LogCapture;
  const stacks: LocalStack[] = [];

  const serve = async (env: Record<string, string> = {}) => {
    const stack = await startLocal(
      { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'ERROR', ...env },
      { emulator },
    );
    stacks.push(stack);
    return stack;
  };

  beforeAll(async () => {
    logs = captureLogs();
    emulator = await GenesysEmulator.start({ guestTokenTtlSeconds: TOKEN_TTL_SECONDS });
    proxy = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const stack of stacks) await stack.close();
    await emulator?.close();
    logs.restore();
  });

  let page: Page;
  beforeEach(async () => {
    // Headless Chromium says "HeadlessChrome", which the bot denylist refuses (as it should).
    page = await (await browser.newContext({ userAgent: DESKTOP_USER_AGENT })).newPage();
  });
  afterEach(() => page.context().close());

  const events = () =>
    page.evaluate(() => (window as unknown as { demo: { events: DemoEvent[] } }).demo.events);
  const waitForEvent = (type: string, reason?: string) =>
    page.waitForFunction(
      ([t, r]) =>
        (window as unknown as { demo?: { events: DemoEvent[] } }).demo?.events.some(
          (e) => e.type === t && (r === undefined || e.reason === r || e.code === r),
        ),
      [type, reason] as const,
      WAIT,
    );

  it('gets a token and refreshes it before it expires', async () => {
    await page.goto(`${proxy.url}/`);
    await waitForEvent('token', 'refresh');
    const tokens = (await events()).filter((e) => e.type === 'token');
    const [first, second] = tokens;
    expect(first?.reason).toBe('initial');
    expect(second?.reason).toBe('refresh');
    expect(second?.guestId).not.toBe(first?.guestId);
    // The refresh landed while the first token was still valid.
    expect(second?.at).toBeLessThan(first?.expiresAt ?? 0);
    await expect(page.locator('#guest-id').textContent()).resolves.toMatch(/^[0-9a-f-]{36}$/);
    const sdk = await page.evaluate(() => {
      const { sdk } = (
        window as unknown as { demo: { sdk: { state: string; tokensReceived: number } } }
      ).demo;
      return { state: sdk.state, tokensReceived: sdk.tokensReceived };
    });
    expect(sdk.state).toBe('connected');
    expect(sdk.tokensReceived).toBeGreaterThanOrEqual(2);
  });

  it('keeps the token out of localStorage, sessionStorage, IndexedDB and every cookie', async () => {
    await page.goto(`${proxy.url}/`);
    await waitForEvent('token');
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);
    const hasTokenInMemory = await page.evaluate(() =>
      Boolean(
        (window as unknown as { demo: { manager: { token?: { accessToken?: string } } } }).demo
          .manager.token?.accessToken,
      ),
    );
    expect(hasTokenInMemory).toBe(true);
  });

  it("is refused by the browser's own CORS check from an origin that is not allowed, and nothing is minted", async () => {
    const elsewhere = await serve(); // another port: another origin, not in the proxy's allowlist
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    const mintsBefore = emulator.calls.mint;

    await page.goto(`${elsewhere.url}/?endpoint=${encodeURIComponent(`${proxy.url}/guest-token`)}`);
    await waitForEvent('retry', 'NETWORK');
    expect(emulator.calls.mint).toBe(mintsBefore);
    expect(consoleErrors.some((text) => text.includes('CORS policy'))).toBe(true);
    const tokens = (await events()).filter((e) => e.type === 'token');
    expect(tokens).toEqual([]);
  });

  it('recovers when the chat SDK reports its token expired', async () => {
    await page.goto(`${proxy.url}/`);
    await waitForEvent('token', 'initial');
    await page.click('#expire-sdk');
    await waitForEvent('token', 'expired');
    await expect(
      page.evaluate(
        () => (window as unknown as { demo: { sdk: { state: string } } }).demo.sdk.state,
      ),
    ).resolves.toBe('connected');
  });

  it('serves a signed-in customer too: after the site sign-in the Guest API gets the verified name', async () => {
    await page.goto(`${proxy.url}/`);
    await waitForEvent('token', 'initial');
    await expect(page.locator('#visitor').textContent()).resolves.toBe('an anonymous guest');
    const before = (await events()).filter((e) => e.type === 'token').length;

    await page.selectOption('#site-customers', 'ada');
    await page.click('#site-sign-in');
    await page.waitForFunction(
      (count) =>
        (window as unknown as { demo: { events: DemoEvent[] } }).demo.events.filter(
          (e) => e.type === 'token',
        ).length > count,
      before,
      WAIT,
    );
    expect(emulator.received.at(-1)).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
    });
    await expect(page.locator('#visitor').textContent()).resolves.toMatch(/known customer \(ada/);
    // Neither our token nor the site's identity token was stored anywhere.
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);
  });
});
