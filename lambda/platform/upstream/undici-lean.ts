// The parts of undici the handler uses: the keep-alive Agent, the request API on Dispatcher
// and the retry interceptor. undici's index also loads fetch, WebSocket, EventSource, caches
// and mocks, which made the bundle 230 KB larger and the cold start 37 ms slower. This attaches
// the API to Dispatcher.prototype the same way undici's index does (a no-op when the index is
// loaded too, as in the tests, which share these very modules).

import api from 'undici/lib/api';
import Agent from 'undici/lib/dispatcher/agent';
import Dispatcher from 'undici/lib/dispatcher/dispatcher';
import retryInterceptor from 'undici/lib/interceptor/retry';

Object.assign(Dispatcher.prototype, api);

export { Agent, retryInterceptor };
