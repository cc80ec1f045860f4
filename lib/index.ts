// The package's public entry: the construct, its props, and the helper for apps configured from
// CDK context. Everything else under lib/ and lambda/ is internal and may change in any release.

export { propsFromContext } from './context';
export type { CustomDomain } from './guest-token-api';
export { GuestTokenProxy, type GuestTokenProxyProps } from './guest-token-proxy';
export type {
  ProvisionedConcurrencySchedule,
  SettingsProps,
  SiteIdentityIssuer,
} from './props';
export { SettingsError } from './settings';
