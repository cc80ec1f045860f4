// Acceptance for the messenger profile in a real browser: `GENESYS_PROFILE=messenger npm start`'s
// stack, the demo page's messenger mode in Debian's Chromium. Our AuthProvider plugin gets a code
// from /guest-token, the emulator plays Genesys (redeems it at our token endpoint, verifies the
// id_token) and answers a Genesys JWT; the page shows the guest's sub. No code, verifier or token
// may sit in our origin's localStorage, sessionStorage or cookies. Skipped, saying why, where
// no Chromium is installed (.ci/run installs it).

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH, DESKTOP_USER_AGENT } from '../../dev/browser';
import { type LocalStack, startLocal } from '../../dev/server';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';
import { NOTHING_STORED, pageStorage } from '../fixtures/page-storage';

const WAIT = { timeout: 20_000 };
const available = existsSync(CHROMIUM_PATH);
const title = available
  ? 'messenger mode in Chromium'
  : `messenger mode in Chromium (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (!available) console.warn(title);

interface DemoEvent {
  type: string;
  detail?: string;
}

(available ? describe : describe.skip)(title, () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let logs: LogCapture;

  beforeAll(async () => {
    logs = captureLogs();
    stack = await startLocal({ GENESYS_PROFILE: 'messenger', PORT: '0', HOST: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    logs.restore();
  });
  beforeEach(async () => {
    page = await (await browser.newContext({ userAgent: DESKTOP_USER_AGENT })).newPage();
  });
  afterEach(() => page.context().close());

  const open = async (extra = '') => {
    const genesys = encodeURIComponent(stack.emulator?.baseUrl ?? '');
    await page.goto(`${stack.url}/?mode=messenger&genesys=${genesys}${extra}`);
    await page.waitForFunction(
      () =>
        (window as unknown as { demo?: { events: DemoEvent[] } }).demo?.events.some(
          (e) => e.type === 'session' || e.type === 'error',
        ),
      undefined,
      WAIT,
    );
  };

  it('gets a code through the AuthProvider plugin, has Genesys redeem it, and shows the guest', async () => {
    stack.emulator?.resetCounters();
    await open();
    const shown = await page.locator('#sub').textContent();
    const session = await page.evaluate(
      () =>
        (window as unknown as { demo: { messenger: { session?: { sub: string } } } }).demo.messenger
          .session,
    );
    expect(session?.sub).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
    expect(shown).toBe(session?.sub);
    expect(await page.locator('#state').textContent()).toBe('authenticated conversation ready');
    expect(stack.emulator?.messengerCalls.exchange).toBe(1);
  });

  it('keeps no code, verifier or token in our origin’s storage or cookies', async () => {
    await open();
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);
  });

  it('keeps one guest for the life of the page: three more codes, the same sub; another page, another guest', async () => {
    await open();
    const first = await page.locator('#sub').textContent();
    expect(first).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
    const sessions = () =>
      page.evaluate(
        () =>
          (window as unknown as { demo: { events: DemoEvent[] } }).demo.events.filter(
            (e) => e.type === 'session',
          ).length,
      );
    for (let i = 0; i < 3; i++) {
      const before = await sessions();
      await page.click('#sign-in-again');
      await page.waitForFunction(
        (count) =>
          (window as unknown as { demo: { events: DemoEvent[] } }).demo.events.filter(
            (e) => e.type === 'session',
          ).length > count,
        before,
        WAIT,
      );
      expect(await page.locator('#sub').textContent()).toBe(first);
    }
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);

    const other = await (await browser.newContext({ userAgent: DESKTOP_USER_AGENT })).newPage();
    const previous = page;
    page = other;
    try {
      await open();
      expect(await page.locator('#sub').textContent()).not.toBe(first);
    } finally {
      await other.context().close();
      page = previous;
    }
  });

  it('signs a demo customer in at the site: Messenger signs out and in again, and Genesys knows the verified customer', async () => {
    await open();
    const guestSub = await page.locator('#sub').textContent();
    const guestConversation = await page.locator('#conversation').textContent();
    expect(await page.locator('#name').textContent()).toBe('Demo Visitor');

    await page.selectOption('#site-customers', 'ada');
    await page.click('#site-sign-in');
    await page.waitForFunction(
      () => document.getElementById('name')?.textContent === 'Ada Lovelace',
      undefined,
      WAIT,
    );
    const customerSub = await page.locator('#sub').textContent();
    expect(customerSub).toMatch(/^[A-Za-z0-9_-]{43}$/); // pairwise, not a guest's random id
    expect(customerSub).not.toBe(guestSub);
    // Without session upgrade, the customer is in a new conversation.
    expect(await page.locator('#conversation').textContent()).not.toBe(guestConversation);

    // Signing out at the site ends the customer's conversation: a new anonymous guest.
    await page.click('#site-sign-out');
    await page.waitForFunction(
      () => document.getElementById('name')?.textContent === 'Demo Visitor',
      undefined,
      WAIT,
    );
    expect(await page.locator('#sub').textContent()).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);
  });

  it('with session upgrade, a guest who signs in at the site goes on in the same conversation as the customer', async () => {
    await open('&sessionUpgrade=1');
    const guestSub = await page.locator('#sub').textContent();
    const conversation = await page.locator('#conversation').textContent();
    expect(conversation).toMatch(/^[0-9a-f-]{36}$/);

    await page.selectOption('#site-customers', 'ada');
    await page.click('#site-sign-in');
    await page.waitForFunction(
      () => document.getElementById('name')?.textContent === 'Ada Lovelace',
      undefined,
      WAIT,
    );
    expect(await page.locator('#conversation').textContent()).toBe(conversation);
    expect(await page.locator('#sub').textContent()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#sub').textContent()).not.toBe(guestSub);

    // Signing out ends it: a new, anonymous conversation.
    await page.click('#site-sign-out');
    await page.waitForFunction(
      () => document.getElementById('name')?.textContent === 'Demo Visitor',
      undefined,
      WAIT,
    );
    expect(await page.locator('#conversation').textContent()).not.toBe(conversation);
    expect(await pageStorage(page)).toEqual(NOTHING_STORED);
  });

  it('closes a customer’s session on another device when the customer signs in again', async () => {
    const signInAsAda = async () => {
      await page.selectOption('#site-customers', 'ada');
      await page.click('#site-sign-in');
      await page.waitForFunction(
        () => document.getElementById('name')?.textContent === 'Ada Lovelace',
        undefined,
        WAIT,
      );
    };
    const stillOpen = (on: Page) =>
      on.evaluate(() =>
        (
          window as unknown as { demo: { messenger: { sessionStillOpen(): Promise<boolean> } } }
        ).demo.messenger.sessionStillOpen(),
      );
    await open('&sessionUpgrade=1');
    await signInAsAda();
    expect(await stillOpen(page)).toBe(true);

    const laptop = page;
    const phone = await (await browser.newContext({ userAgent: DESKTOP_USER_AGENT })).newPage();
    page = phone;
    try {
      await open('&sessionUpgrade=1');
      await signInAsAda();
      expect(await stillOpen(phone)).toBe(true);
      expect(await stillOpen(laptop)).toBe(false);
    } finally {
      await phone.context().close();
      page = laptop;
    }
  });
});
