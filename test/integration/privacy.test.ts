// What leaves the proxy and what reaches its logs. The Guest API (the emulator records what it
// received) gets scrubbed attributes only; a tour of every kind of scenario at DEBUG level
// leaves no secret, token, name, email or attribute value in any captured log line; audit
// events have the documented shape.

import { DEV_CREDENTIALS } from '../../dev/genesys-emulator';
import { type Harness, ORIGIN, startHarness } from '../fixtures/harness';

const PII_VISITOR = {
  name: 'Augusta Ada King-Noel',
  email: 'augusta.king@example.org',
  pageUrl: 'https://www.example.com/support/billing?account=884421&session=abc#chat',
  reason: 'expired',
  customAttributes: {
    plan: 'premium-annual',
    orderNumber: '4111 1111 1111 1112', // 16 digits, fails Luhn: an order number, kept
    paymentNote: 'card 4111-1111-1111-1111 was declined',
    taxId: 'my SSN is 123-45-6789 thanks',
    refund: 'to GB82 WEST 1234 5698 7654 32 please',
    contact: 'reach me on +44 20 7946 0958 or augusta.k@example.net',
    cardOnFile: '5500 0000 0000 0004',
    loyaltyPoints: 1200,
    vip: true,
  },
};

describe('privacy', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('sends the Guest API scrubbed attributes only, with sourcePage and sessionTimestamp added', async () => {
    h = await startHarness({ env: { PII_DROP_ATTRIBUTES: 'cardOnFile, taxId' } });
    const answer = await h.invoke({ body: PII_VISITOR });
    expect(answer.status).toBe(200);

    expect(h.emulator.received).toEqual([
      {
        name: PII_VISITOR.name,
        email: PII_VISITOR.email,
        customAttributes: {
          plan: 'premium-annual',
          orderNumber: '4111 1111 1111 1112',
          paymentNote: 'card [card] was declined',
          refund: 'to [iban] please',
          contact: 'reach me on [phone] or [email]',
          loyaltyPoints: 1200,
          vip: true,
          sourcePage: 'https://www.example.com/support/billing',
          sessionTimestamp: new Date(h.clock()).toISOString(),
        },
      },
    ]);
    // taxId and cardOnFile held PII and are configured to be dropped whole.
    const received = JSON.stringify(h.emulator.received);
    for (const pii of ['4111-1111-1111-1111', '123-45-6789', '5500 0000 0000 0004', 'WEST'])
      expect(received).not.toContain(pii);
  });

  it.each([
    ['an SSN', 'Ada 123-45-6789', 'Ada [ssn]'],
    ['a card number', 'Ada 4111 1111 1111 1111', 'Ada [card]'],
    ['an email', 'Ada ada.lovelace@example.com', 'Ada [email]'],
  ])('masks %s in the typed name, and says so in scrubbedKeys', async (_kind, name, masked) => {
    h = await startHarness();
    const answer = await h.invoke({
      body: { name, pageUrl: 'https://www.example.com/orders/123-45-6789/help?x=1' },
    });
    expect(answer.status).toBe(200);
    expect(h.emulator.received[0]).toMatchObject({
      name: masked,
      customAttributes: { sourcePage: 'https://www.example.com/orders/[ssn]/help' },
    });
    const [issued] = h.logs.json().filter((line) => line.message === 'guest-token.issued');
    expect(issued?.audit).toMatchObject({ scrubbedKeys: ['name', 'sourcePage'] });
    expect(h.logs.lines.join('\n')).not.toContain(name);
  });

  it('logs attribute keys and which keys were scrubbed, never values, in the audit event', async () => {
    h = await startHarness({ env: { PII_DROP_ATTRIBUTES: 'cardOnFile' } });
    await h.invoke({ body: PII_VISITOR, sourceIp: '198.51.100.23' });

    const [issued] = h.logs.json().filter((line) => line.message === 'guest-token.issued');
    expect(issued).toMatchObject({
      level: 'INFO',
      correlation_id: expect.any(String),
      function_request_id: expect.any(String),
      audit: {
        event: 'issued',
        guestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        origin: ORIGIN,
        clientIpHash: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        attributeKeys: Object.keys(PII_VISITOR.customAttributes),
        scrubbedKeys: ['paymentNote', 'taxId', 'refund', 'contact', 'cardOnFile'],
        reason: 'expired',
        upstreamLatencyMs: expect.any(Number),
      },
    });
    expect(JSON.stringify(issued)).not.toContain('198.51.100.23');
  });

  it('hashes the same client IP to the same value under a configured key, and others apart', async () => {
    h = await startHarness({ env: { AUDIT_IP_HASH_KEY: 'k'.repeat(32) } });
    await h.invoke({ sourceIp: '198.51.100.23' });
    await h.invoke({ sourceIp: '198.51.100.23' });
    await h.invoke({ sourceIp: '198.51.100.24' });
    const hashes = h.logs
      .json()
      .filter((line) => line.message === 'guest-token.issued')
      .map((line) => (line.audit as { clientIpHash: string }).clientIpHash);
    expect(hashes).toHaveLength(3);
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
  });

  it('flags the cold start and publishes the documented metrics as EMF', async () => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand'; // what Lambda's runtime sets
    try {
      h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    } finally {
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
    await h.invoke();
    await h.invoke();

    const lines = h.logs.json();
    const audits = lines.filter((line) => 'audit' in line);
    expect(audits.map((line) => [line.message, line.cold_start])).toEqual([
      ['guest-token.issued', true],
      ['guest-token.refused', false],
    ]);
    const published = h.logs.metricNames();
    expect(published.sort()).toEqual(
      [
        'ColdStart',
        'Requests',
        'OAuthRefreshes',
        'KeySetRefreshes',
        'TokensIssued',
        'TokensIssued', // again, by visitor kind (guest)
        'OAuthLatency',
        'MintLatency',
        'Requests',
        'Refusals',
      ].sort(),
    );
    const byVisitor = lines.find((line) => line.visitor !== undefined && '_aws' in line);
    expect(byVisitor).toMatchObject({ visitor: 'guest', TokensIssued: 1 });
    expect(
      lines.some((line) => line.message?.toString().startsWith('No application metrics')),
    ).toBe(false);
  });

  it('keeps every secret, token and personal value out of the logs across all scenarios', async () => {
    h = await startHarness({
      env: { LOG_LEVEL: 'DEBUG', RATE_LIMIT_PER_MINUTE: '40' },
    });
    const e = h.emulator;
    const visitor = (n: number) => ({ ...PII_VISITOR, name: `${PII_VISITOR.name} ${n}` });

    // Success, a preflight, and each refusal the request itself causes.
    expect((await h.invoke({ body: visitor(1) })).status).toBe(200);
    await h.invoke({ method: 'OPTIONS', body: undefined });
    await h.invoke({ body: { ...visitor(2), email: 'not-an-email-but-personal' } });
    await h.invoke({ body: `{"name":"${PII_VISITOR.name} 3","email":"broken@example.org"` });
    await h.invoke({ body: visitor(4), headers: { Origin: 'https://evil.example' } });
    await h.invoke({ body: visitor(5), headers: { 'User-Agent': 'python-requests/2.32' } });
    await h.invoke({ body: visitor(6), headers: { 'Content-Type': 'text/plain' } });
    // Upstream faults: OAuth down, mint throttled, a revoked token, a rotated client secret,
    // a bad signature, wrong claims, key set down after a rotation.
    e.revokeTokens();
    e.inject('mint', { kind: 'status', status: 429, retryAfter: '7' });
    await h.invoke({ body: visitor(7) });
    e.revokeTokens();
    expect((await h.invoke({ body: visitor(8) })).status).toBe(200);
    e.inject('mint', { kind: 'badSignature' });
    await h.invoke({ body: visitor(9) });
    e.inject('mint', { kind: 'claims', claims: { iss: 'https://attacker.example' } });
    await h.invoke({ body: visitor(10) });
    await e.rotateKey({ keepOld: false });
    e.inject('keys', { kind: 'status', status: 503 });
    await h.invoke({ body: visitor(11) });
    e.setClientSecret(DEV_CREDENTIALS.clientId, 'a-rotated-secret-the-proxy-does-not-have');
    e.revokeTokens();
    await h.invoke({ body: visitor(12) });
    e.setClientSecret(DEV_CREDENTIALS.clientId, DEV_CREDENTIALS.clientSecret);
    e.inject('oauth', { kind: 'drop' });
    e.revokeTokens();
    await h.invoke({ body: visitor(13) });
    // Rate limited last.
    for (let n = 14; n < 60; n++) await h.invoke({ body: visitor(n) });

    const levels = h.logs.json().map((line) => line.level);
    expect(levels).toEqual(expect.arrayContaining(['INFO', 'WARN']));
    expect(e.secrets().length).toBeGreaterThan(10); // the sweep has tokens to look for
    expect(h.leaks()).toEqual([]);
  });

  it('the sweep finds a value that did reach a line, so an empty result above means something', async () => {
    h = await startHarness();
    const answer = await h.invoke({ body: { name: 'Grace Brewster Hopper' } });
    expect(h.leaks()).toEqual([]);
    process.stdout.write(`debugging ${answer.body.accessToken} for Grace Brewster Hopper\n`);
    expect(h.leaks().sort()).toEqual([answer.body.accessToken, 'Grace Brewster Hopper'].sort());
    h.logs.lines.length = 0; // so close() does not fail on the line written on purpose
  });
});
