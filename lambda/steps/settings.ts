// The visitor steps' settings (① CORS allowlist, ③ abuse guard, ④ PII scrub), and the shape of
// the settings every profile shares; lambda/config.ts parses them once per container.

import * as z from 'zod/mini';
import {
  listOf,
  type ObservabilitySettings,
  positiveInt,
  type RuntimeSettings,
} from '../platform/settings';
import type { IdentitySettings } from './site-identity/settings';
import { ATTRIBUTE_KEY } from './validate-request';

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

const ORIGINS_REQUIRED = 'is required: a comma-separated list of exact origins';

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

export const visitorSettings = () =>
  z.pipe(
    z.object({
      ALLOWED_ORIGINS: z.pipe(
        z.string({ error: ORIGINS_REQUIRED }).check(z.minLength(1, ORIGINS_REQUIRED)),
        listOf(exactOrigin).check(z.minLength(1, 'must list at least one origin')),
      ),
      RATE_LIMIT_PER_MINUTE: z._default(positiveInt(), 20),
      BOT_USER_AGENT_PATTERNS: z.optional(listOf(z.string())),
      PII_DROP_ATTRIBUTES: z.optional(
        listOf(
          z.string().check(z.regex(ATTRIBUTE_KEY, 'each entry must be a customAttributes key')),
        ),
      ),
    }),
    z.transform((env) => ({
      /** Exact origins (scheme://host[:port]) allowed to request tokens. */
      allowedOrigins: [...new Set(env.ALLOWED_ORIGINS)],
      /** Per client IP, per container; WAF is the fleet-wide limiter. */
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      /** Case-insensitive substrings of User-Agent values that are refused. */
      botUserAgentPatterns: (env.BOT_USER_AGENT_PATTERNS ?? DEFAULT_BOT_USER_AGENT_PATTERNS).map(
        (pattern) => pattern.toLowerCase(),
      ),
      /** customAttributes keys dropped whole, rather than masked, when a value holds PII. */
      piiDropAttributes: [...new Set(env.PII_DROP_ATTRIBUTES ?? [])],
    })),
  );

export type VisitorSettings = z.output<ReturnType<typeof visitorSettings>>;

/** What every profile is configured with; each profile adds its own part. */
export interface SharedSettings {
  readonly observability: ObservabilitySettings;
  readonly runtime: RuntimeSettings;
  readonly visitor: VisitorSettings;
  readonly identity: IdentitySettings;
}
