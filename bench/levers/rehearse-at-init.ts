// A lever tried, not the product (docs/performance.md): the upper bound of a rehearsal at init.
// After the handler's own warm-up, one real request goes through the whole chain during init
// (against the emulator), so V8 has compiled the request path before the first visitor. A real
// rehearsal would use stand-ins and leave no state; this one only measures what it could gain.
//   BENCH_EXTRA="rehearsal=bench/levers/rehearse-at-init.ts" npm run bench
import { handler } from '../../lambda/index';
import { guestTokenEvent } from '../event';

const event = guestTokenEvent('https://www.example.com');
const context = {
  functionName: 'bench',
  awsRequestId: 'rehearsal',
  getRemainingTimeInMillis: () => 10000,
};
await (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(event, context);

export { handler };
