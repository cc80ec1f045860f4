// The undici floor: the floor's job (floor-job.ts) over undici's keep-alive Agent, loaded the
// least way, as the proxy loads it (lambda/platform/upstream/undici-lean.ts). What is left
// between it and the proxy is the proxy's own work, not the HTTP client the design chose.

import { Agent } from '../../lambda/platform/upstream/undici-lean';
import { floorHandler } from './floor-job';

const agent = new Agent();

export const handler = floorHandler(async (url, method, headers, body) => {
  const { origin, pathname, search } = new URL(url);
  const res = await agent.request({ origin, path: pathname + search, method, headers, body });
  return res.body.json();
});
