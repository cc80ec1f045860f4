// Child process: the local server for the benchmarks (see processes.ts).

import { startLocal } from '../dev/server';

async function main(): Promise<void> {
  let unhandled = 0;
  process.on('unhandledRejection', () => {
    unhandled++;
  });
  const local = await startLocal(process.env);
  process.on('message', (question) => {
    if (question === 'cpu') {
      const { user, system } = process.cpuUsage();
      return void process.send?.({ cpuMs: (user + system) / 1000, unhandled });
    }
    // Collect first (the proxy runs with --expose-gc) so RSS compares live memory, not garbage.
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss, unhandled });
  });
  process.on('disconnect', () => void local.close().then(() => process.exit(0)));
  process.send?.({ url: local.url });
}

void main();
