// Messenger profile: how the KMS and DynamoDB clients call AWS. A throttled, failing or slow
// call is retried by the SDK itself (its standard mode: exponential backoff with jitter, a
// longer base for throttling errors, a retry quota per client), but never more than three
// attempts, each cut off quickly, so one call with all its retries ends well inside the
// function's 10 s and API Gateway's 29 s; Middy answers 503 just before the function's own
// timeout should a request still run long.

/** The policy both clients get; AWS_CALL_WORST_CASE_MS is what it adds up to at most. */
export const AWS_CALL_POLICY = {
  maxAttempts: 3,
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  /** The SDK's standard backoff for throttling: up to 500 ms × 2^n with full jitter. */
  throttlingBackoffBaseMs: 500,
} as const;

/** Every attempt timing out, with the longest backoff the SDK can draw between them. */
export const AWS_CALL_WORST_CASE_MS = (() => {
  const { maxAttempts, connectionTimeoutMs, requestTimeoutMs, throttlingBackoffBaseMs } =
    AWS_CALL_POLICY;
  let backoffMs = 0;
  for (let retry = 1; retry < maxAttempts; retry++)
    backoffMs += throttlingBackoffBaseMs * 2 ** retry;
  return maxAttempts * (connectionTimeoutMs + requestTimeoutMs) + backoffMs;
})();

/** Options for `new KMSClient(…)` and `new DynamoDBClient(…)`. */
export function awsClientConfig() {
  return {
    maxAttempts: AWS_CALL_POLICY.maxAttempts,
    retryMode: 'standard' as const,
    requestHandler: {
      connectionTimeout: AWS_CALL_POLICY.connectionTimeoutMs,
      requestTimeout: AWS_CALL_POLICY.requestTimeoutMs,
      // Without it a request past its timeout only logs a warning and goes on waiting.
      throwOnRequestTimeout: true,
    },
  };
}
