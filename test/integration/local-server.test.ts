// `npm start`'s stack over real HTTP: the adapter, the emulator and the demo page.

import { request } from 'undici';
import { type LocalStack, startLocal } from '../../dev/server';
import { captureLogs, type LogCapture } from '../fixtures/log-capture';

describe('local server', () => {
  let stack: LocalStack;
  let logs: LogCapture;
  const origin = 'http://127.0.0.1:3999';

  beforeAll(async () => {
    logs = captureLogs();
    stack = await startLocal({ PORT: '0', HOST: '127.0.0.1', ALLOWED_ORIGINS: origin });
  });
  afterAll(async () => {
    await stack.close();
    logs.restore();
  });

  const post = (headers: Record<string, string>, body: string | Buffer = '{"name":"Ada"}') =>
    request(`${stack.url}/guest-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('mints a token for an allowed origin, with curl allowed locally', async () => {
    const res = await post({ origin, 'user-agent': 'curl/8.5.0' });
    const body = (await res.body.json()) as { accessToken: string; guestId: string };
    expect(res.statusCode).toBe(200);
    expect(body.accessToken).toMatch(/^eyJ/);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(stack.emulator?.calls.mint).toBe(1);
  });

  it('refuses a foreign origin with 403 and no token', async () => {
    const res = await post({ origin: 'https://evil.example' });
    const text = await res.body.text();
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(text).error.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(text).not.toMatch(/eyJ/);
  });

  it('answers an oversized body without reading it all', async () => {
    const res = await post({ origin }, JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res.statusCode).toBe(413);
    // The same words as the handler's own limit (8 KiB), with the adapter's (API Gateway's) cap.
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toBe(
      'Request body is larger than 1048576 bytes',
    );
    const small = await post(
      { origin, 'user-agent': 'Mozilla/5.0' },
      JSON.stringify({ name: 'x'.repeat(9000) }),
    );
    expect(small.statusCode).toBe(413);
    expect(((await small.body.json()) as { error: { message: string } }).error.message).toBe(
      'Request body is larger than 8192 bytes',
    );
  });

  it('refuses a body that is not UTF-8, as the deployed function does (API Gateway hands it the bytes)', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const res = await post({ origin, 'user-agent': 'Mozilla/5.0' }, bytes);
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: { code: string; message: string } }).error).toEqual(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        message: 'Request body is not valid UTF-8 JSON',
      }),
    );
  });

  it('serves the demo page at /', async () => {
    const res = await request(`${stack.url}/`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    await res.body.dump();
  });

  it('does not serve files outside web/', async () => {
    const res = await request(`${stack.url}/../cdk.json`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });
});
