// The guest-api profile's settings: which Genesys Cloud region, any URL overridden (a gateway,
// the local emulator), and the Secrets Manager id of the OAuth client.

import * as z from 'zod/mini';
import { nonEmpty, upstreamUrl } from '../../platform/settings';
import { GENESYS_ENVIRONMENTS, resolveEndpoints } from './endpoints';

export const guestApiSettings = () =>
  z.pipe(
    z.object({
      GENESYS_ENVIRONMENT: z._default(z.enum(GENESYS_ENVIRONMENTS), 'mypurecloud.com'),
      GENESYS_LOGIN_BASE_URL: z.optional(upstreamUrl()),
      GENESYS_API_BASE_URL: z.optional(upstreamUrl()),
      GENESYS_GUEST_API_PATH: z.optional(
        z.string().check(z.regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be a path starting with /')),
      ),
      GUEST_JWT_KEYS_URL: z.optional(upstreamUrl()),
      GUEST_JWT_ISSUER: z.optional(nonEmpty()),
      GUEST_JWT_AUDIENCE: z.optional(nonEmpty()),
      GENESYS_CREDENTIALS_SECRET_ID: z.optional(nonEmpty()),
    }),
    z.transform((env) => ({
      environment: env.GENESYS_ENVIRONMENT,
      endpoints: resolveEndpoints(env.GENESYS_ENVIRONMENT, {
        loginBaseUrl: env.GENESYS_LOGIN_BASE_URL,
        apiBaseUrl: env.GENESYS_API_BASE_URL,
        guestApiPath: env.GENESYS_GUEST_API_PATH,
        keysUrl: env.GUEST_JWT_KEYS_URL,
        issuer: env.GUEST_JWT_ISSUER,
        audience: env.GUEST_JWT_AUDIENCE,
      }),
      /** Secrets Manager id or ARN of `{"clientId","clientSecret"}`; required in Lambda. */
      credentialsSecretId: env.GENESYS_CREDENTIALS_SECRET_ID,
    })),
  );

export type GuestApiSettings = z.output<ReturnType<typeof guestApiSettings>>;

/** What Lambda cannot run without (locally, the emulator's development client stands in). */
export const GUEST_API_REQUIRED_IN_LAMBDA = ['GENESYS_CREDENTIALS_SECRET_ID'] as const;
