// Every documented setting as a typed prop of the construct, under the name the CDK context key
// has (docs/deploy.md lists them): the handler's settings (checked by lambda/config.ts's own
// schemas) and the infrastructure's (lib/settings.ts); the type must name exactly those keys, or
// the build fails.

import type { HANDLER_CONTEXT_KEYS, InfraSettings } from './settings';

/** One trusted site sign-in (known customers); docs/deploy.md has each key's rule. */
export interface SiteIdentityIssuer {
  issuer: string;
  audience: string | string[];
  jwksUri?: string;
  algorithms?: string[];
  maxAgeSeconds?: number;
  subject?: 'pairwise' | 'site';
  emailVerifiedClaim?: string;
  backchannelLogout?: boolean;
}

/** Warm containers by time of day (Application Auto Scaling scheduled actions). */
export interface ProvisionedConcurrencySchedule {
  /** An IANA time zone, e.g. `Europe/London`. */
  timeZone: string;
  /** From each rule's AWS six-field cron on, hold that many warm containers. */
  rules: { cron: string; concurrency: number }[];
}

export interface SettingsProps {
  /** `guest-api` (the default) or `messenger`. */
  genesysProfile?: 'guest-api' | 'messenger';
  /** Exact origins of the chat pages (`https://www.example.com`); `*` is refused. */
  allowedOrigins: string[];
  /** Messenger: the issuer when something else fronts the API; prefer `customDomain`. */
  oidcIssuer?: string;
  /** Messenger: exact redirect URIs (https); default each allowed origin + `/`. */
  oidcRedirectUris?: string[];
  /** Messenger: seconds an access token lives, 300–3600 (default 900). */
  oidcAccessTokenLifetimeSeconds?: number;
  /** Messenger: seconds a refresh-token family lives from the sign-in, 900–7,776,000 (default 86,400). */
  oidcRefreshTokenLifetimeSeconds?: number;
  /** Messenger: the KMS key generation that signs (default 1); bump to rotate. */
  oidcSigningKeyGeneration?: number;
  /** Messenger: a rotation's first step, publishing the next generation before it signs. */
  oidcPublishNextSigningKey?: boolean;
  /** The Genesys Cloud domain of the org (default `mypurecloud.com`). */
  genesysEnvironment?: string;
  /** Guest-api upstream overrides (docs/deploy.md, Configuration). */
  genesysLoginBaseUrl?: string;
  genesysApiBaseUrl?: string;
  genesysGuestApiPath?: string;
  guestJwtKeysUrl?: string;
  guestJwtIssuer?: string;
  guestJwtAudience?: string;
  /** The handler's per-IP bucket per container (default 20 a minute). */
  rateLimitPerMinute?: number;
  /** Case-insensitive user-agent substrings refused as bots. */
  botUserAgentPatterns?: string[];
  /** `customAttributes` keys dropped whole when their value holds PII. */
  piiDropAttributes?: string[];
  /** Known customers: the site sign-ins to trust. */
  siteIdentityIssuers?: SiteIdentityIssuer[];
  /** Known customers only: refuse requests without an identity token. */
  siteIdentityRequired?: boolean;
  /** `DEBUG`, `INFO` (default), `WARN` or `ERROR`. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Guest-api: use this secret (complete ARN) for the Genesys client instead of creating one. */
  existingSecretArn?: string;
  /** The customer KMS key of that secret. */
  secretKmsKeyArn?: string;
  /** Stage throttling: requests per second (default 50) and burst (default 100). */
  apiThrottleRateLimit?: number;
  apiThrottleBurstLimit?: number;
  /** WAF: requests per client IP per window (default 300) and the window, 60/120/300/600 s. */
  wafRateLimit?: number;
  wafRateWindowSeconds?: number;
  /** WAF: add AWS's anonymous IP list (VPNs, Tor, hosting providers). */
  wafBlockAnonymousIps?: boolean;
  /** WAF blocks per 5 minutes that raise the alarm (default 500). */
  wafBlockedAlarmThreshold?: number;
  /** Messenger: per-IP limit on Genesys's paths per window (default 100,000). */
  wafServerRateLimit?: number;
  /** Make an SNS topic with this address subscribed to every alarm (or give `alarmTopic`). */
  alarmEmail?: string;
  /** The visitors' function's reserved concurrency (default 50). */
  reservedConcurrency?: number;
  /** Messenger: Genesys's function's reserved concurrency (default 10). */
  genesysReservedConcurrency?: number;
  /** Keep this many environments initialised (an alias `live`). */
  provisionedConcurrency?: number;
  /** Warm containers by time of day instead. */
  provisionedConcurrencySchedule?: ProvisionedConcurrencySchedule;
  /** MB (default 512); Lambda gives CPU in proportion. */
  memorySize?: number;
  /** Function and access log retention in days (default 30). */
  logRetentionDays?: number;
}

/** Every setting prop's name: the CDK context keys, less the app's own `stackName`. */
export type SettingsPropName = keyof typeof HANDLER_CONTEXT_KEYS | keyof InfraSettings;

// The interface above and the context keys must be one list: each direction checked.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameKeys: Same<keyof SettingsProps, SettingsPropName> = true;
void sameKeys;
