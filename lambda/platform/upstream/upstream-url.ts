// The one rule for every URL the service calls or publishes (Genesys, a site's JWKS, our own
// issuer): https, or plain http only on a loopback host (the local emulator), never with
// credentials in it.

/** True for https URLs, and for http only when the host is loopback (the local emulator). */
export function isAllowedUpstreamUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
