// Step 0, once per container: environment variables → zod → a frozen Config. A bad or missing
// value throws a ConfigError naming the variable, so the function fails at cold start rather
// than on some later request.

import * as z from 'zod/mini';
import { ConfigError } from './platform/errors';
import { isAllowedUpstreamUrl } from './platform/upstream/upstream-url';
import {
  GENESYS_ENVIRONMENTS,
  type GenesysEndpoints,
  type GenesysEnvironment,
  resolveEndpoints,
} from './profiles/guest-api/endpoints';
import { ATTRIBUTE_KEY } from './steps/validate-request';
import './platform/zod-messages';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
/** What follows steps ①–⑤: the design guide's Guest API, or our own OpenID provider. */
export type Profile = 'guest-api' | 'messenger';
export const PROFILES: readonly Profile[] = ['guest-api', 'messenger'];

/** The messenger profile's settings (docs/deploy.md, "The handler's environment"). */
export interface OidcConfig {
  /** Public issuer URL, no trailing slash; unset locally (the server's own origin). */
  readonly issuer: string | undefined;
  /** Exact redirect URIs; empty locally (the server's own origin + /). */
  readonly redirectUris: readonly string[];
  /** Secrets Manager id of `{"clientId","clientSecret"}`; unset: development credentials. */
  readonly clientSecretId: string | undefined;
  /** KMS key id, ARN or alias that signs; unset: an in-memory key. */
  readonly signingKeyId: string | undefined;
  /** The key that signed before a rotation, still published in the JWKS. */
  readonly previousSigningKeyId: string | undefined;
  /** DynamoDB table of codes; unset: an in-memory store. */
  readonly codeTable: string | undefined;
}

/** Algorithms a site's identity token may use; `none` and every HS* are never accepted. */
export const IDENTITY_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type IdentityAlgorithm = (typeof IDENTITY_ALGORITHMS)[number];
export const DEFAULT_IDENTITY_ALGORITHMS: readonly IdentityAlgorithm[] = [
  'RS256',
  'PS256',
  'ES256',
  'EdDSA',
];

/** One site sign-in this service trusts (SITE_IDENTITY_ISSUERS, one entry). */
export interface IdentityIssuer {
  /** Compared with the token's `iss` exactly. */
  readonly issuer: string;
  /** The token's `aud` must hold one of these. */
  readonly audience: readonly string[];
  /** Unset: the `jwks_uri` of the issuer's discovery document. */
  readonly jwksUri: string | undefined;
  readonly algorithms: readonly IdentityAlgorithm[];
  /** `iat` (or `auth_time`) no older than this. */
  readonly maxAgeSeconds: number;
  /** `pairwise`: a keyed hash of issuer and `sub`; `site`: the site's `sub` unchanged. */
  readonly subject: 'pairwise' | 'site';
  /** The claim that must be true for `email` to be used. */
  readonly emailVerifiedClaim: string;
}

/** Known customers: the site's own sign-in, verified, becomes the identity Genesys sees. */
export interface IdentityConfig {
  /** Empty: no identity tokens are taken (a sent one is a 400). */
  readonly issuers: readonly IdentityIssuer[];
  /** Refuse requests without an identity token (401 IDENTITY_REQUIRED). */
  readonly required: boolean;
  /** Secrets Manager id of the pairwise-subject key; unset locally (a development key). */
  readonly subjectKeySecretId: string | undefined;
}

export interface Config {
  readonly profile: Profile;
  readonly oidc: OidcConfig;
  readonly identity: IdentityConfig;
  readonly environment: GenesysEnvironment;
  readonly endpoints: Readonly<GenesysEndpoints>;
  /** Secrets Manager id or ARN of `{"clientId","clientSecret"}`; required in Lambda. */
  readonly credentialsSecretId: string | undefined;
  /** Exact origins (scheme://host[:port]) allowed to request tokens. */
  readonly allowedOrigins: readonly string[];
  /** Per client IP, per container; WAF is the fleet-wide limiter. */
  readonly rateLimitPerMinute: number;
  /** Case-insensitive substrings of User-Agent values that are refused. */
  readonly botUserAgentPatterns: readonly string[];
  readonly logLevel: LogLevel;
  /** customAttributes keys dropped whole, rather than masked, when a value holds PII. */
  readonly piiDropAttributes: readonly string[];
  /** Key for the keyed hash of client IPs in audit events; random per container when unset. */
  readonly auditIpHashKey: string | undefined;
}

