import { errors, type JSONWebKeySet } from 'jose';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import { createRemoteKeySet } from '../../lambda/platform/key-set';
import type { UpstreamHttp, UpstreamRequest } from '../../lambda/platform/upstream/upstream-http';
import { manualClock } from '../fixtures/manual-clock';

// The one key-set cache, on the injected clock: TTL, one load in flight, an unknown kid
// refetched at most once per cooldown, and nothing else refetching.
const JWKS: JSONWebKeySet = {
  keys: [
    { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'a' },
  ],
};

function setup(answers: Array<{ status: number; json?: unknown }> = []) {
  const clock = manualClock();
  const sent: UpstreamRequest[] = [];
  const http: UpstreamHttp = {
    async send(req) {
      sent.push(req);
      const answer = answers.shift() ?? { status: 200, json: JWKS };
      return { status: answer.status, headers: {}, json: answer.json };
    },
  };
  const refreshed = jest.fn();
  const keys = createRemoteKeySet({
    upstream: 'keys',
    http,
    clock,
    url: () => 'https://keys.example/jwks',
    ttlMs: 60_000,
    refetchCooldownMs: 30_000,
    budgetMs: 3_000,
    select: (json) => json as JSONWebKeySet,
    onRefresh: refreshed,
  });
  return { clock, sent, keys, refreshed };
}

const unknownKid = () => Promise.reject(new errors.JWKSNoMatchingKey());

describe('the remote key set', () => {
  it('shares one load between concurrent callers and keeps it for the TTL', async () => {
    const { clock, sent, keys, refreshed } = setup();
    await Promise.all([keys.get(), keys.get(), keys.get()]);
    clock.advance(59_999);
    await keys.get();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.deadline).toBe(clock() - 59_999 + 3_000);
    clock.advance(1);
    await keys.get();
    expect(sent).toHaveLength(2);
    expect(refreshed).toHaveBeenCalledTimes(2);
  });

  it('refetches for an unknown kid only once the cooldown has passed', async () => {
    const { clock, sent, keys } = setup();
    await keys.get();
    await expect(keys.verify(unknownKid)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(sent).toHaveLength(1);
    clock.advance(30_000);
    const use = jest
      .fn()
      .mockRejectedValueOnce(new errors.JWKSNoMatchingKey())
      .mockResolvedValue('ok');
    await expect(keys.verify(use)).resolves.toBe('ok');
    expect(sent).toHaveLength(2);
    expect(use).toHaveBeenCalledTimes(2);
  });

  it('never refetches for any other failure', async () => {
    const { clock, sent, keys } = setup();
    await keys.get();
    clock.advance(30_000); // past the cooldown, within the TTL
    const bad = () => Promise.reject(new errors.JWSSignatureVerificationFailed());
    await expect(keys.verify(bad)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    expect(sent).toHaveLength(1);
  });

  it('fails a load as the upstream being unavailable, and does not keep the failure', async () => {
    const { sent, keys } = setup([{ status: 500 }, { status: 200 }]);
    await expect(keys.get()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(keys.get()).rejects.toMatchObject({
      detail: expect.stringMatching(/is not JSON/),
    });
    await expect(keys.get()).resolves.toBeInstanceOf(Function);
    expect(sent).toHaveLength(3);
  });
});
