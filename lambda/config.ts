// The one place settings are read: the environment, parsed once per container by each concern's
// zod schema (the platform's, the visitor steps', known customers', the chosen profile's) into a
// frozen Config. A bad value throws a ConfigError naming every variable at fault.

import * as z from 'zod/mini';
import { ConfigError } from './platform/errors';
import { observabilitySettings, runtimeSettings } from './platform/settings';
import {
  GUEST_API_REQUIRED_IN_LAMBDA,
  type GuestApiSettings,
  guestApiSettings,
} from './profiles/guest-api/settings';
import {
  MESSENGER_REQUIRED_IN_LAMBDA,
  type MessengerSettings,
  messengerSettings,
} from './profiles/messenger/settings';
import { type SharedSettings, visitorSettings } from './steps/settings';
import { identitySettings } from './steps/site-identity/settings';

/** What follows steps ①–⑤: the design guide's Guest API, or our own OpenID provider. */
export const PROFILES = ['guest-api', 'messenger'] as const;
export type Profile = (typeof PROFILES)[number];

export type Config = SharedSettings &
  (
    | { readonly profile: 'guest-api'; readonly guestApi: GuestApiSettings }
    | { readonly profile: 'messenger'; readonly messenger: MessengerSettings }
  );

/**
 * Settings that no longer exist. A deployment that still sets one stops at cold start (and the
 * stack at synth), told why it went and what to do, rather than silently running without it.
 */
export const REMOVED_VARIABLES: Readonly<Record<string, string>> = {
  TOKEN_DELIVERY:
    'was removed: cookie delivery put the guest token in a cookie nothing could read (the chat ' +
    'SDK needs the token in JavaScript, and the __Host- cookie was bound to this service’s own ' +
    'host). Every token is now returned in the response body, and the browser token manager keeps ' +
    'it in memory only. Drop the setting; nothing else needs to change',
};

export interface LoadOptions {
  /**
   * In Lambda every Secrets Manager id, key and table must be named; locally (unset) the dev
   * server stands in development values for them.
   */
  lambda?: boolean;
}

type Env = Record<string, string | undefined>;

const profileSettings = z.object({
  GENESYS_PROFILE: z._default(z.enum(PROFILES), 'guest-api'),
});

/** Parses the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env, { lambda = false }: LoadOptions = {}): Config {
  const problems: string[] = [];
  const parse = <T>(schema: z.ZodMiniType<T>): T => {
    const parsed = schema.safeParse(env);
    if (parsed.success) return parsed.data;
    problems.push(...parsed.error.issues.map(describe));
    return undefined as T;
  };
  for (const [variable, why] of Object.entries(REMOVED_VARIABLES))
    if (env[variable] !== undefined) problems.push(`${variable}: ${why}`);

  const profile = parse(profileSettings)?.GENESYS_PROFILE;
  const shared: SharedSettings = {
    observability: parse(observabilitySettings()),
    runtime: parse(runtimeSettings()),
    visitor: parse(visitorSettings()),
    identity: parse(identitySettings()),
  };
  const own =
    profile === 'messenger'
      ? { profile, messenger: parse(messengerSettings()) }
      : { profile: 'guest-api' as const, guestApi: parse(guestApiSettings()) };

  if (lambda && problems.length === 0) {
    const missing: string[] =
      own.profile === 'messenger'
        ? MESSENGER_REQUIRED_IN_LAMBDA.filter((name) => env[name] === undefined)
        : GUEST_API_REQUIRED_IN_LAMBDA.filter((name) => env[name] === undefined);
    const where = own.profile === 'messenger' ? ' for the messenger profile' : '';
    problems.push(...missing.map((name) => `${name}: is required in Lambda${where}`));
    const pairwise = shared.identity.issuers.some((issuer) => issuer.subject === 'pairwise');
    if (pairwise && !shared.identity.subjectKeySecretId)
      problems.push('SITE_SUBJECT_KEY_SECRET_ID: is required in Lambda for pairwise subjects');
  }
  if (problems.length > 0)
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, problems);
  return deepFreeze({ ...shared, ...own });
}

/** `VARIABLE: message`, or `VARIABLE (entry 0.issuer): message` inside a JSON setting. */
function describe(issue: z.core.$ZodIssue): string {
  const [variable, ...rest] = issue.path;
  const where = rest.length > 0 ? ` (entry ${rest.join('.')})` : '';
  return `${String(variable)}${where}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
