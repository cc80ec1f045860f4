// The built-ins floor: the floor's job (floor-job.ts) over Node's own node:http keep-alive
// Agent. Its time is what the job itself costs; nothing here is for production.

import { Agent, request } from 'node:http';
import { floorHandler } from './floor-job';

const keepAlive = new Agent({ keepAlive: true });

export const handler = floorHandler(
  (url, method, headers, body) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: keepAlive }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      });
      req.on('error', reject);
      req.end(body);
    }),
);
