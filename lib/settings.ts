// CDK context, checked before anything is built: the handler's settings by the very parser the
// function runs at cold start (lambda/config.ts), named by context key; infrastructure here.

import * as z from 'zod/mini';
import { loadConfig, type Profile } from '../lambda/config';
import { ConfigError } from '../lambda/platform/errors';
import '../lambda/platform/zod-messages';

/** Context key → the handler's environment variable. */
export const HANDLER_CONTEXT_KEYS = {
  genesysProfile: 'GENESYS_PROFILE',
  oidcIssuer: 'OIDC_ISSUER',
  oidcRedirectUris: 'OIDC_REDIRECT_URIS',
  oidcAccessTokenLifetimeSeconds: 'OIDC_ACCESS_TOKEN_LIFETIME_SECONDS',
  oidcRefreshTokenLifetimeSeconds: 'OIDC_REFRESH_TOKEN_LIFETIME_SECONDS',
  allowedOrigins: 'ALLOWED_ORIGINS',
  genesysEnvironment: 'GENESYS_ENVIRONMENT',
  genesysLoginBaseUrl: 'GENESYS_LOGIN_BASE_URL',
  genesysApiBaseUrl: 'GENESYS_API_BASE_URL',
  genesysGuestApiPath: 'GENESYS_GUEST_API_PATH',
  guestJwtKeysUrl: 'GUEST_JWT_KEYS_URL',
  guestJwtIssuer: 'GUEST_JWT_ISSUER',
  guestJwtAudience: 'GUEST_JWT_AUDIENCE',
  rateLimitPerMinute: 'RATE_LIMIT_PER_MINUTE',
  botUserAgentPatterns: 'BOT_USER_AGENT_PATTERNS',
  piiDropAttributes: 'PII_DROP_ATTRIBUTES',
  siteIdentityIssuers: 'SITE_IDENTITY_ISSUERS',
  siteIdentityRequired: 'SITE_IDENTITY_REQUIRED',
  logLevel: 'LOG_LEVEL',
} as const;

/**
 * Context keys of settings that were removed: still read, so that a deployment setting one
 * fails the synth with the handler's own explanation (lambda/config.ts, REMOVED_VARIABLES).
 */
const REMOVED_CONTEXT_KEYS = { tokenDelivery: 'TOKEN_DELIVERY' } as const;

/** CloudWatch Logs retention periods, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

// Context from cdk.json arrives typed; from `-c key=value` it is always a string.
const int = (min: number, max: number) =>
  z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^\d+$/, 'must be a whole number'))]),
    z.pipe(
      z.transform((value: number | string) => Number(value)),
      z.int().check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`)),
    ),
  );

const bool = z.pipe(
  z.union([z.boolean(), z.enum(['true', 'false'])]),
  z.transform((value: boolean | 'true' | 'false') => value === true || value === 'true'),
);

/** A JSON context value arrives as text from `-c key=…` and parsed from cdk.json. */
function parseJsonText(value: unknown, ctx: { issues: unknown[] }): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.issues.push({ code: 'custom', message: 'must be JSON', input: value });
    return z.NEVER;
  }
}

/**
 * Warm containers by time of day: Application Auto Scaling scheduled actions on the alias,
 * e.g. business hours → 4, nights and weekends → 0 (cron in AWS's six-field syntax).
 */
const scheduleSchema = z.strictObject({
  timeZone: z.string().check(
    z.refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/London'),
  ),
  rules: z
    .array(
      z.strictObject({
        cron: z
          .string()
          .check(
            z.regex(
              /^\S+ \S+ \S+ \S+ \S+ \S+$/,
              'must be an AWS cron expression of six fields, e.g. "0 8 ? * MON-FRI *"',
            ),
          ),
        concurrency: z.int().check(z.gte(0), z.lte(10_000)),
      }),
    )
    .check(z.minLength(1), z.maxLength(20)),
});

