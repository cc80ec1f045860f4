// Where Genesys Cloud lives for an environment: OAuth on login.{env} (as in Genesys's SDKs), the
// Guest API and key set on api.{env}; every URL can be overridden (settings.ts checks them).

export const GENESYS_ENVIRONMENTS = [
  'mypurecloud.com',
  'mypurecloud.ie',
  'mypurecloud.de',
  'mypurecloud.com.au',
  'mypurecloud.jp',
  'usw2.pure.cloud',
  'cac1.pure.cloud',
  'sae1.pure.cloud',
  'mxc1.pure.cloud',
  'euw2.pure.cloud',
  'euc2.pure.cloud',
  'mec1.pure.cloud',
  'aps1.pure.cloud',
  'apse1.pure.cloud',
  'apne2.pure.cloud',
  'apne3.pure.cloud',
  'use2.us-gov-pure.cloud',
] as const;

export type GenesysEnvironment = (typeof GENESYS_ENVIRONMENTS)[number];

export const DEFAULT_GUEST_API_PATH = '/api/v2/webchat/guest';
export const DEFAULT_KEYS_PATH = '/api/v2/oauth/publickey';
export const OAUTH_TOKEN_PATH = '/oauth/token';

export interface EndpointOverrides {
  loginBaseUrl?: string;
  apiBaseUrl?: string;
  guestApiPath?: string;
  keysUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface GenesysEndpoints {
  tokenUrl: string;
  guestUrl: string;
  keysUrl: string;
  /** Expected `iss` of a guest JWT. */
  issuer: string;
  /** Expected `aud` of a guest JWT. */
  audience: string;
}

/** Issuer and audience follow the API base URL, which is `https://api.{env}` unless overridden. */
export function resolveEndpoints(
  environment: GenesysEnvironment,
  overrides: EndpointOverrides = {},
): GenesysEndpoints {
  const loginBase = trimSlash(overrides.loginBaseUrl ?? `https://login.${environment}`);
  const apiBase = trimSlash(overrides.apiBaseUrl ?? `https://api.${environment}`);
  return {
    tokenUrl: `${loginBase}${OAUTH_TOKEN_PATH}`,
    guestUrl: `${apiBase}${overrides.guestApiPath ?? DEFAULT_GUEST_API_PATH}`,
    keysUrl: overrides.keysUrl ?? `${apiBase}${DEFAULT_KEYS_PATH}`,
    issuer: overrides.issuer ?? apiBase,
    audience: overrides.audience ?? apiBase,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
