// `npm run load -- --profile messenger`: the messenger profile under load and AWS faults. Two
// local servers (two containers of one fleet) share the emulator's DynamoDB and KMS through
// the real SDK clients. Visitors ask for codes at concurrency 50; a Genesys stand-in redeems
// each at either server's token endpoint (some twice at once, at both), and retries once after
// a 503 as Genesys would. Meanwhile the emulator throttles, fails and slows KMS and DynamoDB at
// random (and carries out some DynamoDB writes, then drops their answers, so the SDK retries a
// write that had committed) and fails the first Secrets Manager reads. Checks: each code redeemed at most once;
// every 200 carries an id_token that verifies against the JWKS with the code's nonce; visitor
// answers are 200, 429 or 503 with Retry-After; token answers are 200 or an RFC 6749 error
// (invalid_grant, or 503 temporarily_unavailable with Retry-After); no unhandled rejection;
// RSS after a GC does not grow. Half the sessions are then refreshed once (some at both servers
// at once): a refresh keeps the sub, and racing refreshes never get two different successors. Bounded in count and time; exits non-zero when a check fails.

import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { Agent, request } from 'undici';
import { DEV_OIDC_CREDENTIALS } from '../dev/genesys-emulator';
import { OIDC_PATHS } from '../lambda/profiles/messenger/provider';
import {
  type AwsCalls,
  browserHeaders,
  type Child,
  messengerEnvironment,
  startEmulator,
  startProxy,
} from './processes';

const VISITORS = Number(process.env.LOAD_VISITORS ?? 4_000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 50);
const AWS_FAULT_RATE = Number(process.env.LOAD_AWS_FAULT_RATE ?? 0.05);
const SECRETS_FAULTS = 3;
const DUPLICATE_SHARE = 0.05;
const TIME_LIMIT_MS = 110_000;
const ORIGIN = 'https://www.example.com';
const ISSUER = 'http://127.0.0.1/fleet';
const REDIRECT_URI = `${ORIGIN}/`;
const BASIC = `Basic ${Buffer.from(`${DEV_OIDC_CREDENTIALS.clientId}:${DEV_OIDC_CREDENTIALS.clientSecret}`).toString('base64')}`;

interface Answer {
  status: number;
  retryAfter: boolean;
  body: Record<string, unknown>;
}

const dispatcher = new Agent({ connections: CONNECTIONS * 2 });

async function post(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await request(url, { method: 'POST', headers, body, dispatcher });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return {
    status: res.statusCode,
    retryAfter: res.headers['retry-after'] !== undefined,
    body: json,
  };
}

const count = (tally: Map<string, number>, key: string) =>
  tally.set(key, (tally.get(key) ?? 0) + 1);

