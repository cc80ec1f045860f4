import { redact } from '../../lambda/platform/observability';

const stringify = (value: unknown) => JSON.stringify(value, redact);
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJndWVzdCJ9.c2lnbmF0dXJl';

describe('log redaction', () => {
  it('replaces values under sensitive keys at any depth', () => {
    const line = stringify({
      accessToken: 'abc',
      nested: { clientSecret: 's3cr3t', Authorization: 'Basic xyz', email: 'ada@example.com' },
      customAttributes: { plan: 'gold' },
      visitorName: 'Ada Lovelace',
      runtime: { secretsExtension: { port: 2773, sessionToken: 'IQoJb3JpZ2lu' } },
      keep: 'visible',
    });
    expect(JSON.parse(line)).toEqual({
      accessToken: '[REDACTED]',
      nested: { clientSecret: '[REDACTED]', Authorization: '[REDACTED]', email: '[REDACTED]' },
      customAttributes: '[REDACTED]',
      visitorName: '[REDACTED]',
      runtime: { secretsExtension: { port: 2773, sessionToken: '[REDACTED]' } },
      keep: 'visible',
    });
  });

  it('replaces JWTs, bearer and basic credentials and emails inside any string', () => {
    const line = stringify({
      message: `got ${JWT} with Bearer abc.def and Basic Zm9vOmJhcg== from ada@example.com`,
    });
    expect(line).not.toContain(JWT);
    expect(line).not.toContain('abc.def');
    expect(line).not.toContain('Zm9vOmJhcg==');
    expect(line).not.toContain('ada@example.com');
    expect(JSON.parse(line).message).toBe(
      'got [REDACTED] with Bearer [REDACTED] and Basic [REDACTED] from [REDACTED]',
    );
  });
});
