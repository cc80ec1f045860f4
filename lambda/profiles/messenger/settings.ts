// The messenger profile's settings: our issuer, the redirect URIs a code may be bound to, and
// where the OIDC client secret, the service key, the signing key and the code table are. Unset
// locally: the server's own origin, a development client and key, an in-memory key and store.

import * as z from 'zod/mini';
import { intBetween, listOf, nonEmpty } from '../../platform/settings';

/**
 * Genesys's Messenger JWT lives the smaller of 15 minutes and our access token's lifetime, so
 * a shorter one makes Messenger re-authenticate more often than with other providers.
 */
export const ACCESS_TOKEN_LIFETIME = { default: 900, min: 300, max: 3600 } as const;
/** A refresh-token family's longest life, from the original sign-in: Genesys's own range. */
export const REFRESH_TOKEN_LIFETIME = { default: 86_400, min: 900, max: 7_776_000 } as const;

import { isAllowedUpstreamUrl } from '../../platform/upstream/upstream-url';

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

const kmsKeyId = () =>
  z
    .string()
    .check(
      z.regex(
        /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        'must be a KMS key id, key ARN, alias name or alias ARN',
      ),
    );

export const messengerSettings = () =>
  z.pipe(
    z.object({
      OIDC_ISSUER: z.optional(
        publicUrl('the issuer').check(
          z.refine((value) => !value.endsWith('/'), 'must not end with a slash'),
        ),
      ),
      OIDC_REDIRECT_URIS: z.optional(
        listOf(publicUrl('each redirect URI')).check(
          z.minLength(1, 'must list at least one redirect URI'),
        ),
      ),
      OIDC_CLIENT_SECRET_ID: z.optional(nonEmpty()),
      OIDC_SERVICE_KEY_SECRET_ID: z.optional(nonEmpty()),
      OIDC_SIGNING_KEY_ID: z.optional(kmsKeyId()),
      OIDC_PREVIOUS_SIGNING_KEY_ID: z.optional(kmsKeyId()),
      OIDC_NEXT_SIGNING_KEY_ID: z.optional(kmsKeyId()),
      OIDC_SERVES: z._default(z.enum(['all', 'visitors', 'genesys']), 'all'),
      OIDC_CODE_TABLE: z.optional(
        z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
      ),
      OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: z._default(
        intBetween(ACCESS_TOKEN_LIFETIME.min, ACCESS_TOKEN_LIFETIME.max),
        ACCESS_TOKEN_LIFETIME.default,
      ),
      OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: z._default(
        intBetween(REFRESH_TOKEN_LIFETIME.min, REFRESH_TOKEN_LIFETIME.max),
        REFRESH_TOKEN_LIFETIME.default,
      ),
    }),
    z.transform((env) => ({
      /** Public issuer URL, no trailing slash; unset locally (the server's own origin). */
      issuer: env.OIDC_ISSUER,
      /** Exact redirect URIs; empty locally (the server's own origin + /). */
      redirectUris: [...new Set(env.OIDC_REDIRECT_URIS ?? [])],
      /** Secrets Manager id of `{"clientId","clientSecret"}`; unset: development credentials. */
      clientSecretId: env.OIDC_CLIENT_SECRET_ID,
      /** Secrets Manager id of the service's own key (service-keys.ts); unset: a development key. */
      serviceKeySecretId: env.OIDC_SERVICE_KEY_SECRET_ID,
      /** KMS key id, ARN or alias that signs; unset: an in-memory key. */
      signingKeyId: env.OIDC_SIGNING_KEY_ID,
      /** The key that signed before a rotation, still published in the JWKS. */
      previousSigningKeyId: env.OIDC_PREVIOUS_SIGNING_KEY_ID,
      /** The key that signs after the next rotation, published ahead of it. */
      nextSigningKeyId: env.OIDC_NEXT_SIGNING_KEY_ID,
      /**
       * Which routes this function serves in the stack: the visitors' (code requests,
       * /authorize) or Genesys's (token, userinfo, discovery, logout); locally all. It decides
       * what init warms: a visitors' function never signs.
       */
      serves: env.OIDC_SERVES,
      /** DynamoDB table of codes; unset: an in-memory store. */
      codeTable: env.OIDC_CODE_TABLE,
      /** How long an access token (and so Genesys's Messenger JWT) lives. */
      accessTokenLifetimeSeconds: env.OIDC_ACCESS_TOKEN_LIFETIME_SECONDS,
      /** How long a refresh-token family lives at most, from the original sign-in. */
      refreshTokenLifetimeSeconds: env.OIDC_REFRESH_TOKEN_LIFETIME_SECONDS,
    })),
  );

export type MessengerSettings = z.output<ReturnType<typeof messengerSettings>>;

/** What Lambda cannot run without (locally, each has a development stand-in). */
export const MESSENGER_REQUIRED_IN_LAMBDA = [
  'OIDC_ISSUER',
  'OIDC_REDIRECT_URIS',
  'OIDC_CLIENT_SECRET_ID',
  'OIDC_SERVICE_KEY_SECRET_ID',
  'OIDC_SIGNING_KEY_ID',
  'OIDC_CODE_TABLE',
] as const;
