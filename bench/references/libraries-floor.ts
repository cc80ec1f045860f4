// The libraries floor: the undici floor's job (floor-job.ts) with each library the design chose
// doing its least part per request: Middy around the handler, zod parsing the body, jose
// verifying the JWT, Powertools writing one log line and one EMF line. None of the proxy's own
// steps; what is left between it and the proxy is the proxy's own code.

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { type CryptoKey, importJWK, type JWK, jwtVerify } from 'jose';
import * as z from 'zod/mini';
import { Agent } from '../../lambda/platform/upstream/undici-lean';
import { floorHandler } from './floor-job';

const agent = new Agent();
const logger = new Logger({ serviceName: 'floor' });
const metrics = new Metrics({ namespace: 'floor', serviceName: 'floor' });
const visitor = z.strictObject({ name: z.optional(z.string().check(z.maxLength(100))) });
const keys = new Map<string, Promise<CryptoKey | Uint8Array>>();

const job = floorHandler(
  async (url, method, headers, body) => {
    const { origin, pathname, search } = new URL(url);
    const res = await agent.request({ origin, path: pathname + search, method, headers, body });
    return res.body.json();
  },
  async (jwt, jwks) => {
    const jwk = jwks[0] as JWK;
    const kid = jwk.kid ?? '';
    if (!keys.has(kid)) keys.set(kid, importJWK(jwk, 'RS256'));
    await jwtVerify(jwt, (await keys.get(kid)) as CryptoKey, { algorithms: ['RS256'] });
    return true;
  },
);

export const handler = middy(async (event: { body: string }) => {
  const parsed = visitor.parse(JSON.parse(event.body));
  const result = await job({ body: JSON.stringify(parsed) });
  logger.info('issued');
  metrics.addMetric('Issued', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return result;
});
