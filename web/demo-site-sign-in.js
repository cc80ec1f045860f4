// @ts-check
// The demo pages' stand-in for a website's own sign-in: it asks the local stack which site IdP
// it trusts (/dev-config.json, served by `npm start` only), signs a demo customer in there and
// keeps the id_token in this module's memory, as a site's login library would. A real page
// gets the token from its login library instead (docs/web.md shows Auth0, oidc-client-ts and
// Amplify).

/**
 * @typedef {object} SiteSignIn
 * @property {() => Promise<string | undefined>} identityToken The signed-in customer's id_token.
 * @property {() => string | undefined} customer Who is signed in.
 */

/**
 * Renders the sign-in controls into `container` and calls `onChange` after each sign-in or
 * sign-out. Without a site IdP (not `npm start`), it says so and stays signed out.
 * @param {HTMLElement} container
 * @param {() => void} onChange
 * @returns {Promise<SiteSignIn>}
 */
export async function mountSiteSignIn(container, onChange) {
  /** @type {{ token: string, customer: string } | undefined} */
  let current;
  /** @type {{ siteIdp?: { signIn: string, customers: string[] } }} */
  const config = await fetch('/dev-config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  const idp = config.siteIdp;
  const status = document.createElement('span');
  status.id = 'site-customer';
  container.replaceChildren(status);
  const show = () => {
    status.textContent = current
      ? `signed in at the site as ${current.customer} (a known customer)`
      : 'signed out (an anonymous guest)';
  };
  show();
  if (!idp) {
    status.textContent = 'no site sign-in here (start the page with npm start)';
    return { identityToken: async () => undefined, customer: () => undefined };
  }

  const select = document.createElement('select');
  select.id = 'site-customers';
  for (const name of idp.customers) select.append(new Option(name, name));
  const signIn = document.createElement('button');
  signIn.id = 'site-sign-in';
  signIn.type = 'button';
  signIn.textContent = 'Sign in at the site';
  const signOut = document.createElement('button');
  signOut.id = 'site-sign-out';
  signOut.type = 'button';
  signOut.textContent = 'Sign out';
  container.append(' ', select, ' ', signIn, ' ', signOut);

  signIn.addEventListener('click', async () => {
    const response = await fetch(idp.signIn, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer: select.value }),
    });
    const body = await response.json();
    if (!response.ok) return;
    current = { token: body.id_token, customer: select.value };
    show();
    onChange();
  });
  signOut.addEventListener('click', () => {
    current = undefined;
    show();
    onChange();
  });
  return { identityToken: async () => current?.token, customer: () => current?.customer };
}