const infraSchema = z.object({
  existingSecretArn: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/,
          'must be the complete ARN of a Secrets Manager secret (ending in its 6-character suffix)',
        ),
      ),
  ),
  secretKmsKeyArn: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/,
          'must be the ARN of a KMS key',
        ),
      ),
  ),
  apiThrottleRateLimit: z._default(int(1, 10_000), 50),
  apiThrottleBurstLimit: z._default(int(1, 5_000), 100),
  wafRateLimit: z._default(int(10, 2_000_000_000), 300),
  wafRateWindowSeconds: z._default(
    z.pipe(
      int(60, 600),
      z
        .number()
        .check(z.refine((v) => [60, 120, 300, 600].includes(v), 'must be 60, 120, 300 or 600')),
    ),
    300,
  ),
  wafBlockAnonymousIps: z._default(bool, false),
  wafBlockedAlarmThreshold: z._default(int(1, 1_000_000), 500),
  /** Messenger: the per-IP limit on /oauth/token and /userinfo, which Genesys calls for every visitor. */
  wafServerRateLimit: z._default(int(100, 2_000_000_000), 100_000),
  /** Messenger: bump to rotate the signing key; the previous generation stays in the JWKS. */
  oidcSigningKeyGeneration: z._default(int(1, 1_000), 1),
  /**
   * Messenger, a key rotation's first step: create the next generation and publish it in the JWKS
   * ahead of signing with it, so no verifier's cached key set lacks it when it starts to sign.
   */
  oidcPublishNextSigningKey: z._default(bool, false),
  alarmEmail: z.optional(z.email('must be an email address')),
  /** The visitors' function's reserved concurrency: what a flood of visitors can take at most. */
  reservedConcurrency: z._default(int(1, 10_000), 50),
  /** Messenger: Genesys's function's own reserved concurrency, which visitors cannot take. */
  genesysReservedConcurrency: z._default(int(1, 10_000), 10),
  provisionedConcurrency: z.optional(int(1, 10_000)),
  /** scheduleSchema, from JSON text (`-c key=…`) or an object (cdk.json). */
  provisionedConcurrencySchedule: z.optional(
    z.pipe(
      z.union([z.string(), z.record(z.string(), z.unknown())]),
      z.pipe(
        z.transform((value: string | Record<string, unknown>, ctx) => parseJsonText(value, ctx)),
        scheduleSchema,
      ),
    ),
  ),
  memorySize: z._default(int(128, 3008), 512),
  logRetentionDays: z._default(
    z.pipe(
      int(1, 3653),
      z
        .number()
        .check(
          z.refine(
            (v) => RETENTION_DAYS.includes(v),
            `must be one of ${RETENTION_DAYS.join(', ')}`,
          ),
        ),
    ),
    30,
  ),
});

export type InfraSettings = z.infer<typeof infraSchema>;

/** Every CDK context key the app reads: the handler's, the infrastructure's, and the stack name. */
export const CONTEXT_KEYS: readonly string[] = [
  ...Object.keys(HANDLER_CONTEXT_KEYS),
  ...Object.keys(infraSchema.shape),
  'stackName',
];

export interface StackSettings extends InfraSettings {
  /** The function's environment, minus what the stack adds (secret ids, key, table, issuer). */
  handlerEnvironment: Record<string, string>;
  profile: Profile;
  /** Messenger: a custom domain's issuer URL; unset, the stage URL is the issuer. */
  oidcIssuer: string | undefined;
  /** The origins, for the API's own CORS-free setup and the README's output. */
  allowedOrigins: readonly string[];
  /** Known customers: trusted issuers are configured. */
  knownCustomers: boolean;
  /** Some trusted issuer uses pairwise subjects: the stack generates their key. */
  pairwiseSubjects: boolean;
}

/** The allowedOrigins in cdk.json: a placeholder to be replaced before any deploy. */
export const PLACEHOLDER_ORIGIN = 'https://www.example.com';
/** Context that lets a synth keep the placeholder (tests, docs, `npm run synth`); never a deploy. */
export const ALLOW_PLACEHOLDER_KEY = 'allowPlaceholderOrigins';

/**
 * Checks the whole context before the settings are read: a key shaped like ours (camelCase) that
 * is none of ours is a typo that would silently leave a default in place, and a deployment must
 * name its own origins. Throws SettingsError naming the key and what to do.
 */
export function checkContext(all: Record<string, unknown>): void {
  const known = [...CONTEXT_KEYS, ALLOW_PLACEHOLDER_KEY];
  const problems = Object.keys(all)
    .filter((key) => /^[a-z][A-Za-z0-9]*$/.test(key) && !known.includes(key))
    .map((key) => `${key}: is not a setting; did you mean ${nearest(key, known)}?`);
  const origins = all.allowedOrigins;
  const listed = Array.isArray(origins) ? origins.map(String) : String(origins ?? '').split(',');
  const allowPlaceholder = String(all[ALLOW_PLACEHOLDER_KEY]) === 'true';
  if (listed.map((origin) => origin.trim()).includes(PLACEHOLDER_ORIGIN) && !allowPlaceholder)
    problems.push(
      `allowedOrigins: is still the placeholder ${PLACEHOLDER_ORIGIN} from cdk.json; name your ` +
        `site's origins: -c allowedOrigins=https://www.your-site.com (npm run synth keeps the placeholder)`,
    );
  if (problems.length > 0) throw new SettingsError(`Invalid CDK context: ${problems.join('; ')}`);
}

