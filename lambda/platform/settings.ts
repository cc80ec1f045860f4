// What every concern's settings schema is built from, and the platform's own settings
// (logging, the Lambda runtime). lambda/config.ts composes the concerns and parses them once.

import * as z from 'zod/mini';
import { isAllowedUpstreamUrl } from './upstream/upstream-url';
import './zod-messages';

/** The product's CloudWatch namespace; a deployed stack publishes under it + `/` + its name. */
export const METRICS_NAMESPACE = 'GenesysGuestTokenProxy';

export const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

/** A comma-separated variable, each entry checked by `entry`. */
export const listOf = <T>(entry: z.ZodMiniType<T, string>) =>
  z.pipe(z.string(), z.pipe(z.transform(commaList), z.array(entry)));

/** The one rule for URLs we call or publish (lambda/platform/upstream/upstream-url.ts). */
export const UPSTREAM_URL_RULE = 'must be an https URL (http only for a loopback host)';
export const upstreamUrl = () =>
  z.string().check(z.refine(isAllowedUpstreamUrl, UPSTREAM_URL_RULE));

export const nonEmpty = () => z.string().check(z.minLength(1));

export const positiveInt = () =>
  z.pipe(
    z.string().check(z.regex(/^\d{1,9}$/, 'must be a whole number')),
    z.pipe(
      z.transform((value: string) => Number(value)),
      z.number().check(z.positive('must be at least 1')),
    ),
  );

/** A whole number of seconds (or any unit) within [min, max]. */
export const intBetween = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d{1,10}$/, 'must be a whole number')),
    z.pipe(
      z.transform((value: string) => Number(value)),
      z.number().check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`)),
    ),
  );

export const flag = () =>
  z.pipe(
    z.enum(['true', 'false'], 'must be true or false'),
    z.transform((value) => value === 'true'),
  );

/** Builds a schema on first use: zod schemas cost milliseconds to build at a cold start. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Logging and the audit's client-IP hash. */
export const observabilitySettings = lazy(() =>
  z.pipe(
    z.object({
      LOG_LEVEL: z._default(
        z.pipe(
          z.string(),
          z.pipe(
            z.transform((v: string) => v.toUpperCase()),
            z.enum(LOG_LEVELS),
          ),
        ),
        'INFO',
      ),
      AUDIT_IP_HASH_KEY: z.optional(
        z.string().check(z.minLength(32, 'must be at least 32 characters')),
      ),
      METRICS_NAMESPACE: z._default(
        z
          .string()
          .check(
            z.regex(
              /^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/,
              'must be a CloudWatch namespace: letters, digits and . _ / # : - (not AWS/…)',
            ),
          ),
        METRICS_NAMESPACE,
      ),
    }),
    z.transform((env) => ({
      logLevel: env.LOG_LEVEL,
      /** Where the handler's metrics go: the stack sets the product's namespace + its own name. */
      metricsNamespace: env.METRICS_NAMESPACE,
      /** Key for the keyed hash of client IPs; random per container when unset. */
      auditIpHashKey: env.AUDIT_IP_HASH_KEY,
    })),
  ),
);

/**
 * What Lambda's runtime sets: the function's name (the ColdStart metric's dimension) and,
 * with the Parameters and Secrets Extension attached, its port and the session token it wants.
 */
export const runtimeSettings = lazy(() =>
  z.pipe(
    z.object({
      AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
      AWS_SESSION_TOKEN: z.optional(z.string()),
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.optional(
        z.string().check(
          z.regex(/^\d{1,5}$/, 'must be a port number'),
          z.refine((port) => Number(port) > 0 && Number(port) <= 65_535, 'must be a port number'),
        ),
      ),
    }),
    z.transform((env) => ({
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      secretsExtension:
        env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT && env.AWS_SESSION_TOKEN
          ? {
              port: Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT),
              sessionToken: env.AWS_SESSION_TOKEN,
            }
          : undefined,
    })),
  ),
);

export type ObservabilitySettings = z.output<ReturnType<typeof observabilitySettings>>;
export type RuntimeSettings = z.output<ReturnType<typeof runtimeSettings>>;
