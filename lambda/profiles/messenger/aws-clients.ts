// How the KMS and DynamoDB clients call AWS: the SDK's standard retries, but at most three quick
// attempts, so a call with its retries ends well inside the function's 10 s and API Gateway's 29 s.

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
