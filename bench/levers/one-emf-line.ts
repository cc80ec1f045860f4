// A lever tried, not the product (docs/performance.md): the upper bound of one EMF line per
// request instead of two. The count by kind of visitor (a single-metric emitter, its own stdout
// line) is dropped altogether, so this measures the most folding it into the request's line
// could save.
//   BENCH_EXTRA="one EMF line=bench/levers/one-emf-line.ts" npm run bench

import { Metrics } from '@aws-lambda-powertools/metrics';

const singleMetric = Metrics.prototype.singleMetric;
Metrics.prototype.singleMetric = function silentSingleMetric(this: Metrics) {
  const single = singleMetric.call(this);
  single.addMetric = () => single;
  return single;
};

const { handler } = await import('../../lambda/index');

export { handler };
