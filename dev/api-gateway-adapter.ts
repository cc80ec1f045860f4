// Node's http server in front of the Lambda handler: each request becomes the API Gateway
// REST (v1) proxy event that the real stage would send, with a Lambda-like context, and the
// proxy result is written back (multi-value headers such as Set-Cookie included).

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PayloadTooLargeError } from '../lambda/platform/errors';
import { errorResult } from '../lambda/steps/error-response';

/** API Gateway itself refuses payloads over 10 MB; the adapter stops reading far earlier. */
const MAX_ADAPTER_BODY_BYTES = 1024 * 1024;
/** Matches the function timeout the stack sets, so middy's early timeout behaves the same. */
const LOCAL_TIMEOUT_MS = 10_000;

export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

export interface ProxyRequest {
  method: string;
  /** Path and optional query string, e.g. `/guest-token?x=1`. */
  url: string;
  /** Header name/value pairs as received, in order, any casing, repeats allowed. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** The body's bytes, or text (sent as UTF-8); null for none. */
  body: string | Buffer | null;
  sourceIp: string;
  protocol?: string;
  stage?: string;
}

/** The event API Gateway's REST proxy integration would deliver for this request. */
export function buildProxyEvent(req: ProxyRequest): APIGatewayProxyEvent {
  const url = new URL(req.url, 'http://local');
  const stage = req.stage ?? 'local';
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of req.headers) {
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent');
  return {
    resource: url.pathname,
    path: url.pathname,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters:
      url.searchParams.size > 0 ? multiValue(url.searchParams) : null,
    pathParameters: null,
    stageVariables: null,
    // The stack sets binaryMediaTypes */*, so API Gateway hands Lambda every body as base64 of
    // its bytes: the handler's strict UTF-8 check sees what the client sent, here as there.
    body: req.body === null ? null : Buffer.from(req.body).toString('base64'),
    isBase64Encoded: req.body !== null,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      protocol: req.protocol ?? 'HTTP/1.1',
      httpMethod: req.method,
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: url.pathname,
      identity: {
        sourceIp: req.sourceIp,
        userAgent: userAgent?.[1] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
    },
  };
}

function multiValue(params: URLSearchParams): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const name of new Set(params.keys())) values[name] = params.getAll(name);
  return values;
}

function toProxyEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEvent {
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
  }
  return buildProxyEvent({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    body: body.length > 0 ? body : null,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
  });
}

export function lambdaContext(functionName = 'guest-token-local'): Context {
  const deadline = Date.now() + LOCAL_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export function writeProxyResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = values.map(String);
  }
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** Reads the body (up to a cap), invokes the handler with a proxy event, writes the result. */
export async function invokeThroughAdapter(
  handler: ProxyHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_ADAPTER_BODY_BYTES) {
      writeProxyResult(
        res,
        errorResult(
          413,
          'PAYLOAD_TOO_LARGE',
          new PayloadTooLargeError(MAX_ADAPTER_BODY_BYTES).message,
          randomUUID(),
        ),
      );
      req.destroy();
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const result = await handler(toProxyEvent(req, Buffer.concat(chunks)), lambdaContext());
  writeProxyResult(res, result);
}