/** Headless browsers, command-line HTTP clients, scripting libraries and common crawlers. */
export const DEFAULT_BOT_USER_AGENT_PATTERNS: readonly string[] = [
  'headlesschrome',
  'phantomjs',
  'puppeteer',
  'playwright',
  'selenium',
  'curl/',
  'wget/',
  'httpie/',
  'python-requests',
  'python-urllib',
  'aiohttp',
  'go-http-client',
  'java/',
  'okhttp',
  'libwww-perl',
  'scrapy',
  'googlebot',
  'bingbot',
  'yandexbot',
  'baiduspider',
  'duckduckbot',
  'ahrefsbot',
  'semrushbot',
  'mj12bot',
  'petalbot',
  'bytespider',
  'gptbot',
  'ccbot',
  'crawler',
  'spider',
];

const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

const upstreamUrl = z
  .string()
  .check(z.refine(isAllowedUpstreamUrl, 'must be an https URL (http only for a loopback host)'));

const exactOrigin = z.string().check(
  z.refine((value) => value !== '*', '"*" is not allowed; list exact origins'),
  z.refine((value) => {
    if (value === '*') return true; // reported by the rule above
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'each entry must be an exact origin such as https://www.example.com (no path or trailing slash)'),
);

const positiveInt = z.pipe(
  z.string().check(z.regex(/^\d{1,9}$/, 'must be a whole number')),
  z.pipe(
    z.transform((value: string) => Number(value)),
    z.number().check(z.positive('must be at least 1')),
  ),
);

/** The same key rule as the request schema's customAttributes. */
const attributeKey = z
  .string()
  .check(z.regex(ATTRIBUTE_KEY, 'each entry must be a customAttributes key'));

/**
 * The messenger profile's variables, built and parsed only for that profile: zod schemas cost
 * milliseconds to build, and the guest-api profile's cold start should not pay for them.
 */
const oidcSchema = lazy(() => {
  /** https, or http on a loopback host; no credentials, query or fragment. */
  const publicUrl = (what: string) =>
    z
      .string()
      .check(
        z.refine(
          (value) => isAllowedUpstreamUrl(value) && !/[?#]/.test(value),
          `${what} must be an https URL (http only for a loopback host) without query or fragment`,
        ),
      );
  const kmsKeyId = z
    .string()
    .check(
      z.regex(
        /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        'must be a KMS key id, key ARN, alias name or alias ARN',
      ),
    );
  return z.object({
    OIDC_ISSUER: z.optional(
      publicUrl('the issuer').check(
        z.refine((value) => !value.endsWith('/'), 'must not end with a slash'),
      ),
    ),
    OIDC_REDIRECT_URIS: z.optional(
      z.pipe(
        z.string(),
        z.pipe(
          z.transform(commaList),
          z
            .array(publicUrl('each redirect URI'))
            .check(z.minLength(1, 'must list at least one redirect URI')),
        ),
      ),
    ),
    OIDC_CLIENT_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
    OIDC_SIGNING_KEY_ID: z.optional(kmsKeyId),
    OIDC_PREVIOUS_SIGNING_KEY_ID: z.optional(kmsKeyId),
    OIDC_CODE_TABLE: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
    ),
  });
});

/**
 * SITE_IDENTITY_ISSUERS, built and parsed only where it is set: a JSON array of trusted
 * issuers. Duplicates, http JWKS URIs off loopback and symmetric or `none` algorithms are
 * configuration errors, named with the entry.
 */
const identityIssuersSchema = lazy(() => {
  const entry = z.strictObject({
    issuer: z
      .string()
      .check(
        z.refine(isAllowedUpstreamUrl, 'must be an https URL (http only for a loopback host)'),
      ),
    audience: z.union([
      z.string().check(z.minLength(1)),
      z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    ]),
    jwksUri: z.optional(
      z
        .string()
        .check(
          z.refine(isAllowedUpstreamUrl, 'must be an https URL (http only for a loopback host)'),
        ),
    ),
    algorithms: z.optional(
      z
        .array(
          z
            .string()
            .check(
              z.refine(
                (alg) => (IDENTITY_ALGORITHMS as readonly string[]).includes(alg),
                `must be asymmetric: one of ${IDENTITY_ALGORITHMS.join(', ')} (never none or HS*)`,
              ),
            ),
        )
        .check(z.minLength(1)),
    ),
    maxAgeSeconds: z.optional(z.int().check(z.gte(60), z.lte(86_400))),
    subject: z.optional(z.enum(['pairwise', 'site'])),
    emailVerifiedClaim: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_:./-]{1,128}$/))),
  });
  return z.pipe(
    z.string(),
    z.pipe(
      z.transform((text: string, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: 'must be a JSON array', input: text });
          return z.NEVER;
        }
      }),
      z.array(entry).check(
        z.check((ctx) => {
          const seen = new Set<string>();
          ctx.value.forEach(({ issuer }, index) => {
            if (seen.has(issuer))
              ctx.issues.push({
                code: 'custom',
                message: `lists ${issuer} a second time`,
                input: issuer,
                path: [index, 'issuer'],
              });
            seen.add(issuer);
          });
        }),
      ),
    ),
  );
});

