// @ts-check
// The demo page: a TokenManager against this server's /guest-token (or ?endpoint=…), the
// stand-in chat SDK connected through the adapter, and what happens shown as it happens.

import { createStandInChatSdk } from './chat-sdk-standin.js';
import { mountSiteSignIn } from './demo-site-sign-in.js';
import { connectChatSdk, TokenManager } from './dist/index.js';

const params = new URLSearchParams(location.search);
// ?mode=messenger is the Messenger AuthProvider demo, on its own page.
if (params.get('mode') === 'messenger') location.replace(`/messenger.html${location.search}`);
const endpoint = new URL(params.get('endpoint') ?? '/guest-token', location.href).href;

/** @type {import('./demo-site-sign-in.js').SiteSignIn | undefined} */
let site;
const manager = new TokenManager({
  endpoint,
  identityToken: async () => site?.identityToken(),
  visitor: () => ({ name: 'Demo Visitor', pageUrl: location.href }),
});
const sdk = createStandInChatSdk();
connectChatSdk(manager, sdk);

/** @type {{ type: string, at: number, reason?: string, guestId?: string, expiresAt?: number, code?: string }[]} */
const events = [];
/** @type {any} */ (window).demo = { manager, sdk, events };

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} type
 * @param {string} reason
 * @param {string} detail
 */
function log(type, reason, detail) {
  const row = document.createElement('tr');
  for (const text of [new Date().toLocaleTimeString(), type, reason, detail]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  $('log').prepend(row);
}

manager.addEventListener('refresh', (event) => {
  const { reason } = /** @type {CustomEvent} */ (event).detail;
  events.push({ type: 'refresh', at: Date.now(), reason });
  log('request', reason, '');
});
manager.addEventListener('token', (event) => {
  const token = /** @type {CustomEvent<import('./dist/index.js').GuestToken>} */ (event).detail;
  events.push({
    type: 'token',
    at: Date.now(),
    reason: token.reason,
    guestId: token.guestId,
    expiresAt: token.expiresAt,
  });
  log('token', token.reason, token.guestId);
});
manager.addEventListener('retry', (event) => {
  const { attempt, delayMs, error } = /** @type {CustomEvent} */ (event).detail;
  events.push({ type: 'retry', at: Date.now(), code: error.code });
  log(
    'retry',
    '',
    `attempt ${attempt} failed (${error.code}); next in ${Math.round(delayMs / 100) / 10} s`,
  );
});
manager.addEventListener('error', (event) => {
  const { error } = /** @type {CustomEvent} */ (event).detail;
  events.push({ type: 'error', at: Date.now(), code: error.code ?? error.message });
  $('last-error').textContent = `${error.code ?? ''} ${error.message}`.trim();
  $('last-error').className = 'bad';
  log('error', '', error.code ?? error.message);
});

$('refresh-now').addEventListener('click', () => void manager.refresh().catch(() => {}));
$('expire-sdk').addEventListener('click', () => sdk.expireNow());

function render() {
  const token = manager.token;
  $('guest-id').textContent = token?.guestId ?? '…';
  const customer = site?.customer();
  $('visitor').textContent = customer
    ? `a known customer (${customer}, verified by the site)`
    : 'an anonymous guest';
  if (token) {
    const left = Math.max(0, token.expiresAt - Date.now());
    const refreshIn = Math.max(
      0,
      token.expiresAt - manager.marginFor(token.expiresAt - token.issuedAt) - Date.now(),
    );
    $('countdown').textContent = `${(left / 1000).toFixed(0)} s`;
    $('countdown').className = left === 0 ? 'bad' : refreshIn === 0 ? 'warn' : 'ok';
    $('next-refresh').textContent = `${(refreshIn / 1000).toFixed(0)} s`;
  }
  $('sdk-state').textContent = `${sdk.state}, tokens received: ${sdk.tokensReceived}`;
}
setInterval(render, 250);
for (const type of ['refresh', 'token', 'retry', 'error']) {
  // After the adapter's own listeners and the promise callbacks that resume the SDK.
  manager.addEventListener(type, () => setTimeout(render));
}
render();

site = await mountSiteSignIn($('site'), () => {
  // A new identity: the conversation must not go on under the previous one.
  manager.identityChanged().catch(() => {}); // failures are shown through the `error` event
});
manager.start().catch(() => {}); // failures are shown through the `error` event
