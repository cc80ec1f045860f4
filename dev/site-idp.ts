// A loopback stand-in for a website's own sign-in (its OpenID provider: Cognito, Auth0, Okta,
// Entra ID, Keycloak, …), so `npm start` and the tests can serve known customers. It publishes
// a discovery document and a JWKS (RS256 keys that rotate on request, the previous one still
// listed), and a development sign-in that hands the page an id_token for one of a few demo
// customers, one of them with an unverified email. Faults can be queued on the discovery
// document and the key set: a status, latency, a huge answer, one that is not JSON, a redirect.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Clock } from '../lambda/platform/clock';
import { delay, listen, readBody, type StandInServer, sendJson } from './stand-in-server';

/** The audience of the demo customers' id_tokens: the site's own client id at its IdP. */
export const SITE_CLIENT_ID = 'demo-site';

export interface DemoCustomer {
  sub: string;
  name: string;
  given_name: string;
  family_name: string;
  email: string;
  email_verified: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
}

/** Made-up people on reserved example domains and fictional numbers (+1 555 01xx). */
export const DEMO_CUSTOMERS: Readonly<Record<string, DemoCustomer>> = {
  ada: {
    sub: 'customer-0001',
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: 'ada.lovelace@example.com',
    email_verified: true,
  },
  grace: {
    sub: 'customer-0002',
    name: 'Grace Hopper',
    given_name: 'Grace',
    family_name: 'Hopper',
    email: 'grace.hopper@example.org',
    email_verified: true,
    phone_number: '+1 555 0100',
    phone_number_verified: true,
  },
  mallory: {
    sub: 'customer-0003',
    name: 'Mallory Unverified',
    given_name: 'Mallory',
    family_name: 'Unverified',
    email: 'mallory@example.net',
    email_verified: false,
  },
};

export type SiteIdpEndpoint = 'discovery' | 'jwks';

export type SiteIdpFault =
  | { kind: 'status'; status: number; location?: string }
  | { kind: 'latency'; ms: number }
  /** A key set far larger than any real one. */
  | { kind: 'huge' }
  | { kind: 'notJson' };

export interface SiteIdpOptions {
  clock?: Clock;
  idTokenTtlSeconds?: number;
  host?: string;
  port?: number;
}

interface SiteKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks.json',
  signIn: '/dev/sign-in',
} as const;

export class SiteIdp {
  readonly calls: Record<SiteIdpEndpoint, number> = { discovery: 0, jwks: 0 };
  /** Every id_token issued (tests sweep logs for them). */
  readonly issued: string[] = [];
  idTokenTtlSeconds: number;
  private readonly faults: Record<SiteIdpEndpoint, SiteIdpFault[]> = { discovery: [], jwks: [] };
  private readonly clock: Clock;
  private published: SiteKey[] = [];
  private current!: SiteKey;
  private server!: StandInServer;
  private url = '';

  private constructor(options: SiteIdpOptions) {
    this.clock = options.clock ?? Date.now;
    this.idTokenTtlSeconds = options.idTokenTtlSeconds ?? 3600;
  }

  static async start(options: SiteIdpOptions = {}): Promise<SiteIdp> {
    const idp = new SiteIdp(options);
    await idp.rotateKey();
    idp.server = await listen((req, res) => idp.route(req, res), options);
    idp.url = idp.server.url;
    return idp;
  }

  /** The issuer (no trailing slash), as SITE_IDENTITY_ISSUERS names it. */
  get issuer(): string {
    return this.url;
  }

  /** The development sign-in: POST `{customer}` → `{id_token, expires_in}`. */
  get signInUrl(): string {
    return `${this.url}${PATHS.signIn}`;
  }

  /** The SITE_IDENTITY_ISSUERS entry that trusts this IdP. */
  issuerEntry(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { issuer: this.url, audience: SITE_CLIENT_ID, ...extra };
  }

  /** Sign with a new key; the previous one stays listed until the next rotation. */
  async rotateKey(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.current = { kid, privateKey, publicJwk };
    this.published = [this.current, ...this.published].slice(0, 2);
    return kid;
  }

  get publicJwk(): JWK {
    return this.current.publicJwk;
  }

