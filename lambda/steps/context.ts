// The shapes that travel along the Middy chain: the API Gateway (REST, v1) proxy event in,
// the proxy result out, and what each step leaves in the context for the next one.

import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { VerifiedCustomer } from './site-identity/verify-identity-token';

export type RefreshReason = 'initial' | 'refresh' | 'expired';
export type AttributeValue = string | number | boolean;

/** The validated request body (step ②). */
export interface Visitor {
  name: string;
  email?: string;
  pageUrl?: string;
  reason?: RefreshReason;
  customAttributes: Record<string, AttributeValue>;
  /** The site's own sign-in, as a compact JWS, still unverified (step ⑤ checks it). */
  identityToken?: string;
}

/** What is forwarded upstream (both profiles): the visitor after validation and PII scrubbing. */
export interface GuestPayload {
  name: string;
  email?: string;
  customAttributes: Record<string, AttributeValue>;
}

export interface PipelineContext extends Context {
  visitor?: Visitor;
  /** The fields a profile added to the body (step ②, ParseRequestOptions.extraFields). */
  extraFields?: Readonly<Record<string, unknown>>;
  /** What goes to Genesys (step ④). */
  guest?: GuestPayload;
  /** Keys of attributes in which PII was found, for the audit log. */
  scrubbedKeys?: string[];
  /** A known customer (step ⑤): the trusted issuer and the verified claims. */
  customer?: VerifiedCustomer;
}

export type PipelineEvent = APIGatewayProxyEvent;
export type PipelineResult = APIGatewayProxyResult;
export type PipelineRequest = Request<PipelineEvent, PipelineResult, Error, PipelineContext>;
export type PipelineMiddleware = MiddlewareObj<
  PipelineEvent,
  PipelineResult,
  Error,
  PipelineContext
>;

/** Headers on every answer, success or error: nothing here may be cached or sniffed. */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
};

/** Header lookup after @middy/http-header-normalizer has lower-cased the names. */
export function header(event: PipelineEvent, name: string): string | undefined {
  return event.headers?.[name] ?? undefined;
}

/** The caller's address as API Gateway saw it (never a client-supplied X-Forwarded-For hop). */
export function sourceIp(event: PipelineEvent): string {
  return event.requestContext?.identity?.sourceIp ?? 'unknown';
}
