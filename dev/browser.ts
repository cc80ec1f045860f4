// Where Debian's Chromium lives (`apt-get install -y chromium`), and the user agent the
// browser tests and the screenshot present: headless Chromium says "HeadlessChrome", which
// the proxy's bot denylist refuses, as it should.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