export async function runMessengerLoad(): Promise<void> {
  const emulator = await startEmulator(0, 0, {
    awsFaultRate: AWS_FAULT_RATE,
    secretsFaults: SECRETS_FAULTS,
  });
  const env = {
    ...messengerEnvironment(emulator.url),
    ALLOWED_ORIGINS: ORIGIN,
    OIDC_ISSUER: ISSUER,
    OIDC_REDIRECT_URIS: REDIRECT_URI,
  };
  const servers = await Promise.all([
    startProxy(emulator.url, ORIGIN, env),
    startProxy(emulator.url, ORIGIN, env),
  ]);
  try {
    const visitorAnswers = new Map<string, number>();
    const tokenAnswers = new Map<string, number>();
    const violations: string[] = [];
    const redeemedPerCode = new Map<string, number>();
    const idTokens: { token: string; nonce: string }[] = [];
    let duplicatesSent = 0;
    const refreshAnswers = new Map<string, number>();
    let refreshRaces = 0;
    let splitSuccessors = 0;
    let subChanged = 0;
    const refreshAt = (server: Child, refreshToken: string) =>
      post(
        `${server.url}${OIDC_PATHS.token}`,
        { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
        new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        }).toString(),
      );
    const judgeRefresh = (answer: Answer, sub: unknown) => {
      const error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
      count(refreshAnswers, answer.status === 200 ? '200' : `${answer.status} ${error}`);
      if (answer.status === 200) {
        const claims = JSON.parse(
          Buffer.from(String(answer.body.id_token).split('.')[1] ?? '', 'base64url').toString(),
        );
        if (claims.sub !== sub || claims.nonce !== undefined) subChanged++;
      } else if (answer.status === 503) {
        if (error !== 'temporarily_unavailable' || !answer.retryAfter)
          violations.push('refresh 503 without temporarily_unavailable and Retry-After');
      } else if (!(answer.status === 400 && error === 'invalid_grant')) {
        violations.push(`refresh answer ${answer.status} ${error}`);
      }
    };
    /** Genesys refreshing a session it holds: once, retried once after a 503. */
    const refreshSession = async (redeemed: Answer) => {
      if (redeemed.status !== 200 || Math.random() >= 0.5) return;
      const refreshToken = String(redeemed.body.refresh_token);
      const sub = JSON.parse(
        Buffer.from(String(redeemed.body.id_token).split('.')[1] ?? '', 'base64url').toString(),
      ).sub;
      if (Math.random() < DUPLICATE_SHARE * 2) {
        refreshRaces++;
        const both = await Promise.all(servers.map((server) => refreshAt(server, refreshToken)));
        for (const each of both) judgeRefresh(each, sub);
        const successors = new Set(
          both.filter((a) => a.status === 200).map((a) => a.body.refresh_token),
        );
        if (successors.size > 1) splitSuccessors++;
        return;
      }
      const server = servers[Math.floor(Math.random() * 2)] as Child;
      const first = await refreshAt(server, refreshToken);
      judgeRefresh(first, sub);
      if (first.status === 503) judgeRefresh(await refreshAt(server, refreshToken), sub);
    };

    const token = (server: Child, code: string, verifier: string) =>
      post(
        `${server.url}${OIDC_PATHS.token}`,
        { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
        new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        }).toString(),
      );
    const judgeToken = (answer: Answer, code: string, nonce: string) => {
      const error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
      count(tokenAnswers, answer.status === 200 ? '200' : `${answer.status} ${error}`);
      if (answer.status === 200) {
        redeemedPerCode.set(code, (redeemedPerCode.get(code) ?? 0) + 1);
        idTokens.push({ token: String(answer.body.id_token), nonce });
      } else if (answer.status === 503) {
        if (error !== 'temporarily_unavailable' || !answer.retryAfter)
          violations.push(`token 503 without temporarily_unavailable and Retry-After`);
      } else if (!(answer.status === 400 && error === 'invalid_grant')) {
        violations.push(`token answer ${answer.status} ${error}`);
      }
    };

    const visit = async (n: number) => {
      const verifier = randomBytes(32).toString('base64url');
      const nonce = randomBytes(16).toString('base64url');
      const issuing = servers[n % 2] as Child;
      const answer = await post(
        `${issuing.url}${OIDC_PATHS.codeRequest}`,
        browserHeaders(ORIGIN),
        JSON.stringify({
          name: 'Load Visitor',
          nonce,
          codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
          codeChallengeMethod: 'S256',
        }),
      );
      count(visitorAnswers, String(answer.status));
      if (![200, 429, 503].includes(answer.status))
        violations.push(`visitor answer ${answer.status}`);
      if (answer.status !== 200 && !answer.retryAfter)
        violations.push(`visitor ${answer.status} without Retry-After`);
      if (answer.status !== 200) return;
      const code = String(answer.body.authCode);
      const redeeming = servers[Math.floor(Math.random() * 2)] as Child;
      if (Math.random() < DUPLICATE_SHARE) {
        // The same redemption at both servers at once: one of them at most may succeed.
        duplicatesSent++;
        const both = await Promise.all(servers.map((server) => token(server, code, verifier)));
        for (const each of both) judgeToken(each, code, nonce);
        const redeemed = both.find((each) => each.status === 200);
        if (redeemed) await refreshSession(redeemed);
        return;
      }
      let first = await token(redeeming, code, verifier);
      judgeToken(first, code, nonce);
      // Genesys retries a 503 once; the code may still be there (the delete failed) or spent.
      if (first.status === 503) {
        first = await token(redeeming, code, verifier);
        judgeToken(first, code, nonce);
      }
      await refreshSession(first);
    };

    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < VISITORS && Date.now() - started < TIME_LIMIT_MS) await visit(next++);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const before = await Promise.all(servers.map((server) => server.ask('rss')));
    // A second, smaller round: memory after it must not have grown past the first's.
    await Promise.all(Array.from({ length: CONNECTIONS }, async (_, i) => visit(VISITORS + i)));
    const after = await Promise.all(servers.map((server) => server.ask('rss')));
    const stats = await emulator.ask('calls');

    const jwks = (await (
      await request(`${servers[0]?.url}${OIDC_PATHS.jwks}`, { dispatcher })
    ).body.json()) as JSONWebKeySet;
    const keys = createLocalJWKSet(jwks);
    let unverified = 0;
    for (const { token: idToken, nonce } of idTokens) {
      try {
        const { payload } = await jwtVerify(idToken, keys, {
          issuer: ISSUER,
          audience: DEV_OIDC_CREDENTIALS.clientId,
          algorithms: ['RS256'],
        });
        if (payload.nonce !== nonce || payload.name !== 'Load Visitor') unverified++;
      } catch {
        unverified++;
      }
    }
    const twice = [...redeemedPerCode.values()].filter((n) => n > 1).length;
    const unhandled = after.reduce((sum, reply) => sum + (reply.unhandled ?? 0), 0);
    const grew = after.map((reply, i) => (reply.rss ?? 0) - (before[i]?.rss ?? 0));
    const issued = visitorAnswers.get('200') ?? 0;
    const sum = (calls: AwsCalls | undefined) =>
      Object.values(calls ?? {}).reduce((total, n) => total + n, 0);

    const checks: [string, boolean][] = [
      [
        `${VISITORS} visitors served within ${TIME_LIMIT_MS / 1000} s (${seconds.toFixed(1)} s)`,
        next >= VISITORS,
      ],
      [`codes redeemed more than once: ${twice}`, twice === 0],
      [
        `DynamoDB calls carried out with the answer lost: ${sum(stats.awsAnswersLost)}`,
        sum(stats.awsAnswersLost) > 0,
      ],
      [
        `refreshes racing at both servers that got two different successors: ${splitSuccessors} of ${refreshRaces}`,
        splitSuccessors === 0,
      ],
      [`refreshed id_tokens with another sub, or a nonce: ${subChanged}`, subChanged === 0],
      [
        `id_tokens that failed verification (JWKS, iss, aud, nonce, claims): ${unverified} of ${idTokens.length}`,
        unverified === 0,
      ],
      [
        `answers outside the documented ones: ${violations.length}${violations.length ? ` (${[...new Set(violations)].join('; ')})` : ''}`,
        violations.length === 0,
      ],
      [`unhandled rejections in the servers: ${unhandled}`, unhandled === 0],
      [
        `RSS growth after GC across a further round: ${grew.map((b) => `${(b / 1048576).toFixed(1)} MB`).join(', ')}`,
        grew.every((bytes) => bytes < 8 * 1048576),
      ],
    ];

    console.log(
      `\nMessenger load: ${VISITORS} visitors at concurrency ${CONNECTIONS} against two servers sharing DynamoDB and KMS ` +
        `(the emulator's, real SDK clients); ${AWS_FAULT_RATE * 100}% of KMS and DynamoDB calls throttled, failing, slow or (DynamoDB) carried out with the answer lost; ` +
        `the first ${SECRETS_FAULTS} secret reads failing; ${duplicatesSent} redemptions sent to both servers at once; Node ${process.version}\n`,
    );
    console.log(`| visitor answer | count |\n|---|---|`);
    for (const [status, n] of [...visitorAnswers].sort()) console.log(`| ${status} | ${n} |`);
    console.log(`\n| token endpoint answer | count |\n|---|---|`);
    for (const [status, n] of [...tokenAnswers].sort()) console.log(`| ${status} | ${n} |`);
    console.log(`\n| refresh answer | count |\n|---|---|`);
    for (const [status, n] of [...refreshAnswers].sort()) console.log(`| ${status} | ${n} |`);
    console.log(
      `\nCodes issued ${issued}, redeemed ${redeemedPerCode.size}; ` +
        `AWS faults injected ${JSON.stringify(stats.awsFaults)} (${sum(stats.awsFaults)}), ` +
        `of them calls carried out with the answer lost ${JSON.stringify(stats.awsAnswersLost)} (${sum(stats.awsAnswersLost)}); ` +
        `SDK retries ${JSON.stringify(stats.awsRetries)} (${sum(stats.awsRetries)}); ` +
        `AWS calls ${JSON.stringify(stats.awsCalls)}; secret reads ${stats.calls?.secrets ?? 0}`,
    );
    console.log(
      `Server RSS after GC: ${before.map((r) => `${((r.rss ?? 0) / 1048576).toFixed(1)} MB`).join(', ')} → ` +
        `${after.map((r) => `${((r.rss ?? 0) / 1048576).toFixed(1)} MB`).join(', ')}\n`,
    );
    for (const [label, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
    if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await emulator.stop();
    await dispatcher.close();
  }
}
