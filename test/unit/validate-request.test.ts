import * as z from 'zod/mini';
import { InvalidRequestError } from '../../lambda/platform/errors';
import type { PipelineEvent, PipelineRequest } from '../../lambda/steps/context';
import { parseRequest } from '../../lambda/steps/validate-request';

// Step ② with a profile's extra fields, called directly (the chain's own tests are request.test.ts).
function request(body: unknown): PipelineRequest {
  const event = {
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as PipelineEvent;
  return { event, context: {}, response: undefined, error: undefined, internal: {} } as never;
}

describe('parseRequest with extra fields', () => {
  const fields = jest.fn(() => ({ ticket: z.string().check(z.regex(/^T\d+$/)) }));
  const step = parseRequest({ extraFields: fields });
  const before = step.before as (request: PipelineRequest) => Promise<void>;

  it('parses them beside the visitor and leaves only them in extraFields', async () => {
    const req = request({ name: 'Ada', ticket: 'T42' });
    await before(req);
    expect(req.context.visitor?.name).toBe('Ada');
    expect(req.context.extraFields).toEqual({ ticket: 'T42' });
  });

  it('refuses a bad extra field by name, and still refuses unknown fields', async () => {
    await expect(before(request({ ticket: 'x' }))).rejects.toThrow(/^ticket: /);
    await expect(before(request({ ticket: 'T1', other: 1 }))).rejects.toThrow(InvalidRequestError);
  });

  it('builds the profile’s schema once per container, not per request', async () => {
    for (let i = 0; i < 5; i++) await before(request({ ticket: `T${i}` }));
    step.warmUp();
    expect(fields).toHaveBeenCalledTimes(1);
  });
});
