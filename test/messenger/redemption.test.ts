// A code redemption stores the refresh token and signs the id_token and access token at the same
// time (one round trip to AWS, not two), and answers nothing unless both succeed; a refresh
// stores the successor and signs at the same time too.

import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import {
  createMemorySessionStore,
  type SessionStore,
} from '../../lambda/profiles/messenger/session-store';
import { createLocalSigner, type Signer } from '../../lambda/profiles/messenger/signer';
import type { Answer } from '../fixtures/harness';
import { manualClock } from '../fixtures/manual-clock';
import { type MessengerHarness, startMessengerHarness } from '../fixtures/messenger-harness';

let signer: Signer;
beforeAll(async () => {
  signer = await createLocalSigner();
});

/**
 * A session store whose refresh-token write takes one turn of the event loop, and says when.
 * Signing that runs alongside starts within microtasks (the local signer answers at once), so
 * it is recorded before the write is done; signing that waits for the write is recorded after.
 */
function recordingStore(events: string[], fail = false): SessionStore {
  const memory = createMemorySessionStore(manualClock());
  return {
    ...memory,
    async putToken(tokenHash, record) {
      events.push('write started');
      await new Promise((resolve) => setImmediate(resolve));
      events.push('write done');
      if (fail) throw new UpstreamUnavailableError('codes', 'PutItem failed');
      return memory.putToken(tokenHash, record);
    },
  };
}

function recordingSigner(events: string[]): Signer {
  return {
    current: () => signer.current(),
    publicKeys: () => signer.publicKeys(),
    sign(input) {
      events.push('signing started');
      return signer.sign(input);
    },
  };
}

async function redeemOnce(
  sessions: SessionStore,
  events: string[],
  then?: (h: MessengerHarness, tokens: Answer) => Promise<void>,
) {
  const h = await startMessengerHarness({ sessions, signer: recordingSigner(events) });
  try {
    const { tokens } = await h.signIn();
    await then?.(h, tokens);
    return tokens;
  } finally {
    await h.close();
  }
}

describe('messenger profile: redeeming a code', () => {
  it('signs the tokens while the refresh token is being written', async () => {
    const events: string[] = [];
    const tokens = await redeemOnce(recordingStore(events), events);
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    expect(events.indexOf('write started')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('signing started')).toBeLessThan(events.indexOf('write done'));
  });

  it('signs a refresh’s new tokens while its successor is being written', async () => {
    const events: string[] = [];
    await redeemOnce(recordingStore(events), events, async (h, tokens) => {
      events.length = 0;
      const refreshed = await h.redeem({
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      expect(events.indexOf('write started')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('signing started')).toBeLessThan(events.indexOf('write done'));
    });
  });

  it('answers 503 and no token when the write fails, although the signing succeeded', async () => {
    const events: string[] = [];
    const answer = await redeemOnce(recordingStore(events, true), events);
    expect(events).toContain('signing started');
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('temporarily_unavailable');
    expect(answer.raw).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  });
});
