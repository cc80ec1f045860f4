import { type Config, loadConfig } from '../../lambda/config';
import { ConfigError } from '../../lambda/platform/errors';
import { DEFAULT_BOT_USER_AGENT_PATTERNS } from '../../lambda/steps/settings';

const base = { ALLOWED_ORIGINS: 'https://www.example.com' };

function guestApi(config: Config) {
  if (config.profile !== 'guest-api') throw new Error(`profile ${config.profile}`);
  return config.guestApi;
}
function messengerOf(config: Config) {
  if (config.profile !== 'messenger') throw new Error(`profile ${config.profile}`);
  return config.messenger;
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toEqual({
      profile: 'guest-api',
      guestApi: {
        environment: 'mypurecloud.com',
        endpoints: {
          tokenUrl: 'https://login.mypurecloud.com/oauth/token',
          guestUrl: 'https://api.mypurecloud.com/api/v2/webchat/guest',
          keysUrl: 'https://api.mypurecloud.com/api/v2/oauth/publickey',
          issuer: 'https://api.mypurecloud.com',
          audience: 'https://api.mypurecloud.com',
        },
        credentialsSecretId: undefined,
      },
      visitor: {
        allowedOrigins: ['https://www.example.com'],
        rateLimitPerMinute: 20,
        botUserAgentPatterns: DEFAULT_BOT_USER_AGENT_PATTERNS,
        piiDropAttributes: [],
      },
      observability: {
        logLevel: 'INFO',
        auditIpHashKey: undefined,
        metricsNamespace: 'GenesysGuestTokenProxy',
      },
      runtime: { functionName: undefined, secretsExtension: undefined },
      identity: { issuers: [], required: false, subjectKeySecretId: undefined },
    });
  });

  it('freezes the whole Config, lists included', () => {
    const config = loadConfig(base);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.visitor.allowedOrigins)).toBe(true);
    expect(Object.isFrozen(guestApi(config).endpoints)).toBe(true);
    expect(() => (config.visitor.allowedOrigins as string[]).push('https://evil.example')).toThrow(
      TypeError,
    );
  });

  it('derives every endpoint from the environment, login host included', () => {
    const { endpoints } = guestApi(loadConfig({ ...base, GENESYS_ENVIRONMENT: 'euw2.pure.cloud' }));
    expect(endpoints.tokenUrl).toBe('https://login.euw2.pure.cloud/oauth/token');
    expect(endpoints.guestUrl).toBe('https://api.euw2.pure.cloud/api/v2/webchat/guest');
  });

  it('takes overrides and parses lists, numbers and levels', () => {
    const config = loadConfig({
      ALLOWED_ORIGINS: ' https://a.example , https://b.example:8443,https://a.example',
      GENESYS_API_BASE_URL: 'https://gateway.example/',
      GENESYS_GUEST_API_PATH: '/custom/guest',
      GUEST_JWT_ISSUER: 'https://issuer.example',
      RATE_LIMIT_PER_MINUTE: '5',
      BOT_USER_AGENT_PATTERNS: 'EvilBot, scraper',
      LOG_LEVEL: 'debug',
      PII_DROP_ATTRIBUTES: 'cardNumber, notes,cardNumber',
      AUDIT_IP_HASH_KEY: 'k'.repeat(32),
    });
    const { endpoints } = guestApi(config);
    expect(config.visitor.allowedOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(endpoints.guestUrl).toBe('https://gateway.example/custom/guest');
    expect(endpoints.issuer).toBe('https://issuer.example');
    expect(endpoints.audience).toBe('https://gateway.example');
    expect(config.visitor.rateLimitPerMinute).toBe(5);
    expect(config.visitor.botUserAgentPatterns).toEqual(['evilbot', 'scraper']);
    expect(config.observability.logLevel).toBe('DEBUG');
    expect(config.visitor.piiDropAttributes).toEqual(['cardNumber', 'notes']);
    expect(config.observability.auditIpHashKey).toBe('k'.repeat(32));
  });

  const messenger = { ...base, GENESYS_PROFILE: 'messenger' };
  it.each([
    [{}, /ALLOWED_ORIGINS/],
    [{ ALLOWED_ORIGINS: '*' }, /ALLOWED_ORIGINS.*"\*" is not allowed/],
    [{ ALLOWED_ORIGINS: 'https://a.example/' }, /ALLOWED_ORIGINS.*exact origin/],
    [{ ALLOWED_ORIGINS: 'https://a.example/path' }, /ALLOWED_ORIGINS/],
    [{ ALLOWED_ORIGINS: 'ftp://a.example' }, /ALLOWED_ORIGINS/],
    [{ ...base, GENESYS_ENVIRONMENT: 'example.com' }, /GENESYS_ENVIRONMENT/],
    [
      { ...base, GENESYS_API_BASE_URL: 'http://api.example.com' },
      /GENESYS_API_BASE_URL: must be an https URL/,
    ],
    [
      { ...base, GENESYS_LOGIN_BASE_URL: 'https://user:pw@login.example' },
      /GENESYS_LOGIN_BASE_URL/,
    ],
    [{ ...base, GUEST_JWT_KEYS_URL: 'not a url' }, /GUEST_JWT_KEYS_URL/],
    [{ ...base, TOKEN_DELIVERY: 'cookie' }, /TOKEN_DELIVERY: was removed: .*Drop the setting/],
    [{ ...base, TOKEN_DELIVERY: 'body' }, /TOKEN_DELIVERY: was removed/],
    [{ ...base, RATE_LIMIT_PER_MINUTE: '0' }, /RATE_LIMIT_PER_MINUTE/],
    [{ ...base, RATE_LIMIT_PER_MINUTE: 'ten' }, /RATE_LIMIT_PER_MINUTE/],
    [{ ...base, LOG_LEVEL: 'LOUD' }, /LOG_LEVEL/],
    [{ ...base, GENESYS_GUEST_API_PATH: 'no-slash' }, /GENESYS_GUEST_API_PATH/],
    [{ ...base, PII_DROP_ATTRIBUTES: 'ok, 9bad' }, /PII_DROP_ATTRIBUTES \(entry 1\)/],
    [{ ...base, AUDIT_IP_HASH_KEY: 'short' }, /AUDIT_IP_HASH_KEY: must be at least 32/],
    [{ ...base, GENESYS_PROFILE: 'chat' }, /GENESYS_PROFILE/],
    [
      { ...messenger, OIDC_ISSUER: 'http://id.example.com' },
      /OIDC_ISSUER: the issuer must be an https URL/,
    ],
    [
      { ...messenger, OIDC_ISSUER: 'https://id.example.com/' },
      /OIDC_ISSUER: must not end with a slash/,
    ],
    [{ ...messenger, OIDC_ISSUER: 'https://id.example.com/?x=1' }, /OIDC_ISSUER/],
    [
      { ...messenger, OIDC_REDIRECT_URIS: 'https://www.example.com/, http://evil.example/' },
      /OIDC_REDIRECT_URIS \(entry 1\)/,
    ],
    [{ ...messenger, OIDC_REDIRECT_URIS: 'https://www.example.com/#x' }, /OIDC_REDIRECT_URIS/],
    [{ ...messenger, OIDC_SIGNING_KEY_ID: 'my key' }, /OIDC_SIGNING_KEY_ID: must be a KMS key id/],
    [{ ...messenger, OIDC_CODE_TABLE: 'a b' }, /OIDC_CODE_TABLE: must be a DynamoDB table name/],
    [
      { ...messenger, OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: '299' },
      /OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: must be at least 300/,
    ],
    [
      { ...messenger, OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: '3601' },
      /OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: must be at most 3600/,
    ],
    [
      { ...messenger, OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: '899' },
      /OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: must be at least 900/,
    ],
    [
      { ...messenger, OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: '7776001' },
      /OIDC_REFRESH_TOKEN_LIFETIME_SECONDS: must be at most 7776000/,
    ],
    [
      { ...messenger, OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: '15m' },
      /OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: must be a whole number/,
    ],
    [
      { ...base, SITE_IDENTITY_REQUIRED: 'true' },
      /SITE_IDENTITY_REQUIRED: needs SITE_IDENTITY_ISSUERS/,
    ],
    [{ ...base, SITE_IDENTITY_REQUIRED: 'yes' }, /SITE_IDENTITY_REQUIRED: must be true or false/],
    [{ ...base, SITE_IDENTITY_ISSUERS: '{' }, /SITE_IDENTITY_ISSUERS: must be a JSON array/],
    [
      {
        ...base,
        SITE_IDENTITY_ISSUERS: JSON.stringify([
          { issuer: 'https://login.brand.example', audience: 'web', subject: 'site' },
          { issuer: 'https://id.partner.example', audience: 'web', subject: 'site' },
        ]),
      },
      /SITE_IDENTITY_ISSUERS \(entry 1\.subject\): uses subject "site" as https:\/\/login\.brand\.example does: only one issuer may/,
    ],
    [
      { ...base, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000', AWS_SESSION_TOKEN: 't' },
      /PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: must be a port number/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the messenger profile’s settings', () => {
    const config = loadConfig({
      ...base,
      GENESYS_PROFILE: 'messenger',
      OIDC_ISSUER: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1',
      OIDC_REDIRECT_URIS:
        'https://www.example.com/, https://www.example.com/chat,https://www.example.com/',
      OIDC_CLIENT_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:oidc-AbCdEf',
      OIDC_SERVICE_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
      OIDC_SIGNING_KEY_ID: 'alias/guest-token-signing',
      OIDC_NEXT_SIGNING_KEY_ID: 'alias/guest-token-signing-next',
      OIDC_CODE_TABLE: 'guest-codes',
    });
    expect(messengerOf(config)).toEqual({
      issuer: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1',
      redirectUris: ['https://www.example.com/', 'https://www.example.com/chat'],
      clientSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:oidc-AbCdEf',
      serviceKeySecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
      signingKeyId: 'alias/guest-token-signing',
      previousSigningKeyId: undefined,
      nextSigningKeyId: 'alias/guest-token-signing-next',
      serves: 'all',
      codeTable: 'guest-codes',
      accessTokenLifetimeSeconds: 900,
      refreshTokenLifetimeSeconds: 86_400,
    });
    expect(
      messengerOf(loadConfig({ ...messenger, OIDC_ACCESS_TOKEN_LIFETIME_SECONDS: '3600' }))
        .accessTokenLifetimeSeconds,
    ).toBe(3600);
  });

  it('reads each profile’s variables only for that profile', () => {
    expect(loadConfig({ ...base, OIDC_CODE_TABLE: 'a b' })).not.toHaveProperty('messenger');
    expect(loadConfig({ ...messenger, GENESYS_ENVIRONMENT: 'x' })).not.toHaveProperty('guestApi');
  });

  it('names every setting Lambda cannot run without, for the profile it runs', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env, { lambda: true });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems(base)).toEqual(['GENESYS_CREDENTIALS_SECRET_ID: is required in Lambda']);
    expect(problems({ ...base, GENESYS_CREDENTIALS_SECRET_ID: 'genesys' })).toEqual([]);
    expect(problems({ ...messenger, OIDC_ISSUER: 'https://id.example.com' })).toEqual([
      'OIDC_REDIRECT_URIS: is required in Lambda for the messenger profile',
      'OIDC_CLIENT_SECRET_ID: is required in Lambda for the messenger profile',
      'OIDC_SERVICE_KEY_SECRET_ID: is required in Lambda for the messenger profile',
      'OIDC_SIGNING_KEY_ID: is required in Lambda for the messenger profile',
      'OIDC_CODE_TABLE: is required in Lambda for the messenger profile',
    ]);
    const pairwise = JSON.stringify([{ issuer: 'https://login.example.com', audience: 'web' }]);
    expect(
      problems({ ...base, GENESYS_CREDENTIALS_SECRET_ID: 'g', SITE_IDENTITY_ISSUERS: pairwise }),
    ).toEqual(['SITE_SUBJECT_KEY_SECRET_ID: is required in Lambda for pairwise subjects']);
    // Locally each has a development stand-in.
    expect(() => loadConfig({ ...base, SITE_IDENTITY_ISSUERS: pairwise })).not.toThrow();
  });

  it('reads the Lambda runtime’s variables: the function name and the secrets extension', () => {
    const { runtime } = loadConfig({
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: 'proxy',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
      AWS_SESSION_TOKEN: 'session',
    });
    expect(runtime).toEqual({
      functionName: 'proxy',
      secretsExtension: { port: 2773, sessionToken: 'session' },
    });
    // Without the token the extension would refuse every call: the SDK reads instead.
    expect(
      loadConfig({ ...base, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773' }).runtime
        .secretsExtension,
    ).toBeUndefined();
  });

  it('allows plain http only for loopback upstreams', () => {
    for (const url of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010']) {
      const config = loadConfig({ ...base, GENESYS_API_BASE_URL: url });
      expect(guestApi(config).endpoints.guestUrl).toContain(url);
    }
  });
});