/** The known name fewest single-character edits away. */
function nearest(key: string, known: readonly string[]): string {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(
          (row[j] ?? 0) + 1,
          (next[j - 1] ?? 0) + 1,
          (row[j - 1] ?? 0) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
        );
      row = next;
    }
    return row[b.length] ?? Number.POSITIVE_INFINITY;
  };
  return [...known].sort((a, b) => distance(key, a) - distance(key, b))[0] ?? '';
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Reads and checks every setting; throws SettingsError naming each bad context key. */
export function readSettings(
  context: (key: string) => unknown,
  /** What the settings are called in an error: CDK context, or a construct's props. */
  source = 'CDK context',
): StackSettings {
  const problems: string[] = [];

  const handlerEnvironment: Record<string, string> = {};
  for (const [key, variable] of Object.entries({
    ...HANDLER_CONTEXT_KEYS,
    ...REMOVED_CONTEXT_KEYS,
  })) {
    const value = context(key);
    if (value === undefined || value === null || value === '') continue;
    // A list of strings is comma-separated (as `-c key=a,b` gives it); anything else is JSON.
    handlerEnvironment[variable] =
      typeof value !== 'object'
        ? String(value)
        : Array.isArray(value) && value.every((item) => typeof item === 'string')
          ? value.join(',')
          : JSON.stringify(value);
  }
  let allowedOrigins: readonly string[] = [];
  let profile: Profile = 'guest-api';
  let oidcIssuer: string | undefined;
  let knownCustomers = false;
  let pairwiseSubjects = false;
  try {
    // The secret id is the stack's own; a stand-in lets the rest be checked.
    const config = loadConfig({ ...handlerEnvironment, GENESYS_CREDENTIALS_SECRET_ID: 'stack' });
    allowedOrigins = config.visitor.allowedOrigins;
    handlerEnvironment.ALLOWED_ORIGINS = allowedOrigins.join(',');
    profile = config.profile;
    const messenger = config.profile === 'messenger' ? config.messenger : undefined;
    oidcIssuer = messenger?.issuer;
    const { issuers } = config.identity;
    knownCustomers = issuers.length > 0;
    pairwiseSubjects = issuers.some((issuer) => issuer.subject === 'pairwise');
    if (issuers.some((i) => !i.issuer.startsWith('https:') || i.jwksUri?.startsWith('http:')))
      problems.push('siteIdentityIssuers: issuers and JWKS URIs must be https in a deployed stack');
    // Messenger's redirect URI is a page of the site; unset, each allowed origin's root.
    if (messenger && messenger.redirectUris.length === 0)
      handlerEnvironment.OIDC_REDIRECT_URIS = allowedOrigins
        .map((origin) => `${origin}/`)
        .join(',');
    if (messenger?.redirectUris.some((uri) => !uri.startsWith('https:')))
      problems.push('oidcRedirectUris: must be https URIs in a deployed stack');
    const messengerOnly = Object.entries(HANDLER_CONTEXT_KEYS)
      .filter(([key, variable]) => key.startsWith('oidc') && handlerEnvironment[variable])
      .map(([key]) => key);
    if (profile !== 'messenger' && messengerOnly.length > 0)
      problems.push(`${messengerOnly.join(', ')}: only apply with genesysProfile=messenger`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map(renameVariable));
  }

  const infra = infraSchema.safeParse(
    Object.fromEntries(Object.keys(infraSchema.shape).map((key) => [key, context(key)])),
  );
  if (!infra.success)
    problems.push(
      ...infra.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  if (infra.success && infra.data.secretKmsKeyArn && !infra.data.existingSecretArn)
    problems.push('secretKmsKeyArn: only applies with existingSecretArn');

  if (
    infra.success &&
    infra.data.provisionedConcurrency !== undefined &&
    infra.data.reservedConcurrency !== undefined &&
    infra.data.provisionedConcurrency > infra.data.reservedConcurrency
  )
    problems.push('provisionedConcurrency: must not exceed reservedConcurrency');
  const schedule = infra.success ? infra.data.provisionedConcurrencySchedule : undefined;
  if (schedule && infra.data?.provisionedConcurrency !== undefined)
    problems.push(
      'provisionedConcurrencySchedule: replaces provisionedConcurrency; set one of the two',
    );
  const reserved = infra.success ? infra.data.reservedConcurrency : undefined;
  if (schedule && reserved !== undefined && schedule.rules.some((r) => r.concurrency > reserved))
    problems.push('provisionedConcurrencySchedule: a rule asks for more than reservedConcurrency');
  if (problems.length > 0 || !infra.success)
    throw new SettingsError(`Invalid ${source}: ${problems.join('; ')}`);
  return {
    ...infra.data,
    handlerEnvironment,
    allowedOrigins,
    profile,
    oidcIssuer,
    knownCustomers,
    pairwiseSubjects,
  };
}

const CONTEXT_KEY_OF = new Map<string, string>(
  Object.entries({ ...HANDLER_CONTEXT_KEYS, ...REMOVED_CONTEXT_KEYS }).map(([key, variable]) => [
    variable,
    key,
  ]),
);

/** loadConfig names environment variables; the operator set context keys. */
function renameVariable(problem: string): string {
  return problem.replace(/^[A-Z_]+/, (variable) => CONTEXT_KEY_OF.get(variable) ?? variable);
}
