import fc from 'fast-check';
import type { Visitor } from '../../lambda/steps/context';
import { ibanValid, luhnValid, scrubValue, scrubVisitor } from '../../lambda/steps/pii-scrub';
import { manualClock } from '../fixtures/manual-clock';

describe('scrubValue', () => {
  it.each([
    ['a card number', 'card 4111111111111111 please', 'card [card] please', 'card'],
    ['a card with spaces', 'pay with 4111 1111 1111 1111', 'pay with [card]', 'card'],
    ['a card with dashes', '5500-0000-0000-0004', '[card]', 'card'],
    ['a 15-digit Amex', '3782 822463 10005', '[card]', 'card'],
    ['a US SSN', 'ssn 123-45-6789', 'ssn [ssn]', 'ssn'],
    ['an SSN with spaces', '123 45 6789', '[ssn]', 'ssn'],
    ['an IBAN', 'iban GB82 WEST 1234 5698 7654 32 ok', 'iban [iban] ok', 'iban'],
    ['a compact IBAN', 'DE89370400440532013000', '[iban]', 'iban'],
    [
      'an email in free text',
      'write to ada.l@example.co.uk today',
      'write to [email] today',
      'email',
    ],
    ['an international phone number', 'call +44 20 7946 0958', 'call [phone]', 'phone'],
    ['a US phone number', 'call (555) 123-4567.', 'call [phone].', 'phone'],
  ])('masks %s', (_name, input, output, kind) => {
    expect(scrubValue(input)).toEqual({ value: output, kinds: [kind] });
  });

  it.each([
    ['a 16-digit order number that fails Luhn', '1234567812345678'],
    ['a dashed order number that fails Luhn', '1234-5678-1234-5678'],
    ['a short number', 'order 12345'],
    ['a date', '2026-11-24'],
    ['an IP address', '192.168.100.200'],
    ['an SSN-shaped number in an invalid range', '000-12-3456'],
    ['a bare run of ten digits', 'account 1234567890'],
    ['plain text', 'gold plan, annual'],
  ])('keeps %s', (_name, input) => {
    expect(scrubValue(input)).toEqual({ value: input, kinds: [] });
  });

  it('does not call an IBAN with wrong check digits an IBAN', () => {
    expect(scrubValue('GB00 WEST 1234 5698 7654 32').kinds).not.toContain('iban');
  });

  it('checks numbers by their digits and leaves booleans alone', () => {
    expect(scrubValue(4111111111111111)).toEqual({ value: '[card]', kinds: ['card'] });
    expect(scrubValue(1234567812345678)).toEqual({ value: 1234567812345678, kinds: [] });
    expect(scrubValue(true)).toEqual({ value: true, kinds: [] });
  });

  it('never lets a Luhn-valid card number through, however it is written', () => {
    const card = fc
      .array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 })
      .map((digits) => {
        // Append the Luhn check digit.
        let sum = 0;
        for (let i = 0; i < digits.length; i++) {
          let d = digits[digits.length - 1 - i] as number;
          if (i % 2 === 0) {
            d *= 2;
            if (d > 9) d -= 9;
          }
          sum += d;
        }
        return [...digits, (10 - (sum % 10)) % 10].join('');
      });
    const separator = fc.constantFrom('', ' ', '-');
    const words = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ':', 'é'), maxLength: 12 });
    fc.assert(
      fc.property(card, separator, words, words, (digits, sep, before, after) => {
        expect(luhnValid(digits)).toBe(true);
        const written = digits.match(/.{1,4}/g)?.join(sep) ?? digits;
        const { value } = scrubValue(`${before} ${written} ${after}`);
        expect(String(value).replace(/\D/g, '')).not.toContain(digits);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('check-digit helpers', () => {
  it('validates Luhn and IBAN check digits', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB83WEST12345698765432')).toBe(false);
  });
});

describe('scrubVisitor', () => {
  const clock = manualClock();
  const visitor: Visitor = {
    name: 'Ada',
    email: 'ada@example.com',
    pageUrl: 'https://shop.example.com/checkout?email=ada@example.com#pay',
    customAttributes: { note: 'card 4111111111111111', plan: 'gold', contact: 'ada@example.com' },
  };

  it('masks by default, adds sourcePage without query or fragment, and sessionTimestamp', () => {
    const { guest, scrubbedKeys } = scrubVisitor(visitor, { clock });
    expect(guest).toEqual({
      name: 'Ada',
      email: 'ada@example.com',
      customAttributes: {
        note: 'card [card]',
        plan: 'gold',
        contact: '[email]',
        sourcePage: 'https://shop.example.com/checkout',
        sessionTimestamp: '2026-11-24T12:00:00.000Z',
      },
    });
    expect(scrubbedKeys).toEqual(['note', 'contact']);
  });

  it('drops attributes configured to be dropped when they hold PII', () => {
    const { guest } = scrubVisitor(visitor, { clock, dropAttributes: ['note', 'plan'] });
    expect(Object.keys(guest.customAttributes)).toEqual([
      'plan',
      'contact',
      'sourcePage',
      'sessionTimestamp',
    ]);
  });

  it('lets the server-side fields win over client-sent ones', () => {
    const { guest } = scrubVisitor(
      {
        name: 'Ada',
        customAttributes: { sessionTimestamp: 'yesterday', sourcePage: 'https://evil.example' },
      },
      { clock },
    );
    expect(guest.customAttributes.sessionTimestamp).toBe('2026-11-24T12:00:00.000Z');
    expect(guest.customAttributes.sourcePage).toBe('https://evil.example');
  });
});
