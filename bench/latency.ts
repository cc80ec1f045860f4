// `npm run bench`, part 1: how close the warm proxy comes to the cost of one upstream call.
// The emulator (its own process) adds a fixed latency to every call (BENCH_LATENCY_MS,
// default 20). In alternating rounds, this process sends (a) mint calls straight to the
// emulator with a cached OAuth token, the floor, and (b) requests through the local server
// (its own process: adapter, the whole Middy chain, OAuth cache, mint, JWT verification).
// Then the messenger profile: code issue and redemption, with the proxy's CPU per request and
// its AWS calls per code.

import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { DEV_CREDENTIALS, DEV_OIDC_CREDENTIALS } from '../dev/genesys-emulator';
import {
  type AwsCalls,
  browserHeaders,
  type Calls,
  type Child,
  messengerEnvironment,
  startEmulator,
  startProxy,
} from './processes';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const PER_ROUND = Number(process.env.BENCH_REQUESTS_PER_ROUND ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP = 100;
const ORIGIN = 'http://127.0.0.1';

type Send = () => Promise<void>;

interface Sample {
  latencies: number[];
  elapsedMs: number;
}

/** Sends `count` requests, `CONCURRENCY` at a time; returns each latency and the wall time. */
async function drive(send: Send, count: number): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      await send();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies, elapsedMs: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function summarise(samples: Sample[]) {
  const all = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const elapsed = samples.reduce((sum, s) => sum + s.elapsedMs, 0);
  return {
    p50: percentile(all, 50),
    p90: percentile(all, 90),
    p99: percentile(all, 99),
    rps: (all.length / elapsed) * 1000,
    count: all.length,
  };
}

async function main(): Promise<void> {
  const emulator = await startEmulator(LATENCY_MS);
  const proxy = await startProxy(emulator.url, ORIGIN);
  const client = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 });

  // (a) The floor: one OAuth token fetched up front, then mint calls only.
  const basic = Buffer.from(`${DEV_CREDENTIALS.clientId}:${DEV_CREDENTIALS.clientSecret}`);
  const oauth = await request(`${emulator.url}/oauth/token`, {
    dispatcher: client,
    method: 'POST',
    headers: {
      authorization: `Basic ${basic.toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: bearer } = (await oauth.body.json()) as { access_token: string };
  const direct: Send = async () => {
    const res = await request(`${emulator.url}/api/v2/webchat/guest`, {
      dispatcher: client,
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', customAttributes: {} }),
    });
    await res.body.json();
    if (res.statusCode !== 200) throw new Error(`direct mint answered ${res.statusCode}`);
  };

  // (b) Through the proxy, exactly as a browser would call it.
  let issued = 0;
  const proxied: Send = async () => {
    const res = await request(`${proxy.url}/guest-token`, {
      dispatcher: client,
      method: 'POST',
      headers: browserHeaders(ORIGIN),
      body: JSON.stringify({ name: 'Ada', pageUrl: 'https://www.example.com/help' }),
    });
    const body = (await res.body.json()) as { accessToken?: string };
    if (res.statusCode !== 200 || !body.accessToken)
      throw new Error(`proxy answered ${res.statusCode}`);
    issued++;
  };

  // Warm both paths (the proxy reads its secret and fetches its OAuth token and key set
  // here), then count from zero.
  await drive(direct, WARMUP);
  await drive(proxied, WARMUP);
  const rssBefore = (await proxy.ask('rss')).rss ?? 0;
  issued = 0;
  let proxyCpuMs = 0;

  const directSamples: Sample[] = [];
  const proxySamples: Sample[] = [];
  const proxyCalls: Calls = { secrets: 0, oauth: 0, mint: 0, keys: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    directSamples.push(await drive(direct, PER_ROUND));
    await emulator.ask('reset');
    const cpuBefore = (await proxy.ask('cpu')).cpuMs ?? 0;
    proxySamples.push(await drive(proxied, PER_ROUND));
    proxyCpuMs += ((await proxy.ask('cpu')).cpuMs ?? 0) - cpuBefore;
    const { calls } = await emulator.ask('calls');
    for (const key of Object.keys(proxyCalls) as (keyof Calls)[])
      proxyCalls[key] += calls?.[key] ?? 0;
  }
  const rssAfter = (await proxy.ask('rss')).rss ?? 0;
  const upstreamCalls = Object.values(proxyCalls).reduce((sum, n) => sum + n, 0);

  const a = summarise(directSamples);
  const b = summarise(proxySamples);
  const ms = (value: number) => value.toFixed(2);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `Warm path: ${LATENCY_MS} ms injected upstream latency, concurrency ${CONCURRENCY}, ` +
      `${ROUNDS} alternating rounds of ${PER_ROUND} requests, Node ${process.version}\n`,
  );
  console.log('| | p50 ms | p90 ms | p99 ms | req/s | upstream calls per token |');
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| (a) direct mint, cached token (the floor) | ${ms(a.p50)} | ${ms(a.p90)} | ${ms(a.p99)} | ${a.rps.toFixed(0)} | 1.00 |`,
  );
  console.log(
    `| (b) through the proxy, warm | ${ms(b.p50)} | ${ms(b.p90)} | ${ms(b.p99)} | ${b.rps.toFixed(0)} | ${(upstreamCalls / issued).toFixed(2)} |`,
  );
  console.log(
    `| (b) / (a) | ${(b.p50 / a.p50).toFixed(3)} | ${(b.p90 / a.p90).toFixed(3)} | ${(b.p99 / a.p99).toFixed(3)} | ${(b.rps / a.rps).toFixed(3)} | |`,
  );
  console.log(
    `\nProxy: ${issued} tokens issued with upstream calls ${JSON.stringify(proxyCalls)}, ` +
      `${(proxyCpuMs / issued).toFixed(2)} ms of proxy CPU per token (local server under tsx); ` +
      `proxy process RSS ${mb(rssBefore)} after warm-up, ${mb(rssAfter)} after the run`,
  );

  await proxy.stop();
  await messengerRows(emulator, client);
  await client.close();
  await emulator.stop();
}

/**
 * The messenger profile through the local server, with KMS, DynamoDB and Secrets Manager (the
 * extension) all played by the emulator at the same injected latency: code issue (POST
 * /guest-token: one table write) and redemption (POST /oauth/token: one conditional delete
 * and one KMS Sign), each timed, with the proxy's CPU per request.
 */
async function messengerRows(emulator: Child, client: Agent): Promise<void> {
  const proxy = await startProxy(emulator.url, ORIGIN, messengerEnvironment(emulator.url));
  const basic = Buffer.from(
    `${DEV_OIDC_CREDENTIALS.clientId}:${DEV_OIDC_CREDENTIALS.clientSecret}`,
  );
  const pending: { code: string; verifier: string; redirectUri: string }[] = [];

  const issue: Send = async () => {
    const verifier = randomBytes(32).toString('base64url');
    const res = await request(`${proxy.url}/guest-token`, {
      dispatcher: client,
      method: 'POST',
      headers: browserHeaders(ORIGIN),
      body: JSON.stringify({
        name: 'Ada',
        nonce: randomBytes(16).toString('base64url'),
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
        codeChallengeMethod: 'S256',
      }),
    });
    const body = (await res.body.json()) as { authCode?: string; redirectUri?: string };
    if (res.statusCode !== 200 || !body.authCode || !body.redirectUri)
      throw new Error(`code request answered ${res.statusCode}`);
    pending.push({ code: body.authCode, verifier, redirectUri: body.redirectUri });
  };
  const redeem: Send = async () => {
    const next = pending.shift();
    if (!next) throw new Error('no code left to redeem');
    const res = await request(`${proxy.url}/oauth/token`, {
      dispatcher: client,
      method: 'POST',
      headers: {
        authorization: `Basic ${basic.toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: next.code,
        redirect_uri: next.redirectUri,
        code_verifier: next.verifier,
      }).toString(),
    });
    const body = (await res.body.json()) as { id_token?: string };
    if (res.statusCode !== 200 || !body.id_token)
      throw new Error(`token endpoint answered ${res.statusCode}`);
  };

  // Warm: the OIDC secret, the signing key's public half, connections.
  await drive(issue, WARMUP / 2);
  await drive(redeem, WARMUP / 2);
  // A quarter of the guest-api rounds' size: a redemption costs two round trips, and the whole bench
  // stays short.
  const perRound = Math.ceil(PER_ROUND / 4);
  const rows: Record<'issue' | 'redeem', { samples: Sample[]; cpuMs: number; calls: AwsCalls }> = {
    issue: {
      samples: [],
      cpuMs: 0,
      calls: { Sign: 0, GetPublicKey: 0, PutItem: 0, GetItem: 0, DeleteItem: 0, UpdateItem: 0 },
    },
    redeem: {
      samples: [],
      cpuMs: 0,
      calls: { Sign: 0, GetPublicKey: 0, PutItem: 0, GetItem: 0, DeleteItem: 0, UpdateItem: 0 },
    },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, send] of [
      ['issue', issue],
      ['redeem', redeem],
    ] as const) {
      await emulator.ask('reset');
      const before = (await proxy.ask('cpu')).cpuMs ?? 0;
      rows[name].samples.push(await drive(send, perRound));
      rows[name].cpuMs += ((await proxy.ask('cpu')).cpuMs ?? 0) - before;
      const { awsCalls } = await emulator.ask('calls');
      for (const key of Object.keys(rows[name].calls) as (keyof AwsCalls)[])
        rows[name].calls[key] += awsCalls?.[key] ?? 0;
    }
  }
  const { unhandled } = await proxy.ask('cpu');
  await proxy.stop();

  const count = ROUNDS * perRound;
  const per = (n: number) => (n / count).toFixed(2);
  console.log(
    `\nMessenger profile: KMS, DynamoDB and Secrets Manager played by the emulator at ${LATENCY_MS} ms, ` +
      `${ROUNDS} rounds of ${perRound} codes issued then redeemed\n`,
  );
  console.log(
    '| | p50 ms | p90 ms | p99 ms | req/s | proxy CPU ms per request | table writes | table updates (claims) | KMS signs |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, label] of [
    ['issue', 'code issue (POST /guest-token)'],
    ['redeem', 'redemption (POST /oauth/token)'],
  ] as const) {
    const { samples, cpuMs, calls } = rows[name];
    const r = summarise(samples);
    console.log(
      `| ${label} | ${r.p50.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.rps.toFixed(0)} | ` +
        `${(cpuMs / count).toFixed(2)} | ${per(calls.PutItem)} | ${per(calls.UpdateItem)} | ${per(calls.Sign)} |`,
    );
  }
  console.log(`\nUnhandled rejections in the proxy: ${unhandled ?? 0}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
