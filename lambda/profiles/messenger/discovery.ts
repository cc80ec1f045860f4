// Messenger profile: the two public documents a relying party reads first. The discovery
// document (OpenID Connect Discovery 1.0 §3) names our endpoints and what they support; the
// JWKS lists the signing key and the previous one. Both may be cached for a few minutes.

import type { PipelineResult } from '../../steps/context';
import { OIDC_PATHS, type Provider } from './provider';
import { IDENTITY_CLAIM_NAMES, SCOPES_SUPPORTED } from './tokens';

const CACHEABLE = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'public, max-age=300',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * A guest's `sub` is one random id for every relying party (`public`); a known customer's is a
 * keyed hash of the site's issuer and subject where an issuer is set to `pairwise`.
 */
export type SubjectType = 'public' | 'pairwise';

export function discoveryDocument(
  issuer: string,
  subjectTypes: readonly SubjectType[] = ['public'],
) {
  return {
    issuer,
    authorization_endpoint: `${issuer}${OIDC_PATHS.authorize}`,
    token_endpoint: `${issuer}${OIDC_PATHS.token}`,
    revocation_endpoint: `${issuer}${OIDC_PATHS.revoke}`,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${issuer}${OIDC_PATHS.userinfo}`,
    jwks_uri: `${issuer}${OIDC_PATHS.jwks}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: subjectTypes,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: SCOPES_SUPPORTED,
    claims_supported: [...IDENTITY_CLAIM_NAMES, 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce'],
    authorization_response_iss_parameter_supported: true,
  };
}

/** The discovery answer, built once per container: it depends on the issuer only. */
export function discovery(
  provider: Pick<Provider, 'issuer'>,
  subjectTypes: readonly SubjectType[],
): () => PipelineResult {
  const body = JSON.stringify(discoveryDocument(provider.issuer, subjectTypes));
  return () => ({ statusCode: 200, headers: CACHEABLE, body });
}

export async function jwks(provider: Pick<Provider, 'signer'>): Promise<PipelineResult> {
  return {
    statusCode: 200,
    headers: CACHEABLE,
    body: JSON.stringify({ keys: await provider.signer.publicKeys() }),
  };
}
