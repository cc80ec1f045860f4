// Step ②: the raw POST becomes a typed Visitor: method, media type and size before parsing, a strict
// schema after, and a 400 naming the field without echoing its value (docs/web.md).

import * as z from 'zod/mini';
import {
  InvalidRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../platform/errors';
import { header, type PipelineMiddleware, type PipelineRequest, type Visitor } from './context';
import '../platform/zod-messages';
import type { WarmUp } from '../platform/warm-up';

export const MAX_BODY_BYTES = 8 * 1024;
export const MAX_ATTRIBUTES = 20;
export const DEFAULT_GUEST_NAME = 'Anonymous Guest';
export const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** A site identity token: a compact JWS (three base64url parts), at most 6,000 characters. */
export const MAX_IDENTITY_TOKEN_LENGTH = 6_000;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const visitorSchema = z.strictObject({
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  email: z.optional(z.email().check(z.maxLength(254))),
  pageUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
  reason: z.optional(z.enum(['initial', 'refresh', 'expired'])),
  identityToken: z.optional(
    z
      .string()
      .check(
        z.maxLength(MAX_IDENTITY_TOKEN_LENGTH),
        z.regex(COMPACT_JWS, 'must be a compact JWS (three base64url parts)'),
      ),
  ),
  customAttributes: z.optional(
    z
      .record(
        z.string().check(z.regex(ATTRIBUTE_KEY)),
        z.union([z.string().check(z.maxLength(256)), z.number(), z.boolean()]),
      )
      .check(
        z.refine((attributes) => Object.keys(attributes).length <= MAX_ATTRIBUTES, {
          message: `at most ${MAX_ATTRIBUTES} attributes are allowed`,
        }),
      ),
  ),
});

/** Fields a profile adds to the body (the messenger's code request), as a zod shape. */
export type ExtraFields = Record<string, z.ZodMiniType>;

export interface ParseRequestOptions {
  /** Built on first use; parsed with the visitor's fields, left in `context.extraFields`. */
  extraFields?: () => ExtraFields;
}

/** A body with every optional field, for the schema's first parse at init. */
const WARM_UP_BODY = {
  name: 'Warm Up',
  email: 'warm.up@example.com',
  pageUrl: 'https://www.example.com/warm-up',
  reason: 'initial',
  customAttributes: { plan: 'gold' },
};

export function parseRequest({
  extraFields,
}: ParseRequestOptions = {}): PipelineMiddleware & WarmUp {
  // Built on first use, once per container: the extended schema and the keys the profile added.
  let extended: { schema: z.ZodMiniType<Record<string, unknown>>; keys: string[] } | undefined;
  const profileFields = (fields: () => ExtraFields) => {
    if (!extended) {
      const shape = fields();
      extended = { schema: z.extend(visitorSchema, shape), keys: Object.keys(shape) };
    }
    return extended;
  };
  const schema = () => (extraFields ? profileFields(extraFields).schema : visitorSchema);
  const parseRequestBefore = async (request: PipelineRequest): Promise<void> => {
    const { event } = request;
    if (event.httpMethod !== 'POST') throw new MethodNotAllowedError(event.httpMethod ?? '');
    if (!isJson(header(event, 'content-type'))) throw new UnsupportedMediaTypeError();

    const raw = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64')
      : Buffer.from(event.body ?? '', 'utf8');
    if (raw.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);

    const data = check(schema(), parseJsonObject(raw));
    request.context.visitor = visitorFrom(data as z.infer<typeof visitorSchema>);
    if (extraFields)
      request.context.extraFields = Object.fromEntries(
        profileFields(extraFields).keys.map((key) => [key, data[key]]),
      );
  };
  return { before: parseRequestBefore, warmUp: () => schema().safeParse(WARM_UP_BODY) };
}

/** application/json, optionally with charset=utf-8; nothing else. */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  return params.every((param) => param === '' || param.replace(/\s/g, '') === 'charset=utf-8');
}

function parseJsonObject(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let json: unknown;
  try {
    json = JSON.parse(text.decode(raw), refusePrototypeKeys);
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    throw new InvalidRequestError('Request body is not valid UTF-8 JSON', { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRequestError('Request body must be a JSON object');
  }
  return json;
}

/** `__proto__` is never a legitimate field or attribute name; refuse it wherever it appears. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new InvalidRequestError('"__proto__" is not an allowed key');
  return value;
}

/** A request body already read as JSON, checked as step ② checks it (for the init warm-up). */
export function parseVisitor(json: unknown): Visitor {
  return visitorFrom(check(visitorSchema, json));
}

function check<T>(schema: z.ZodMiniType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    const message = issue?.message ?? 'invalid';
    throw new InvalidRequestError(`${field}: ${message}`);
  }
  return parsed.data;
}

function visitorFrom(data: z.infer<typeof visitorSchema>): Visitor {
  const { name, email, pageUrl, reason, identityToken, customAttributes } = data;
  return {
    name: name ?? DEFAULT_GUEST_NAME,
    ...(identityToken !== undefined && { identityToken }),
    ...(email !== undefined && { email }),
    ...(pageUrl !== undefined && { pageUrl }),
    ...(reason !== undefined && { reason }),
    customAttributes: customAttributes ?? {},
  };
}