const envSchema = z.object({
  GENESYS_PROFILE: z._default(z.enum(['guest-api', 'messenger']), 'guest-api'),
  GENESYS_ENVIRONMENT: z._default(z.enum(GENESYS_ENVIRONMENTS), 'mypurecloud.com'),
  GENESYS_LOGIN_BASE_URL: z.optional(upstreamUrl),
  GENESYS_API_BASE_URL: z.optional(upstreamUrl),
  GENESYS_GUEST_API_PATH: z.optional(
    z.string().check(z.regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be a path starting with /')),
  ),
  GUEST_JWT_KEYS_URL: z.optional(upstreamUrl),
  GUEST_JWT_ISSUER: z.optional(z.string().check(z.minLength(1))),
  GUEST_JWT_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
  GENESYS_CREDENTIALS_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  ALLOWED_ORIGINS: z.pipe(
    z
      .string({ error: 'is required: a comma-separated list of exact origins' })
      .check(z.minLength(1, 'is required: a comma-separated list of exact origins')),
    z.pipe(
      z.transform(commaList),
      z.array(exactOrigin).check(z.minLength(1, 'must list at least one origin')),
    ),
  ),
  RATE_LIMIT_PER_MINUTE: z._default(positiveInt, 20),
  BOT_USER_AGENT_PATTERNS: z.optional(z.pipe(z.string(), z.transform(commaList))),
  PII_DROP_ATTRIBUTES: z.optional(
    z.pipe(z.string(), z.pipe(z.transform(commaList), z.array(attributeKey))),
  ),
  SITE_IDENTITY_REQUIRED: z._default(
    z.pipe(
      z.enum(['true', 'false'], 'must be true or false'),
      z.transform((v) => v === 'true'),
    ),
    false,
  ),
  SITE_SUBJECT_KEY_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  AUDIT_IP_HASH_KEY: z.optional(
    z.string().check(z.minLength(32, 'must be at least 32 characters')),
  ),
  LOG_LEVEL: z._default(
    z.pipe(
      z.string(),
      z.pipe(
        z.transform((v: string) => v.toUpperCase()),
        z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
      ),
    ),
    'INFO',
  ),
});

const NO_OIDC: OidcConfig = Object.freeze({
  issuer: undefined,
  redirectUris: Object.freeze([]),
  clientSecretId: undefined,
  signingKeyId: undefined,
  previousSigningKeyId: undefined,
  codeTable: undefined,
});

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

/** Parses the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const messenger = env.GENESYS_PROFILE === 'messenger';
  const oidc = messenger ? oidcSchema().safeParse(env) : undefined;
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...(oidc && !oidc.success ? oidc.error.issues : []),
  ];
  const issuers =
    env.SITE_IDENTITY_ISSUERS === undefined
      ? undefined
      : z.object({ SITE_IDENTITY_ISSUERS: identityIssuersSchema() }).safeParse(env);
  if (issuers && !issuers.success) issues.push(...issuers.error.issues);
  const removed = Object.keys(REMOVED_VARIABLES).filter((variable) => env[variable] !== undefined);
  const conflicts =
    env.SITE_IDENTITY_REQUIRED === 'true' && env.SITE_IDENTITY_ISSUERS === undefined
      ? ['SITE_IDENTITY_REQUIRED: needs SITE_IDENTITY_ISSUERS (no customer could sign in)']
      : [];
  if (issues.length > 0 || removed.length > 0 || conflicts.length > 0 || !parsed.success) {
    const problems = [
      ...removed.map((variable) => `${variable}: ${REMOVED_VARIABLES[variable]}`),
      ...conflicts,
      ...issues.map((issue) => {
        const [variable, ...rest] = issue.path;
        const where = rest.length > 0 ? ` (entry ${rest.join('.')})` : '';
        return `${String(variable)}${where}: ${issue.message}`;
      }),
    ];
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, problems);
  }
  const e = parsed.data;
  const o = oidc?.success ? oidc.data : undefined;
  return Object.freeze({
    profile: e.GENESYS_PROFILE,
    oidc: o
      ? Object.freeze({
          issuer: o.OIDC_ISSUER,
          redirectUris: Object.freeze([...new Set(o.OIDC_REDIRECT_URIS ?? [])]),
          clientSecretId: o.OIDC_CLIENT_SECRET_ID,
          signingKeyId: o.OIDC_SIGNING_KEY_ID,
          previousSigningKeyId: o.OIDC_PREVIOUS_SIGNING_KEY_ID,
          codeTable: o.OIDC_CODE_TABLE,
        })
      : NO_OIDC,
    identity: Object.freeze({
      issuers: Object.freeze(
        (issuers?.success ? issuers.data.SITE_IDENTITY_ISSUERS : []).map((entry) =>
          Object.freeze({
            issuer: entry.issuer,
            audience: Object.freeze(
              typeof entry.audience === 'string' ? [entry.audience] : [...entry.audience],
            ),
            jwksUri: entry.jwksUri,
            algorithms: Object.freeze(
              (entry.algorithms as IdentityAlgorithm[] | undefined) ?? [
                ...DEFAULT_IDENTITY_ALGORITHMS,
              ],
            ),
            maxAgeSeconds: entry.maxAgeSeconds ?? 3600,
            subject: entry.subject ?? 'pairwise',
            emailVerifiedClaim: entry.emailVerifiedClaim ?? 'email_verified',
          }),
        ),
      ),
      required: e.SITE_IDENTITY_REQUIRED,
      subjectKeySecretId: e.SITE_SUBJECT_KEY_SECRET_ID,
    }),
    environment: e.GENESYS_ENVIRONMENT,
    endpoints: Object.freeze(
      resolveEndpoints(e.GENESYS_ENVIRONMENT, {
        loginBaseUrl: e.GENESYS_LOGIN_BASE_URL,
        apiBaseUrl: e.GENESYS_API_BASE_URL,
        guestApiPath: e.GENESYS_GUEST_API_PATH,
        keysUrl: e.GUEST_JWT_KEYS_URL,
        issuer: e.GUEST_JWT_ISSUER,
        audience: e.GUEST_JWT_AUDIENCE,
      }),
    ),
    credentialsSecretId: e.GENESYS_CREDENTIALS_SECRET_ID,
    allowedOrigins: Object.freeze([...new Set(e.ALLOWED_ORIGINS)]),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    botUserAgentPatterns: Object.freeze(
      (e.BOT_USER_AGENT_PATTERNS ?? DEFAULT_BOT_USER_AGENT_PATTERNS).map((p) => p.toLowerCase()),
    ),
    logLevel: e.LOG_LEVEL as LogLevel,
    piiDropAttributes: Object.freeze([...new Set(e.PII_DROP_ATTRIBUTES ?? [])]),
    auditIpHashKey: e.AUDIT_IP_HASH_KEY,
  });
}

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
