// Step ④: PII never leaves in a free-text value (the name, customAttributes, the source page):
// cards (Luhn), SSNs, IBANs (mod-97), emails and phone numbers are masked, or an attribute dropped
// where configured; only the keys of what was scrubbed are reported.

import type { Clock } from '../platform/clock';
import type { WarmUp } from '../platform/warm-up';
import type {
  AttributeValue,
  GuestPayload,
  PipelineMiddleware,
  PipelineRequest,
  Visitor,
} from './context';

export type PiiKind = 'card' | 'ssn' | 'iban' | 'email' | 'phone';

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  confirm?: (match: string) => boolean;
}

const DETECTORS: readonly Detector[] = [
  { kind: 'card', pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g, confirm: luhnValid },
  // Country, check digits, then groups of four (optionally space-separated) and a short tail.
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    confirm: ibanValid,
  },
  { kind: 'ssn', pattern: /(?<!\d)(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}(?!\d)/g },
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  // A phone number needs a leading + or separators between groups: bare digit runs are far
  // more often order or account numbers.
  {
    kind: 'phone',
    pattern:
      /(?<![\w+.-])(?:\+\d[\d ().-]{8,20}\d|\(?\d{2,4}\)?[ .-]\d{2,4}[ .-]\d{3,5}(?:[ .-]\d{2,5})?)(?![\w-])/g,
    confirm: (match) => {
      if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(match)) return false; // an IPv4 address
      const digits = match.replace(/\D/g, '').length;
      return digits >= 10 && digits <= 15;
    },
  },
];

export interface ScrubResult {
  value: AttributeValue;
  kinds: PiiKind[];
}

/** Masks every PII match in one value; numbers are checked by their decimal text. */
export function scrubValue(value: AttributeValue): ScrubResult {
  if (typeof value === 'boolean') return { value, kinds: [] };
  let text = typeof value === 'number' ? String(value) : value;
  const kinds: PiiKind[] = [];
  for (const { kind, pattern, confirm } of DETECTORS) {
    text = text.replace(pattern, (match) => {
      if (confirm && !confirm(match)) return match;
      if (!kinds.includes(kind)) kinds.push(kind);
      return `[${kind}]`;
    });
  }
  return kinds.length === 0 ? { value, kinds } : { value: text, kinds };
}

export interface ScrubOptions {
  clock: Clock;
  /** Attribute keys that are dropped whole, rather than masked, when they hold PII. */
  dropAttributes?: readonly string[];
}

export interface ScrubbedGuest {
  guest: GuestPayload;
  scrubbedKeys: string[];
}

export function scrubVisitor(
  visitor: Visitor,
  { clock, dropAttributes = [] }: ScrubOptions,
): ScrubbedGuest {
  const drop = new Set(dropAttributes);
  const customAttributes: Record<string, AttributeValue> = {};
  const scrubbedKeys: string[] = [];
  /** The value with its PII masked, its key reported when there was any. */
  const masked = (key: string, raw: string): string => {
    const { value, kinds } = scrubValue(raw);
    if (kinds.length > 0) scrubbedKeys.push(key);
    return String(value);
  };
  const name = masked('name', visitor.name);
  for (const [key, raw] of Object.entries(visitor.customAttributes)) {
    const { value, kinds } = scrubValue(raw);
    if (kinds.length > 0) scrubbedKeys.push(key);
    if (kinds.length > 0 && drop.has(key)) continue;
    customAttributes[key] = value;
  }
  if (visitor.pageUrl)
    customAttributes.sourcePage = masked('sourcePage', withoutQuery(visitor.pageUrl));
  customAttributes.sessionTimestamp = new Date(clock()).toISOString();
  return {
    guest: {
      name,
      ...(visitor.email !== undefined && { email: visitor.email }),
      customAttributes,
    },
    scrubbedKeys,
  };
}

/** A visitor whose attributes hold each kind of PII, for the patterns' first match at init. */
const WARM_UP_VISITOR: Visitor = {
  name: 'Warm Up',
  email: 'warm.up@example.com',
  pageUrl: 'https://www.example.com/warm-up?x=1',
  customAttributes: { note: 'card 4111 1111 1111 1111, call +1 555 0100', plan: 'gold' },
};

export function scrub(options: ScrubOptions): PipelineMiddleware & WarmUp {
  const scrubBefore = async (request: PipelineRequest): Promise<void> => {
    const visitor = request.context.visitor;
    if (!visitor) throw new Error('scrub ran before the request was parsed');
    const { guest, scrubbedKeys } = scrubVisitor(visitor, options);
    request.context.guest = guest;
    request.context.scrubbedKeys = scrubbedKeys;
  };
  return { before: scrubBefore, warmUp: () => scrubVisitor(WARM_UP_VISITOR, options) };
}

function withoutQuery(pageUrl: string): string {
  const url = new URL(pageUrl);
  return `${url.origin}${url.pathname}`;
}

export function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check digits: move the first four characters to the end, letters to numbers, mod 97. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}
