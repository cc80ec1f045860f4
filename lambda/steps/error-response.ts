// The one place an error becomes a response, `{ error: { code, message, requestId } }`, never a
// stack; it assigns request.response so @middy/http-cors still adds CORS headers to the error.

import type { Logger } from '@aws-lambda-powertools/logger';
import { type ErrorCode, HttpError, UpstreamUnavailableError } from '../platform/errors';
import {
  NO_STORE_HEADERS,
  type PipelineMiddleware,
  type PipelineRequest,
  type PipelineResult,
} from './context';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

export function errorResult(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): PipelineResult {
  const body: ErrorBody = { error: { code, message, requestId } };
  return {
    statusCode: status,
    headers: { ...NO_STORE_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

/** Middy's own timeout (the Lambda is about to run out of time) is an upstream failure too. */
function normalise(error: Error): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return new UpstreamUnavailableError('mint', 'ran out of time', undefined, { cause: error });
  }
  return undefined;
}

export interface ErrorResponseOptions {
  logger: Logger;
  /** Called once per refusal, for the audit log and metrics. */
  onRefusal?: (request: PipelineRequest, error: HttpError | undefined) => void;
}

export function errorResponse({ logger, onRefusal }: ErrorResponseOptions): PipelineMiddleware {
  const errorResponseOnError = async (request: PipelineRequest): Promise<void> => {
    if (request.response !== undefined || !request.error) return;
    const requestId = request.context.awsRequestId ?? 'unknown';
    const known = normalise(request.error);
    onRefusal?.(request, known);
    if (known) {
      request.response = errorResult(
        known.status,
        known.code,
        known.message,
        requestId,
        known.headers,
      );
      return;
    }
    logger.error('Unhandled error', { error: request.error });
    request.response = errorResult(500, 'INTERNAL', 'Internal error', requestId);
  };
  return { onError: errorResponseOnError };
}
