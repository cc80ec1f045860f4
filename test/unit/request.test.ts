import { MAX_BODY_BYTES } from '../../lambda/steps/validate-request';
import { type Harness, startHarness } from '../fixtures/harness';

// The parse step through the real chain; every refusal here happens before any upstream call.
describe('request parsing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  afterEach(() => expect(h.emulator.received).toHaveLength(0));
  beforeEach(() => h.emulator.resetCounters());

  it.each([
    ['application/json; charset=utf-8'],
    ['Application/JSON'],
    ['application/json;charset=UTF-8'],
  ])('accepts Content-Type %s', async (contentType) => {
    const answer = await h.invoke({ headers: { 'content-type': contentType } });
    expect(answer.status).toBe(200);
    h.emulator.received.length = 0;
  });

  it.each([
    ['text/plain'],
    ['application/json; charset=latin1'],
    ['application/jsonp'],
    ['multipart/form-data'],
  ])('refuses Content-Type %s with 415', async (contentType) => {
    expect((await h.invoke({ headers: { 'Content-Type': contentType } })).status).toBe(415);
  });

  it('refuses a request with no Content-Type with 415', async () => {
    expect((await h.invoke({ headers: { 'Content-Type': '' } })).status).toBe(415);
  });

  it('measures the cap in bytes, not characters', async () => {
    const atCap = JSON.stringify({ name: 'a' }).length;
    const multiByte = '€'.repeat(Math.ceil((MAX_BODY_BYTES - atCap) / 3) + 10).slice(0, 100);
    const padded = JSON.stringify({ name: multiByte, customAttributes: { note: '€'.repeat(255) } });
    expect(Buffer.byteLength(padded)).toBeLessThan(MAX_BODY_BYTES);
    expect((await h.invoke({ body: padded })).status).toBe(200);
    h.emulator.received.length = 0;
    const over = JSON.stringify({ name: 'Ada', x: '€'.repeat(MAX_BODY_BYTES / 3 + 1) });
    expect((await h.invoke({ body: over })).status).toBe(413);
  });

  it.each<[string, unknown, RegExp]>([
    ['an array body', '[]', /JSON object/],
    ['a string body', '"hi"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['a blank name', { name: '   ' }, /^name: /],
    ['a bad email', { email: 'not-an-email' }, /^email: /],
    ['a long email', { email: `${'a'.repeat(250)}@example.com` }, /^email: /],
    ['a javascript: pageUrl', { pageUrl: 'javascript:alert(1)' }, /^pageUrl: /],
    ['a relative pageUrl', { pageUrl: '/checkout' }, /^pageUrl: /],
    ['an unknown reason', { reason: 'because' }, /^reason: /],
    ['a bad attribute key', { customAttributes: { '1abc': 'x' } }, /^customAttributes\.1abc: /],
    ['a __proto__ attribute key', '{"customAttributes":{"__proto__":"x"}}', /__proto__/],
    [
      'an object attribute value',
      { customAttributes: { plan: { tier: 1 } } },
      /^customAttributes\.plan: /,
    ],
    ['a null attribute value', { customAttributes: { plan: null } }, /^customAttributes\.plan: /],
    [
      'a long attribute value',
      { customAttributes: { plan: 'x'.repeat(257) } },
      /^customAttributes\.plan: /,
    ],
    [
      '21 attributes',
      { customAttributes: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) },
      /at most 20/,
    ],
    ['a wrong type for name', { name: 42 }, /^name: /],
    ['an unknown field', { name: 'Ada', role: 'admin' }, /role/],
    [
      'invalid UTF-8',
      Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('latin1'),
      /./,
    ],
  ])('refuses %s with 400 naming the field', async (_name, body, message) => {
    const answer = await h.invoke({ body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_REQUEST');
    expect(answer.body.error.message).toMatch(message);
  });

  it('treats an empty body as an anonymous guest', async () => {
    const answer = await h.invoke({ body: undefined });
    expect(answer.status).toBe(200);
    expect(h.emulator.received[0]?.name).toBe('Anonymous Guest');
    h.emulator.received.length = 0;
  });

  it('sends the trimmed name, the email and the attributes on to Genesys', async () => {
    await h.invoke({
      body: {
        name: '  Ada  ',
        email: 'ada@example.com',
        customAttributes: { plan: 'gold', seats: 3, vip: true },
      },
    });
    expect(h.emulator.received[0]).toEqual({
      name: 'Ada',
      email: 'ada@example.com',
      customAttributes: {
        plan: 'gold',
        seats: 3,
        vip: true,
        sessionTimestamp: new Date(h.clock()).toISOString(),
      },
    });
    h.emulator.received.length = 0;
  });
});
