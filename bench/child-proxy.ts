// Child process: the local server for the benchmarks (see processes.ts).

import { startLocal } from '../dev/server';

async function main(): Promise<void> {
  const local = await startLocal(process.env);
  process.on('message', () => process.send?.({ rss: process.memoryUsage().rss }));
  process.on('disconnect', () => void local.close().then(() => process.exit(0)));
  process.send?.({ url: local.url });
}

void main();
