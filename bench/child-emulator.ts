// Child process: the Genesys emulator for the benchmarks (see processes.ts).

import { GenesysEmulator } from '../dev/genesys-emulator';

async function main(): Promise<void> {
  const emulator = await GenesysEmulator.start({
    latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 0),
    faultRate: Number(process.env.BENCH_FAULT_RATE ?? 0),
  });
  process.on('message', (question) => {
    if (question === 'reset') emulator.resetCounters();
    process.send?.({ calls: { ...emulator.calls } });
  });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
  process.send?.({ url: emulator.baseUrl });
}

void main();
