// The request every cold-path subject serves: a visitor's POST /guest-token as API Gateway hands
// it to the function. Its own module, with no imports, so a lever's bundle takes nothing else.

/** A visitor's POST /guest-token as API Gateway hands it to the function. */
export function guestTokenEvent(origin: string) {
  return {
    resource: '/guest-token',
    path: '/guest-token',
    httpMethod: 'POST',
    headers: { origin, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    body: JSON.stringify({ name: 'Ada' }),
    requestContext: {
      requestId: 'bench',
      identity: { sourceIp: '203.0.113.7' },
      httpMethod: 'POST',
      path: '/guest-token',
      stage: 'v1',
    },
  };
}
