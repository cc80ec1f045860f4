// Types for the undici modules lambda/platform/upstream/undici-lean.ts loads directly.

declare module 'undici/lib/dispatcher/agent' {
  import type { Agent } from 'undici';

  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module 'undici/lib/dispatcher/dispatcher' {
  import type { Dispatcher } from 'undici';

  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}

declare module 'undici/lib/api' {
  const api: Record<'request' | 'stream' | 'pipeline' | 'upgrade' | 'connect', unknown>;
  export default api;
}

declare module 'undici/lib/interceptor/retry' {
  import type { interceptors } from 'undici';

  const retry: typeof interceptors.retry;
  export default retry;
}
