// Genesys Cloud, locally, for `npm start`, the tests and the benches: OAuth, the Guest API and its
// key set with real RS256 signing and queued faults, and Messenger's code exchange; the AWS
// services the service reads (dev/secrets-manager.ts, kms.ts, dynamodb.ts) answer on the same port.

import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Clock } from '../lambda/platform/clock';
import {
  DEFAULT_GUEST_API_PATH,
  DEFAULT_KEYS_PATH,
  OAUTH_TOKEN_PATH,
} from '../lambda/profiles/guest-api/endpoints';
import { type AwsOperation, AwsStandIns } from './aws-stand-ins';
import { EXTENSION_SESSION_TOKEN, SecretsManagerStandIn } from './secrets-manager';
import {
  delay,
  type HttpFault,
  listen,
  playFault,
  readBody,
  remember,
  type StandInServer,
  sendJson,
} from './stand-in-server';

export { DYNAMODB_FAULTS } from './dynamodb';
export { awsError, KMS_FAULTS } from './kms';
export type { AwsOperation };

export type EmulatorEndpoint = 'secrets' | 'oauth' | 'mint' | 'keys';

export type Fault =
  | HttpFault
  /** mint: sign with a key that is not in the published key set. */
  | { kind: 'badSignature' }
  /** mint: merge these claims into the token (undefined removes a claim). */
  | { kind: 'claims'; claims: Record<string, unknown> }
  /** mint: add these protected-header parameters. */
  | { kind: 'header'; header: Record<string, unknown> }
  /** mint: return this literal string as access_token. */
  | { kind: 'token'; token: string };

export const DEV_CREDENTIALS = { clientId: 'local-dev-client', clientSecret: 'local-dev-secret' };
/** The messenger profile's OIDC client, locally: what Genesys's integration would hold. */
export const DEV_OIDC_CREDENTIALS = {
  clientId: 'local-messenger-client',
  clientSecret: 'local-messenger-secret',
};

/** Genesys's side of authenticated web messaging (docs/deploy.md, the messenger profile). */
export type MessengerEndpoint = 'exchange' | 'refresh';
export const MESSENGER_PATHS: Record<MessengerEndpoint, string> = {
  exchange: '/api/v2/webdeployments/token/oauthcodegrantjwtexchange',
  refresh: '/api/v2/webdeployments/token/refresh',
};

/** The "OpenID Connect Messenger Configuration" integration, as an admin would fill it in. */
export interface MessengerIntegration {
  discoveryUri: string;
  clientId: string;
  clientSecret: string;
  /** How Genesys authenticates at the token endpoint (undocumented: both are accepted). */
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
}

export interface EmulatorOptions {
  /** clientId → clientSecret accepted by /oauth/token. */
  clients?: Record<string, string>;
  guestTokenTtlSeconds?: number;
  oauthTokenTtlSeconds?: number;
  /** Added to every call (the benchmark's stand-in for network distance). */
  latencyMs?: number;
  /** Serve the key set as a JWKS (default) or as one bare JWK. */
  keySetFormat?: 'jwks' | 'jwk';
  /**
   * Per-minute limit on each Genesys endpoint, announced in `inin-ratelimit-*` headers and
   * enforced with 429 + Retry-After. Off by default (Genesys stopped sending the headers in
   * 2021; its 429s remain).
   */
  rateLimitPerMinute?: number;
  /**
   * Share of Genesys calls (0–1) that fail at random with a 502, 503, 504 or a dropped
   * connection, for load runs. Queued faults still come first.
   */
  faultRate?: number;
  /** The session token the extension endpoint wants in X-Aws-Parameters-Secrets-Token. */
  extensionSessionToken?: string;
  clock?: Clock;
  host?: string;
  port?: number;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** What the Guest API received, as parsed JSON. */
export type ReceivedGuest = {
  name?: unknown;
  email?: unknown;
  customAttributes?: Record<string, unknown>;
};

export class GenesysEmulator {
  readonly calls: Record<EmulatorEndpoint, number> = { secrets: 0, oauth: 0, mint: 0, keys: 0 };
  readonly messengerCalls: Record<MessengerEndpoint, number> = { exchange: 0, refresh: 0 };
  /** KMS and DynamoDB, on this emulator's port and signing key (messenger profile). */
  readonly aws: AwsStandIns;
  /** Secrets Manager and its Lambda extension, on this emulator's port. */
  readonly secretsManager: SecretsManagerStandIn;
  /** Messenger JWT lifetime (Genesys's is 15 minutes). */
  messengerJwtTtlSeconds = 900;
  /** The most recent Guest API bodies (the last 1,000). */
  readonly received: ReceivedGuest[] = [];
  guestTokenTtlSeconds: number;
  oauthTokenTtlSeconds: number;
  latencyMs: number;
  keySetFormat: 'jwks' | 'jwk';
  rateLimitPerMinute: number | undefined;
  faultRate: number;

