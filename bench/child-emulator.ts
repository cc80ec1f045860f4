// Child process: the Genesys emulator for the benchmarks (see processes.ts).

import { randomBytes } from 'node:crypto';
import { DEV_OIDC_CREDENTIALS, GenesysEmulator } from '../dev/genesys-emulator';
import { BENCH_OIDC_SECRET_ID, BENCH_SERVICE_KEY_SECRET_ID } from './processes';

async function main(): Promise<void> {
  const emulator = await GenesysEmulator.start({
    latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 0),
    faultRate: Number(process.env.BENCH_FAULT_RATE ?? 0),
  });
  emulator.secretsManager.secretValues.set(
    BENCH_OIDC_SECRET_ID,
    JSON.stringify(DEV_OIDC_CREDENTIALS),
  );
  emulator.secretsManager.secretValues.set(
    BENCH_SERVICE_KEY_SECRET_ID,
    randomBytes(48).toString('base64url'),
  );
  emulator.aws.faultRate = Number(process.env.BENCH_AWS_FAULT_RATE ?? 0);
  // The first reads of a secret fail (Secrets Manager down as containers start).
  emulator.inject(
    'secrets',
    { kind: 'status', status: 500 },
    Number(process.env.BENCH_SECRETS_FAULTS ?? 0),
  );
  process.on('message', (question) => {
    if (question === 'reset') emulator.resetCounters();
    process.send?.({
      calls: { ...emulator.calls },
      awsCalls: { ...emulator.aws.calls },
      awsFaults: { ...emulator.aws.faultsInjected },
      awsRetries: { ...emulator.aws.retries },
      awsAnswersLost: { ...emulator.aws.answersLost },
    });
  });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
  process.send?.({ url: emulator.baseUrl });
}

void main();
