// @ts-check
// The browser package's entry: the token manager (guest-api profile), the Messenger AuthProvider
// plugin (messenger profile), the chat SDK adapter, and the error they report.

export { connectChatSdk } from './chat-sdk-adapter.js';
export { registerMessengerAuthProvider, requestAuthCode } from './messenger-auth-provider.js';
export { retryAfterMs, TokenManager, TokenRequestError } from './token-manager.js';

/** @typedef {import('./token-manager.js').TokenManagerOptions} TokenManagerOptions */
/** @typedef {import('./token-manager.js').GuestToken} GuestToken */
/** @typedef {import('./messenger-auth-provider.js').MessengerAuthOptions} MessengerAuthOptions */
/** @typedef {import('./messenger-auth-provider.js').AuthCode} AuthCode */
/** @typedef {import('./chat-sdk-adapter.js').ChatSdk} ChatSdk */
/** @typedef {import('./post-with-retry.js').IdentityTokenSource} IdentityTokenSource */
