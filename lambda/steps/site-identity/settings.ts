// Step ⑤'s settings: the site sign-ins this service trusts (SITE_IDENTITY_ISSUERS, a JSON array),
// whether a visitor must be signed in, and where the pairwise-subject key is kept.

import * as z from 'zod/mini';
import { flag, nonEmpty, upstreamUrl } from '../../platform/settings';

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

/** The longest `maxAgeSeconds` an issuer may set: how old a site sign-in can ever be. */
export const MAX_SIGN_IN_AGE_SECONDS = 86_400;

/** One trusted issuer; duplicates, http off loopback and symmetric algorithms are refused. */
const issuerEntry = () =>
  z.pipe(
    z.strictObject({
      issuer: upstreamUrl(),
      audience: z.union([nonEmpty(), z.array(nonEmpty()).check(z.minLength(1))]),
      jwksUri: z.optional(upstreamUrl()),
      algorithms: z.optional(
        z
          .array(
            z.enum(
              IDENTITY_ALGORITHMS,
              `must be asymmetric: one of ${IDENTITY_ALGORITHMS.join(', ')} (never none or HS*)`,
            ),
          )
          .check(z.minLength(1)),
      ),
      maxAgeSeconds: z.optional(z.int().check(z.gte(60), z.lte(MAX_SIGN_IN_AGE_SECONDS))),
      subject: z.optional(z.enum(['pairwise', 'site'])),
      emailVerifiedClaim: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_:./-]{1,128}$/))),
      backchannelLogout: z.optional(z.boolean()),
    }),
    z.transform((entry) => ({
      /** Compared with the token's `iss` exactly. */
      issuer: entry.issuer,
      /** The token's `aud` must hold one of these. */
      audience: typeof entry.audience === 'string' ? [entry.audience] : entry.audience,
      /** Unset: the `jwks_uri` of the issuer's discovery document. */
      jwksUri: entry.jwksUri,
      algorithms: entry.algorithms ?? [...DEFAULT_IDENTITY_ALGORITHMS],
      /** `iat` (or `auth_time`) no older than this. */
      maxAgeSeconds: entry.maxAgeSeconds ?? 3600,
      /** `pairwise`: a keyed hash of issuer and `sub`; `site`: the site's `sub` unchanged. */
      subject: entry.subject ?? 'pairwise',
      /** The claim that must be true for `email` to be used. */
      emailVerifiedClaim: entry.emailVerifiedClaim ?? 'email_verified',
      /** Its sign-out ends the customer's sessions here (OpenID Connect Back-Channel Logout). */
      backchannelLogout: entry.backchannelLogout ?? false,
    })),
  );

const issuerList = () =>
  z.pipe(
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
      z.array(issuerEntry()).check(
        z.check((ctx) => {
          const seen = new Set<string>();
          let siteSubjects: string | undefined;
          ctx.value.forEach(({ issuer, subject }, index) => {
            if (seen.has(issuer))
              ctx.issues.push({
                code: 'custom',
                message: `lists ${issuer} a second time`,
                input: issuer,
                path: [index, 'issuer'],
              });
            seen.add(issuer);
            // Two issuers passing their `sub` on unchanged could name two people alike: the same
            // raw sub from each would be one customer in Genesys, and one's logout the other's.
            if (subject === 'site' && siteSubjects !== undefined)
              ctx.issues.push({
                code: 'custom',
                message: `uses subject "site" as ${siteSubjects} does: only one issuer may (use "pairwise" for the others)`,
                input: subject,
                path: [index, 'subject'],
              });
            if (subject === 'site') siteSubjects ??= issuer;
          });
        }),
      ),
    ),
  );

export const identitySettings = () =>
  z.pipe(
    z.object({
      // Built only when set: most deployments have no issuers, and schemas cost time at init.
      SITE_IDENTITY_ISSUERS: z.optional(z.lazy(issuerList)),
      SITE_IDENTITY_REQUIRED: z._default(flag(), false),
      SITE_SUBJECT_KEY_SECRET_ID: z.optional(nonEmpty()),
    }),
    z.transform((env, ctx) => {
      if (env.SITE_IDENTITY_REQUIRED && env.SITE_IDENTITY_ISSUERS === undefined)
        ctx.issues.push({
          code: 'custom',
          message: 'needs SITE_IDENTITY_ISSUERS (no customer could sign in)',
          input: env.SITE_IDENTITY_REQUIRED,
          path: ['SITE_IDENTITY_REQUIRED'],
        });
      return {
        /** Empty: no identity tokens are taken (a sent one is a 400). */
        issuers: env.SITE_IDENTITY_ISSUERS ?? [],
        /** Refuse requests without an identity token (401 IDENTITY_REQUIRED). */
        required: env.SITE_IDENTITY_REQUIRED,
        /** Secrets Manager id of the pairwise-subject key; unset locally (a development key). */
        subjectKeySecretId: env.SITE_SUBJECT_KEY_SECRET_ID,
      };
    }),
  );

export type IdentitySettings = z.output<ReturnType<typeof identitySettings>>;
export type IdentityIssuer = IdentitySettings['issuers'][number];
