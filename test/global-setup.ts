// Before any test: the handler bundles the construct deploys (dist/handler), built afresh from
// the source under test, so no synth test ever reads a stale bundle.

import { bundleHandlers } from '../scripts/build';

export default async function globalSetup(): Promise<void> {
  await bundleHandlers();
}
