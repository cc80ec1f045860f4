import { DEFAULT_BOT_USER_AGENT_PATTERNS, loadConfig } from '../../lambda/config';
import { ConfigError } from '../../lambda/platform/errors';

const base = { ALLOWED_ORIGINS: 'https://www.example.com' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toEqual({
      environment: 'mypurecloud.com',
      endpoints: {
        tokenUrl: 'https://login.mypurecloud.com/oauth/token',
        guestUrl: 'https://api.mypurecloud.com/api/v2/webchat/guest',
        keysUrl: 'https://api.mypurecloud.com/api/v2/oauth/publickey',
        issuer: 'https://api.mypurecloud.com',
        audience: 'https://api.mypurecloud.com',
      },
      credentialsSecretId: undefined,
      allowedOrigins: ['https://www.example.com'],
      rateLimitPerMinute: 20,
      botUserAgentPatterns: DEFAULT_BOT_USER_AGENT_PATTERNS,
      logLevel: 'INFO',
      piiDropAttributes: [],
      auditIpHashKey: undefined,
      identity: { issuers: [], required: false, subjectKeySecretId: undefined },
      profile: 'guest-api',
      oidc: {
        issuer: undefined,
        redirectUris: [],
        clientSecretId: undefined,
        signingKeyId: undefined,
        previousSigningKeyId: undefined,
        codeTable: undefined,
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives every endpoint from the environment, login host included', () => {
    const { endpoints } = loadConfig({ ...base, GENESYS_ENVIRONMENT: 'euw2.pure.cloud' });
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
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(config.endpoints.guestUrl).toBe('https://gateway.example/custom/guest');
    expect(config.endpoints.issuer).toBe('https://issuer.example');
    expect(config.endpoints.audience).toBe('https://gateway.example');
    expect(config.rateLimitPerMinute).toBe(5);
    expect(config.botUserAgentPatterns).toEqual(['evilbot', 'scraper']);
    expect(config.logLevel).toBe('DEBUG');
    expect(config.piiDropAttributes).toEqual(['cardNumber', 'notes']);
    expect(config.auditIpHashKey).toBe('k'.repeat(32));
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
      OIDC_SIGNING_KEY_ID: 'alias/guest-token-signing',
      OIDC_CODE_TABLE: 'guest-codes',
    });
    expect(config.profile).toBe('messenger');
    expect(config.oidc).toEqual({
      issuer: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1',
      redirectUris: ['https://www.example.com/', 'https://www.example.com/chat'],
      clientSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:oidc-AbCdEf',
      signingKeyId: 'alias/guest-token-signing',
      previousSigningKeyId: undefined,
      codeTable: 'guest-codes',
    });
  });

  it('reads the OIDC variables only for the messenger profile', () => {
    expect(loadConfig({ ...base, OIDC_CODE_TABLE: 'a b' }).oidc.codeTable).toBeUndefined();
  });

  it('allows plain http only for loopback upstreams', () => {
    for (const url of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010']) {
      expect(loadConfig({ ...base, GENESYS_API_BASE_URL: url }).endpoints.guestUrl).toContain(url);
    }
  });
});
