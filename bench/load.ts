// `npm run load`: autocannon on loopback against the local server (adapter + handler) and the
// emulator, with a share of upstream calls failing at random (502, 503, 504, dropped
// connections). Bounded in count and time. It checks that every answer is a 200, 429 or 503,
// that every 200 carries a token that verifies against the emulator's key set, that every
// 429/503 carries Retry-After, that the proxy saw no unhandled rejection, and reports the
// proxy's RSS (after a GC) before and after. Exits non-zero when a check fails.

import autocannon from 'autocannon';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { DEFAULT_KEYS_PATH } from '../lambda/profiles/guest-api/endpoints';
import { browserHeaders, type Child, startEmulator, startProxy } from './processes';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 20_000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 50);
const FAULT_RATE = Number(process.env.LOAD_FAULT_RATE ?? 0.02);
const TIME_LIMIT_MS = 120_000;
const ORIGIN = 'https://www.example.com';

interface Tally {
  statuses: Map<number, number>;
  tokens: string[];
  missingRetryAfter: number;
}

function fire(
  proxy: Child,
  amount: number,
  connections: number,
  tally?: Tally,
): Promise<autocannon.Result> {
  const options: autocannon.Options = {
    url: `${proxy.url}/guest-token`,
    connections,
    amount,
    timeout: 15,
    requests: [
      {
        method: 'POST',
        headers: browserHeaders(ORIGIN),
        body: JSON.stringify({ name: 'Load Test', customAttributes: { plan: 'gold' } }),
        onResponse: (status: number, body: string, _context: object, headers = {}) => {
          if (!tally) return;
          tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
          if (status === 200)
            tally.tokens.push((JSON.parse(body) as { accessToken: string }).accessToken);
          const retryAfter = Object.keys(headers).some(
            (name) => name.toLowerCase() === 'retry-after',
          );
          if ((status === 429 || status === 503) && !retryAfter) tally.missingRetryAfter++;
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      clearTimeout(limit);
      if (error) reject(error);
      else resolve(result);
    });
    const limit = setTimeout(() => instance.stop(), TIME_LIMIT_MS);
  });
}

async function verifyAll(emulatorUrl: string, tokens: string[]): Promise<number> {
  const keySet = (await (
    await fetch(`${emulatorUrl}${DEFAULT_KEYS_PATH}`)
  ).json()) as JSONWebKeySet;
  const keys = createLocalJWKSet(keySet);
  let failed = 0;
  for (const token of tokens) {
    try {
      await jwtVerify(token, keys, {
        issuer: emulatorUrl,
        audience: emulatorUrl,
        algorithms: ['RS256'],
      });
    } catch {
      failed++;
    }
  }
  return failed;
}

const mb = (bytes = 0) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const emulator = await startEmulator(0, FAULT_RATE);
  const proxy = await startProxy(emulator.url, ORIGIN);
  try {
    await fire(proxy, 2_000, CONNECTIONS);
    const before = await proxy.ask('rss');
    await emulator.ask('reset');

    const tally: Tally = { statuses: new Map(), tokens: [], missingRetryAfter: 0 };
    const result = await fire(proxy, REQUESTS, CONNECTIONS, tally);
    const after = await proxy.ask('rss');
    const { calls } = await emulator.ask('calls');
    const unverified = await verifyAll(emulator.url, tally.tokens);

    const answered = [...tally.statuses.values()].reduce((sum, n) => sum + n, 0);
    const outside = [...tally.statuses].filter(([status]) => ![200, 429, 503].includes(status));
    const checks: [string, boolean][] = [
      [
        `${answered} of ${REQUESTS} requests answered (no timeouts, no connection errors)`,
        answered === REQUESTS && result.errors === 0 && result.timeouts === 0,
      ],
      [
        `responses outside {200, 429, 503}: ${outside.reduce((sum, [, n]) => sum + n, 0)}`,
        outside.length === 0,
      ],
      [
        `200s whose token failed verification: ${unverified} of ${tally.tokens.length}`,
        unverified === 0,
      ],
      [`429/503 without Retry-After: ${tally.missingRetryAfter}`, tally.missingRetryAfter === 0],
      [`unhandled rejections in the proxy: ${after.unhandled ?? 0}`, (after.unhandled ?? 0) === 0],
    ];

    console.log(
      `\nLoad: ${REQUESTS} POST /guest-token at concurrency ${CONNECTIONS}, ${FAULT_RATE * 100}% of ` +
        `upstream calls failing at random (502/503/504/dropped connection), Node ${process.version}\n`,
    );
    console.log('| status | count |');
    console.log('|---|---|');
    for (const [status, count] of [...tally.statuses].sort(([a], [b]) => a - b)) {
      console.log(`| ${status} | ${count} |`);
    }
    console.log(
      `\nThroughput ${result.requests.average.toFixed(0)} req/s; latency p50 ${result.latency.p50} ms, ` +
        `p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    console.log(`Upstream calls during the run: ${JSON.stringify(calls)}`);
    console.log(`Proxy RSS after GC: ${mb(before.rss)} before, ${mb(after.rss)} after\n`);
    for (const [label, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
    if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  } finally {
    await proxy.stop();
    await emulator.stop();
  }
}

// `npm run load` is the guest-api run; `npm run load -- --profile messenger` the messenger one.
const profile = process.argv[process.argv.indexOf('--profile') + 1];
(process.argv.includes('--profile') && profile === 'messenger'
  ? import('./load-messenger').then(({ runMessengerLoad }) => runMessengerLoad())
  : main()
).catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
