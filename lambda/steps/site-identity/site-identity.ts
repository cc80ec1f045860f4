// Step ⑤, after the guard so bots never cost a key fetch: a visitor with an identityToken is a
// customer once it verifies, and refused if it does not, never downgraded to a guest.

import type { Dispatcher } from 'undici';
import type { Clock } from '../../platform/clock';
import {
  IdentityRequiredError,
  InvalidRequestError,
  UpstreamUnavailableError,
} from '../../platform/errors';
import {
  createUpstreamAgent,
  createUpstreamHttp,
  type Sleep,
  type UpstreamEvents,
} from '../../platform/upstream/upstream-http';
import type { WarmUp } from '../../platform/warm-up';
import type { PipelineMiddleware, PipelineRequest } from '../context';
import { createIssuerKeys } from './issuer-keys';
import type { IdentitySettings } from './settings';
import { createIdentityTokenVerifier, type IdentityTokenVerifier } from './verify-identity-token';
import { createLogoutTokenVerifier, type LogoutTokenVerifier } from './verify-logout-token';

export interface SiteIdentityDeps {
  /** For the issuers' key sets; a keep-alive pool of its own when not given. */
  dispatcher?: Dispatcher;
  clock: Clock;
  /** The pairwise-subject key; asked on first use only. */
  subjectKey?: () => Promise<Uint8Array>;
  sleep?: Sleep;
  random?: () => number;
  events?: UpstreamEvents & { identityKeysRefreshed?(): void };
}

/** The chain step, and its warm-up: every issuer's key set and the subject key. */
export type SiteIdentity = PipelineMiddleware &
  WarmUp & {
    /** Issuers with back-channel logout on: checks their logout tokens with the same keys. */
    verifyLogoutToken: LogoutTokenVerifier | undefined;
  };

export function siteIdentity(config: IdentitySettings, deps: SiteIdentityDeps): SiteIdentity {
  const verifier = config.issuers.length > 0 ? createVerifier(config, deps) : undefined;

  const identityBefore = async (request: PipelineRequest): Promise<void> => {
    const { visitor, guest } = request.context;
    if (!visitor || !guest) throw new Error('the identity step ran before the scrub step');
    const token = visitor.identityToken;
    if (token === undefined) {
      if (config.required) throw new IdentityRequiredError();
      return;
    }
    if (!verifier) {
      throw new InvalidRequestError('identityToken: this service takes no identity tokens');
    }
    const verified = await verifier.verify(token);
    // The typed name stands in only where the site's token names no one.
    const claims = { ...verified.claims, name: verified.claims.name ?? guest.name };
    request.context.customer = { ...verified, claims };
    request.context.guest = {
      name: claims.name,
      ...(claims.email !== undefined && { email: claims.email }),
      customAttributes: guest.customAttributes,
    };
  };

  return {
    before: identityBefore,
    verifyLogoutToken: verifier?.verifyLogoutToken,
    async warmUp() {
      if (!verifier) return;
      await Promise.allSettled([verifier.warmUp(), deps.subjectKey?.()]);
    },
  };
}

function createVerifier(
  config: IdentitySettings,
  {
    dispatcher = createUpstreamAgent(),
    clock,
    subjectKey,
    sleep,
    random,
    events,
  }: SiteIdentityDeps,
): IdentityTokenVerifier & {
  warmUp(): Promise<unknown>;
  verifyLogoutToken: LogoutTokenVerifier | undefined;
} {
  // One upstream client per issuer, so one site's broken key endpoint opens its own breaker.
  const issuers = config.issuers.map((issuer) => ({
    config: issuer,
    keys: createIssuerKeys({
      issuer,
      http: createUpstreamHttp({ dispatcher, clock, sleep, random, events }),
      clock,
      onRefresh: events?.identityKeysRefreshed,
    }),
  }));
  const key =
    subjectKey ??
    (async () => {
      throw new UpstreamUnavailableError('secrets', 'no pairwise-subject key is configured');
    });
  const verifier = createIdentityTokenVerifier({ issuers, clock, subjectKey: key });
  return {
    ...verifier,
    verifyLogoutToken: issuers.some((i) => i.config.backchannelLogout)
      ? createLogoutTokenVerifier({ issuers, clock, subjectKey: key })
      : undefined,
    warmUp: () => Promise.allSettled(issuers.map((i) => i.keys.get())),
  };
}
