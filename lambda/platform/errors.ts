// Every refusal the proxy can answer with, one class per code in the error table (docs/web.md).
// The error-response middleware turns these into `{ error: { code, message, requestId } }`;
// anything that is not an HttpError becomes 500 INTERNAL with details only in the log.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_REQUEST'
  | 'ORIGIN_NOT_ALLOWED'
  | 'BOT_DETECTED'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INVALID_GUEST_TOKEN'
  | 'IDENTITY_TOKEN_INVALID'
  | 'IDENTITY_REQUIRED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'IDENTITY_UNAVAILABLE'
  | 'INTERNAL';

export abstract class HttpError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  /** Extra response headers (Allow, Retry-After). */
  readonly headers: Record<string, string> = {};
}

export class InvalidRequestError extends HttpError {
  readonly status = 400;
  readonly code = 'INVALID_REQUEST';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidRequestError';
  }
}

export class OriginNotAllowedError extends HttpError {
  readonly status = 403;
  readonly code = 'ORIGIN_NOT_ALLOWED';
  constructor(message = 'This origin may not request guest tokens') {
    super(message);
    this.name = 'OriginNotAllowedError';
  }
}

export class BotDetectedError extends HttpError {
  readonly status = 403;
  readonly code = 'BOT_DETECTED';
  constructor() {
    super('Automated clients may not request guest tokens');
    this.name = 'BotDetectedError';
  }
}

export class MethodNotAllowedError extends HttpError {
  readonly status = 405;
  readonly code = 'METHOD_NOT_ALLOWED';
  override readonly headers: Record<string, string>;
  constructor(method: string, allowed: readonly string[] = ['POST']) {
    super(`Method ${method.slice(0, 16)} is not allowed; use ${allowed.join(' or ')}`);
    this.headers = { Allow: [...allowed, 'OPTIONS'].join(', ') };
    this.name = 'MethodNotAllowedError';
  }
}

export class PayloadTooLargeError extends HttpError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('Content-Type must be application/json');
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** Thrown with the number of whole seconds after which the client may try again. */
export class RateLimitedError extends HttpError {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';
  override readonly headers: Record<string, string>;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many token requests from this client; retry later');
    this.name = 'RateLimitedError';
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export class InvalidGuestTokenError extends HttpError {
  readonly status = 502;
  readonly code = 'INVALID_GUEST_TOKEN';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super('Genesys Cloud returned a guest token that failed verification', options);
    this.name = 'InvalidGuestTokenError';
  }
}

/**
 * A site identity token that does not verify, whatever the reason: one code and one message
 * for all of them, so the answer is no oracle. `reason` goes to the log only.
 */
export class IdentityTokenInvalidError extends HttpError {
  readonly status = 401;
  readonly code = 'IDENTITY_TOKEN_INVALID';
  constructor(
    readonly reason: string,
    readonly issuer?: string,
    options?: ErrorOptions,
  ) {
    super('The identity token was not accepted; sign in again', options);
    this.name = 'IdentityTokenInvalidError';
  }
}

/** SITE_IDENTITY_REQUIRED is set and the request carries no identity token. */
export class IdentityRequiredError extends HttpError {
  readonly status = 401;
  readonly code = 'IDENTITY_REQUIRED';
  constructor() {
    super('This service serves signed-in customers only: send the site’s identity token');
    this.name = 'IdentityRequiredError';
  }
}

/**
 * What an upstream failure names: Genesys's endpoints, Secrets Manager, the messenger profile's
 * KMS key and code table, and a site's sign-in (its discovery document and key set).
 */
export type Upstream = 'secrets' | 'oauth' | 'mint' | 'keys' | 'kms' | 'codes' | 'identity';

/**
 * Genesys or Secrets Manager is down, slow, throttling or answering in a way we cannot use.
 * `detail` goes to the log only; the client sees a fixed message.
 */
export class UpstreamUnavailableError extends HttpError {
  readonly status = 503;
  /** A site's sign-in that cannot be checked has its own code: the page may offer a guest chat. */
  readonly code: 'UPSTREAM_UNAVAILABLE' | 'IDENTITY_UNAVAILABLE';
  override readonly headers: Record<string, string>;
  constructor(
    readonly upstream: Upstream,
    readonly detail: string,
    readonly retryAfterSeconds = DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS,
    options?: ErrorOptions,
  ) {
    super(
      upstream === 'identity'
        ? 'The site’s sign-in cannot be checked right now; retry later'
        : 'The token service is temporarily unavailable; retry later',
      options,
    );
    this.name = 'UpstreamUnavailableError';
    this.code = upstream === 'identity' ? 'IDENTITY_UNAVAILABLE' : 'UPSTREAM_UNAVAILABLE';
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export const DEFAULT_UPSTREAM_RETRY_AFTER_SECONDS = 5;

/** The AWS service behind each upstream the SDK calls, as its API names itself. */
const AWS_SERVICE: Partial<Record<Upstream, string>> = {
  secrets: 'secretsmanager',
  kms: 'kms',
  codes: 'dynamodb',
};

/** AWS's throttling errors: worth a short Retry-After, not the default. */
const AWS_THROTTLES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
]);

/**
 * An AWS SDK call failed. The detail names the service, the operation, the SDK's error name
 * (ThrottlingException, AccessDeniedException, …), the HTTP status and AWS's request id, all
 * safe to log and enough to find the call in CloudTrail or a support case:
 * `kms Sign: ThrottlingException (400, request id 5b1e…)`. The error's message is left out:
 * it is not needed and must never carry a secret's value.
 */
export function awsCallFailed(
  upstream: Upstream,
  operation: string,
  error: unknown,
): UpstreamUnavailableError {
  const { name = 'Error', $metadata: metadata } = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const where = [
    metadata?.httpStatusCode !== undefined && String(metadata.httpStatusCode),
    metadata?.requestId && `request id ${metadata.requestId}`,
  ].filter(Boolean);
  return new UpstreamUnavailableError(
    upstream,
    `${AWS_SERVICE[upstream] ?? upstream} ${operation}: ${name}${where.length > 0 ? ` (${where.join(', ')})` : ''}`,
    AWS_THROTTLES.has(name) ? 1 : undefined,
    { cause: error },
  );
}

/** A configuration value is missing or wrong; raised at cold start, never per request. */
export class ConfigError extends Error {
  /** One entry per bad variable, each opening with the variable's name. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
