// Only the parts of undici the handler uses (Agent, the request API, the retry interceptor):
// undici's index also loads fetch, WebSocket and more, 230 KB and ~37 ms of cold start. The API is
// attached to Dispatcher.prototype as undici's index does (a no-op when the index is loaded too).

import api from 'undici/lib/api';
import Agent from 'undici/lib/dispatcher/agent';
import Dispatcher from 'undici/lib/dispatcher/dispatcher';
import retryInterceptor from 'undici/lib/interceptor/retry';

Object.assign(Dispatcher.prototype, api);

export { Agent, retryInterceptor };