  private readonly faults: Record<EmulatorEndpoint, Fault[]> = {
    secrets: [],
    oauth: [],
    mint: [],
    keys: [],
  };
  private readonly messengerFaults: Record<MessengerEndpoint, Fault[]> = {
    exchange: [],
    refresh: [],
  };
  private integration: MessengerIntegration | undefined;
  private readonly refreshTokens = new Map<string, { sub: string; name: unknown }>();
  private readonly windows = new Map<EmulatorEndpoint, { start: number; count: number }>();
  private readonly tokens = new Map<string, number>();
  private readonly issued: string[] = [];
  private readonly clients: Map<string, string>;
  private readonly clock: Clock;
  private published: SigningKey[] = [];
  private current!: SigningKey;
  private server!: StandInServer;
  private url = '';

  private constructor(options: EmulatorOptions) {
    this.clients = new Map(
      Object.entries(
        options.clients ?? { [DEV_CREDENTIALS.clientId]: DEV_CREDENTIALS.clientSecret },
      ),
    );
    this.guestTokenTtlSeconds = options.guestTokenTtlSeconds ?? 1800;
    this.oauthTokenTtlSeconds = options.oauthTokenTtlSeconds ?? 86_400;
    this.latencyMs = options.latencyMs ?? 0;
    this.keySetFormat = options.keySetFormat ?? 'jwks';
    this.rateLimitPerMinute = options.rateLimitPerMinute;
    this.faultRate = options.faultRate ?? 0;
    this.clock = options.clock ?? Date.now;
    this.aws = new AwsStandIns({ signingKey: () => this.current, latencyMs: () => this.latencyMs });
    this.secretsManager = new SecretsManagerStandIn({
      clock: this.clock,
      sessionToken: options.extensionSessionToken ?? EXTENSION_SESSION_TOKEN,
      defaultSecret: () => {
        const [clientId, clientSecret] = [...this.clients][0] ?? [];
        return JSON.stringify({ clientId, clientSecret });
      },
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<GenesysEmulator> {
    const emulator = new GenesysEmulator(options);
    await emulator.rotateKey({ keepOld: false });
    emulator.server = await listen((req, res) => emulator.route(req, res), options);
    emulator.url = emulator.server.url;
    return emulator;
  }

  /** Base URL of both the login and the API host; also the tokens' iss and aud. */
  get baseUrl(): string {
    return this.url;
  }

  /** Queue a fault for the next `times` calls to one endpoint. */
  inject(endpoint: EmulatorEndpoint, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults[endpoint].push(fault);
  }

  clearFaults(): void {
    for (const list of Object.values(this.faults)) list.length = 0;
    for (const list of Object.values(this.messengerFaults)) list.length = 0;
    this.aws.clearFaults();
  }

  /** Queue a fault for the next `times` calls to one of Genesys's Messenger endpoints. */
  injectMessenger(endpoint: MessengerEndpoint, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.messengerFaults[endpoint].push(fault);
  }

  /** Point authenticated messaging at an OpenID provider (ours), as the Genesys admin does. */
  configureMessenger(integration: MessengerIntegration): void {
    this.integration = integration;
  }

  resetCounters(): void {
    for (const endpoint of Object.keys(this.calls) as EmulatorEndpoint[]) this.calls[endpoint] = 0;
    this.messengerCalls.exchange = 0;
    this.messengerCalls.refresh = 0;
    this.aws.resetCounters();
    this.received.length = 0;
  }

  /** Start signing with a new key; the old one stays published unless keepOld is false. */
  async rotateKey({ keepOld = true }: { keepOld?: boolean } = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.current = { kid, privateKey, publicJwk };
    this.published = keepOld ? [...this.published, this.current] : [this.current];
    return kid;
  }

  /** The public half of the current signing key, as published in the key set. */
  get publicJwk(): JWK {
    return this.current.publicJwk;
  }

  /** Every OAuth token issued so far stops working (the Guest API answers 401). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Rotate a client's secret: the old one is refused with invalid_client from now on. */
  setClientSecret(clientId: string, clientSecret: string): void {
    this.clients.set(clientId, clientSecret);
  }

  /**
   * Every value that must never reach a log: client secrets, OAuth tokens and guest tokens
   * this emulator issued. Tests sweep captured log lines for them.
   */
  secrets(): string[] {
    return [
      ...this.clients.values(),
      ...(this.integration ? [this.integration.clientSecret] : []),
      ...this.issued,
    ];
  }

  /** Signs a guest token with the current key; tests use it to craft their own. */
  async signGuestToken(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: SigningKey = this.current,
  ): Promise<string> {
    const now = Math.floor(this.clock() / 1000);
    const guestId = randomUUID();
    const payload: JWTPayload = {
      iss: this.url,
      aud: this.url,
      sub: guestId,
      iat: now,
      nbf: now,
      exp: now + this.guestTokenTtlSeconds,
      jti: randomUUID(),
      permissions: ['webchat:guest'],
      webchat: { guestId },
    };
    for (const [name, value] of Object.entries(claims)) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    return (
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
        // Lets a test's `crit` through jose's own check, so the proxy is the one to refuse it.
        .sign(key.privateKey, {
          crit: Object.fromEntries(critical(header).map((name) => [name, true])),
        })
    );
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path = '/', query] = (req.url ?? '/').split('?');
    const aws = this.aws.operationOf(req, path);
    if (aws) return this.aws.answer(aws, req, res);
    const messenger = (Object.keys(MESSENGER_PATHS) as MessengerEndpoint[]).find(
      (name) => MESSENGER_PATHS[name] === path,
    );
    if (messenger) return this.messengerRoute(messenger, req, res);
    const secrets = this.secretsManager.handles(req, path);
    const endpoint: EmulatorEndpoint | undefined = secrets
      ? 'secrets'
      : req.method === 'POST' && path === OAUTH_TOKEN_PATH
        ? 'oauth'
        : req.method === 'POST' && path === DEFAULT_GUEST_API_PATH
          ? 'mint'
          : req.method === 'GET' && path === DEFAULT_KEYS_PATH
            ? 'keys'
            : undefined;
    const body = await readBody(req);
    if (!endpoint) return sendJson(res, 404, { message: 'not found' });
    this.calls[endpoint]++;
    if (this.latencyMs > 0) await delay(this.latencyMs);
    if (endpoint !== 'secrets' && this.overRateLimit(endpoint, res)) return;

    const fault = this.faults[endpoint].shift() ?? this.randomFault(endpoint);
    if (await playFault(fault, req, res)) return;

    if (secrets) return this.secretsManager.answer(req, query, body, res);
    if (endpoint === 'oauth') return this.issueAccessToken(req, body, res);
    if (endpoint === 'keys') {
      const keys = this.published.map((key) => key.publicJwk);
      return sendJson(res, 200, this.keySetFormat === 'jwk' ? this.current.publicJwk : { keys });
    }
    return this.mintGuest(req, body, res, fault);
  }

  /**
   * Genesys's side of authenticated messaging. Messenger calls these from the page (so they
   * answer CORS for any origin); the exchange fetches the provider's discovery document,
   * redeems the code at its token endpoint with the integration's client credentials,
   * verifies the id_token (RS256, iss, aud, nonce) and answers `{jwt, refreshToken}`.
   */
  private async messengerRoute(
    endpoint: MessengerEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const cors = {
      'access-control-allow-origin': String(req.headers.origin ?? '*'),
      'access-control-allow-headers': 'content-type',
      'access-control-allow-methods': 'POST',
      vary: 'Origin',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    const body = await readBody(req);
    if (req.method !== 'POST') return sendJson(res, 405, { message: 'use POST' }, cors);
    this.messengerCalls[endpoint]++;
    const fault = this.messengerFaults[endpoint].shift();
    if (await playFault(fault, req, res, cors)) return;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { code: 'bad.request', message: 'body is not JSON' }, cors);
    }
    const answer =
      endpoint === 'exchange' ? await this.exchangeCode(json) : await this.refreshJwt(json);
    sendJson(res, answer.status, answer.body, cors);
  }

  private async exchangeCode(
    json: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const integration = this.integration;
    if (!integration) {
      return {
        status: 400,
        body: { code: 'auth.not.configured', message: 'no OpenID integration' },
      };
    }
    const oauth = (json.oauth ?? {}) as Record<string, unknown>;
    const { code, redirectUri, nonce, codeVerifier } = oauth;
    if (
      typeof json.deploymentId !== 'string' ||
      typeof code !== 'string' ||
      typeof redirectUri !== 'string'
    ) {
      return {
        status: 400,
        body: {
          code: 'bad.request',
          message: 'deploymentId, oauth.code and oauth.redirectUri are required',
        },
      };
    }
    const fail = (message: string, providerError?: unknown) => ({
      status: 400,
      body: {
        code: 'oauth.code.exchange.failed',
        message,
        ...(providerError !== undefined && { providerError }),
      },
    });
    let discovery: { issuer?: string; token_endpoint?: string; jwks_uri?: string };
    try {
      discovery = (await (await fetch(integration.discoveryUri)).json()) as typeof discovery;
    } catch {
      return fail('the discovery document could not be read');
    }
    const { issuer, token_endpoint: tokenEndpoint, jwks_uri: jwksUri } = discovery;
    if (!issuer || !tokenEndpoint || !jwksUri) return fail('the discovery document is incomplete');
    if (typeof oauth.iss === 'string' && oauth.iss !== issuer)
      return fail('iss does not match the issuer');

    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    if (typeof codeVerifier === 'string') form.set('code_verifier', codeVerifier);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (integration.clientAuth === 'client_secret_post') {
      form.set('client_id', integration.clientId);
      form.set('client_secret', integration.clientSecret);
    } else {
      const pair = `${encodeURIComponent(integration.clientId)}:${encodeURIComponent(integration.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    let tokens: { id_token?: string; error?: string };
    let status: number;
    try {
      const answer = await fetch(tokenEndpoint, { method: 'POST', headers, body: form.toString() });
      status = answer.status;
      tokens = (await answer.json()) as typeof tokens;
    } catch {
      return fail('the token endpoint could not be reached');
    }
    if (status !== 200 || !tokens.id_token)
      return fail('the token endpoint refused the code', tokens.error);
    remember(this.issued, code);
    if (typeof codeVerifier === 'string') remember(this.issued, codeVerifier);
    remember(this.issued, tokens.id_token);

    let claims: JWTPayload;
    try {
      const keys = (await (await fetch(jwksUri)).json()) as { keys: JWK[] };
      ({ payload: claims } = await jwtVerify(tokens.id_token, createLocalJWKSet(keys), {
        algorithms: ['RS256'],
        issuer,
        audience: integration.clientId,
        currentDate: new Date(this.clock()),
      }));
    } catch (error) {
      return fail(
        `the id_token failed verification: ${(error as { code?: string }).code ?? 'error'}`,
      );
    }
    if (typeof nonce === 'string' && claims.nonce !== nonce)
      return fail('the id_token nonce does not match');
    if (typeof claims.sub !== 'string') return fail('the id_token has no sub');

    // One authenticated session per visitor: a new one (another device, a step-up) closes the
    // earlier ones, whose next refresh is refused.
    for (const [token, session] of this.refreshTokens)
      if (session.sub === claims.sub) this.refreshTokens.delete(token);
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshTokens.set(refreshToken, { sub: claims.sub, name: claims.name });
    remember(this.issued, refreshToken);
    const jwt = await this.messengerJwt(claims.sub, claims.name, json.deploymentId);
    return { status: 200, body: { jwt, refreshToken } };
  }

  private async refreshJwt(
    json: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const session =
      typeof json.refreshToken === 'string' ? this.refreshTokens.get(json.refreshToken) : undefined;
    if (!session || typeof json.deploymentId !== 'string') {
      return { status: 401, body: { code: 'bad.credentials', message: 'refresh token not valid' } };
    }
    return {
      status: 200,
      body: { jwt: await this.messengerJwt(session.sub, session.name, json.deploymentId) },
    };
  }

  /** A Genesys-style web messaging JWT for the authenticated guest. */
  private async messengerJwt(sub: string, name: unknown, deploymentId: unknown): Promise<string> {
    const now = Math.floor(this.clock() / 1000);
    const jwt = await new SignJWT({ sub, name, deploymentId, origin: 'auth', jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.current.kid })
      .setIssuer(this.url)
      .setIssuedAt(now)
      .setExpirationTime(now + this.messengerJwtTtlSeconds)
      .sign(this.current.privateKey);
    remember(this.issued, jwt);
    return jwt;
  }

  private randomFault(endpoint: EmulatorEndpoint): Fault | undefined {
    if (endpoint === 'secrets' || this.faultRate === 0 || Math.random() >= this.faultRate) {
      return undefined;
    }
    const faults: Fault[] = [
      { kind: 'status', status: 502 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 504 },
      { kind: 'drop' },
    ];
    return faults[Math.floor(Math.random() * faults.length)];
  }

  /** Counts the call in its minute; sets the rate-limit headers, or answers 429 when over. */
  private overRateLimit(endpoint: EmulatorEndpoint, res: ServerResponse): boolean {
    const allowed = this.rateLimitPerMinute;
    if (allowed === undefined) return false;
    const now = this.clock();
    let window = this.windows.get(endpoint);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      this.windows.set(endpoint, window);
    }
    window.count++;
    const reset = Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
    res.setHeader('inin-ratelimit-allowed', String(allowed));
    res.setHeader('inin-ratelimit-count', String(Math.min(window.count, allowed)));
    res.setHeader('inin-ratelimit-reset', String(reset));
    if (window.count <= allowed) return false;
    sendJson(res, 429, { message: 'Rate limit exceeded' }, { 'retry-after': String(reset) });
    return true;
  }

  private issueAccessToken(req: IncomingMessage, body: string, res: ServerResponse): void {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [clientId, clientSecret] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':');
    const known = scheme === 'Basic' && clientId !== undefined && this.clients.get(clientId);
    if (!known || known !== clientSecret) {
      sendJson(res, 401, { error: 'invalid_client', description: 'client authentication failed' });
      return;
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      sendJson(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.clock() + this.oauthTokenTtlSeconds * 1000);
    remember(this.issued, token);
    sendJson(res, 200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: this.oauthTokenTtlSeconds,
    });
  }

  private async mintGuest(
    req: IncomingMessage,
    body: string,
    res: ServerResponse,
    fault: Fault | undefined,
  ): Promise<void> {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const expiresAt = this.tokens.get(bearer);
    if (expiresAt === undefined || expiresAt <= this.clock()) {
      return sendJson(res, 401, { code: 'bad.credentials', message: 'Invalid login credentials.' });
    }
    let guest: ReceivedGuest;
    try {
      guest = JSON.parse(body) as ReceivedGuest;
    } catch {
      return sendJson(res, 400, { code: 'bad.request', message: 'body is not JSON' });
    }
    remember(this.received, guest);

    let token: string;
    if (fault?.kind === 'token') token = fault.token;
    else if (fault?.kind === 'claims') token = await this.signGuestToken(fault.claims);
    else if (fault?.kind === 'header') token = await this.signGuestToken({}, fault.header);
    else if (fault?.kind === 'badSignature')
      token = await this.signGuestToken({}, {}, await strangerKey(this.current.kid));
    else token = await this.signGuestToken();
    remember(this.issued, token);
    sendJson(res, 200, { access_token: token });
  }
}

function critical(header: Record<string, unknown>): string[] {
  return Array.isArray(header.crit) ? header.crit.filter((name) => typeof name === 'string') : [];
}

/** A key pair nobody published, carrying the current kid, so only the signature gives it away. */
async function strangerKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: await exportJWK(publicKey) };
}