  inject(endpoint: SiteIdpEndpoint, fault: SiteIdpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults[endpoint].push(fault);
  }

  /**
   * An id_token for a demo customer (or any person), as the site's sign-in would hand it over;
   * `claims` adds or replaces registered claims (an `aud` array and `azp`, for instance).
   */
  async signIn(
    customer: keyof typeof DEMO_CUSTOMERS | DemoCustomer,
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const person = typeof customer === 'string' ? DEMO_CUSTOMERS[customer] : customer;
    if (!person) throw new Error(`no demo customer ${String(customer)}`);
    const now = Math.floor(this.clock() / 1000);
    const token = await new SignJWT({
      aud: SITE_CLIENT_ID,
      ...person,
      auth_time: now,
      nonce: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.current.kid })
      .setIssuer(this.url)
      .setIssuedAt(now)
      .setExpirationTime(now + this.idTokenTtlSeconds)
      .sign(this.current.privateKey);
    this.issued.push(token);
    return token;
  }

  /**
   * The site's sign-out of a demo customer, as OpenID Connect Back-Channel Logout 1.0 sends it
   * (its IdP would POST it to our /backchannel-logout as `logout_token`).
   */
  async logoutToken(customer: keyof typeof DEMO_CUSTOMERS): Promise<string> {
    const person = DEMO_CUSTOMERS[customer];
    if (!person) throw new Error(`no demo customer ${String(customer)}`);
    const now = Math.floor(this.clock() / 1000);
    const token = await new SignJWT({
      aud: SITE_CLIENT_ID,
      sub: person.sub,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: this.current.kid })
      .setIssuer(this.url)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .setJti(randomUUID())
      .sign(this.current.privateKey);
    this.issued.push(token);
    return token;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    // The development sign-in is called by the demo page, from another loopback origin.
    const cors = {
      'access-control-allow-origin': String(req.headers.origin ?? '*'),
      'access-control-allow-headers': 'content-type',
      'access-control-allow-methods': 'GET, POST',
      vary: 'Origin',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    const body = await readBody(req);
    if (path === PATHS.signIn && req.method === 'POST') {
      let customer: unknown;
      try {
        customer = (JSON.parse(body) as { customer?: unknown }).customer;
      } catch {
        customer = undefined;
      }
      if (typeof customer !== 'string' || !Object.hasOwn(DEMO_CUSTOMERS, customer)) {
        return sendJson(
          res,
          400,
          { error: `customer must be one of ${Object.keys(DEMO_CUSTOMERS)}` },
          cors,
        );
      }
      return sendJson(
        res,
        200,
        { id_token: await this.signIn(customer), expires_in: this.idTokenTtlSeconds },
        cors,
      );
    }
    const endpoint: SiteIdpEndpoint | undefined =
      path === PATHS.discovery ? 'discovery' : path === PATHS.jwks ? 'jwks' : undefined;
    if (!endpoint || req.method !== 'GET') return sendJson(res, 404, { error: 'not found' });
    this.calls[endpoint]++;
    const fault = this.faults[endpoint].shift();
    if (fault?.kind === 'latency') await delay(fault.ms);
    if (fault?.kind === 'status') {
      return sendJson(
        res,
        fault.status,
        { error: 'injected' },
        {
          ...(fault.location && { location: fault.location }),
        },
      );
    }
    if (fault?.kind === 'notJson') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html>maintenance</html>');
    }
    const answer =
      endpoint === 'discovery'
        ? {
            issuer: this.url,
            jwks_uri: `${this.url}${PATHS.jwks}`,
            id_token_signing_alg_values_supported: ['RS256'],
            subject_types_supported: ['public'],
            response_types_supported: ['id_token'],
          }
        : { keys: this.published.map((key) => key.publicJwk) };
    if (fault?.kind === 'huge') {
      const padding = Array.from({ length: 4000 }, (_, i) => ({
        ...this.current.publicJwk,
        kid: `pad-${i}`,
      }));
      return sendJson(res, 200, { keys: [...padding, ...this.published.map((k) => k.publicJwk)] });
    }
    sendJson(res, 200, answer);
  }
}
