// The handler's metric names and service name, apart from Powertools: the handler emits them
// (observability.ts) and the construct library charts and alarms on them (lib/), which must not
// load Powertools at a consumer's synth.

export const SERVICE_NAME = 'genesys-guest-token-proxy';

/**
 * Every metric the handler emits, by name: the audit emits them and the stack's dashboard and
 * alarms chart them, so the two cannot drift apart. ColdStart is Powertools' own.
 */
export const METRIC = {
  requests: 'Requests',
  tokensIssued: 'TokensIssued',
  mintLatency: 'MintLatency',
  expiryRefreshes: 'ExpiryRefreshes',
  refusals: 'Refusals',
  upstreamFailures: 'UpstreamFailures',
  upstreamRetries: 'UpstreamRetries',
  circuitOpened: 'CircuitOpened',
  oauthRefreshes: 'OAuthRefreshes',
  oauthLatency: 'OAuthLatency',
  keySetRefreshes: 'KeySetRefreshes',
  identityKeySetRefreshes: 'IdentityKeySetRefreshes',
  preflights: 'Preflights',
  coldStart: 'ColdStart',
  codesIssued: 'CodesIssued',
  codesRedeemed: 'CodesRedeemed',
  oauthErrors: 'OAuthErrors',
  tokensRefreshed: 'TokensRefreshed',
  refreshTokenReuse: 'RefreshTokenReuse',
  sessionRevocations: 'SessionRevocations',
  backchannelLogouts: 'BackchannelLogouts',
  previousClientSecretUsed: 'PreviousClientSecretUsed',
  staleSecretServed: 'StaleSecretServed',
} as const;
