// @ts-check
// The demo page's messenger mode: our Messenger AuthProvider plugin registered with a stand-in
// of Genesys Cloud Messenger, which takes a code from /guest-token, has Genesys (the emulator,
// ?genesys=…) redeem it at our token endpoint, and shows the guest Genesys now knows. With
// ?sessionUpgrade=1 a sign-in at the site upgrades the conversation in place (step-up).

import { mountSiteSignIn } from './demo-site-sign-in.js';
import { registerMessengerAuthProvider } from './dist/index.js';
import { installStandInMessenger } from './messenger-standin.js';

const params = new URLSearchParams(location.search);
const genesysApi = params.get('genesys') ?? '';
const messenger = installStandInMessenger({
  genesysApi,
  deploymentId: params.get('deploymentId') ?? 'local-deployment',
});

/** @type {{ type: string, at: number, detail?: string }[]} */
const events = [];
/** @type {any} */ (window).demo = { events, messenger };

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} type
 * @param {string} detail
 */
function log(type, detail) {
  events.push({ type, at: Date.now(), detail });
  const row = document.createElement('tr');
  for (const text of [new Date().toLocaleTimeString(), type, detail]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  $('log').prepend(row);
}

/** @type {import('./demo-site-sign-in.js').SiteSignIn | undefined} */
let site;
const sessionUpgrade = params.get('sessionUpgrade') === '1';
const registration = registerMessengerAuthProvider({
  endpoint: new URL('/guest-token', location.href).href,
  sessionUpgrade,
  visitor: () => ({ name: 'Demo Visitor' }),
  identityToken: async () => site?.identityToken(),
  onEvent: (type, detail) => {
    if (type === 'code') log('code', `issued for ${/** @type {any} */ (detail).redirectUri}`);
    else if (type === 'error') log('error', String(/** @type {any} */ (detail).error?.code ?? ''));
    else log(type, '');
  },
});

function showSession() {
  const session = messenger.session;
  if (!session) return;
  log('session', session.sub);
  $('state').textContent = 'authenticated conversation ready';
  $('state').className = 'ok';
  $('sub').textContent = session.sub;
  $('conversation').textContent = session.conversationId;
  $('name').textContent = session.name;
  $('expires').textContent = new Date(session.expiresAt).toLocaleTimeString();
}

/** @param {unknown} error */
function showError(error) {
  log('error', String(/** @type {Error} */ (error).message));
  $('state').textContent = String(/** @type {Error} */ (error).message);
  $('state').className = 'bad';
}

async function signIn() {
  $('state').textContent = 'getting a code…';
  await messenger.authenticate().then(showSession, showError);
}

$('sign-in-again').addEventListener('click', () => void signIn());
site = await mountSiteSignIn($('site'), () => {
  $('state').textContent = sessionUpgrade
    ? 'the site identity changed: upgrading the conversation…'
    : 'the site identity changed: signing Messenger out and in again…';
  registration
    .identityChanged()
    .then(() => messenger.settled())
    .then(showSession, showError);
});
$('genesys').textContent =
  genesysApi || 'not set: add ?genesys=<the emulator URL npm start printed>';
void signIn();
