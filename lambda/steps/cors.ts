// Step ①: only the site's own origins may ask. A missing or unlisted Origin is 403 before anything
// else runs; @middy/http-cors answers preflights. Never `*`: https://fetch.spec.whatwg.org/#cors-protocol-and-credentials

import httpCors from '@middy/http-cors';
import { OriginNotAllowedError } from '../platform/errors';
import { header, type PipelineMiddleware, type PipelineRequest } from './context';

export interface CorsOptions {
  allowedOrigins: readonly string[];
  /** Called for each preflight from an allowed origin (for the metric). */
  onPreflight?: () => void;
}

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function cors({ allowedOrigins, onPreflight }: CorsOptions): PipelineMiddleware[] {
  const allowed = new Set(allowedOrigins);

  const originAllowlistBefore = async (request: PipelineRequest): Promise<void> => {
    const origin = header(request.event, 'origin');
    if (origin === undefined || !allowed.has(origin)) throw new OriginNotAllowedError();
    if (request.event.httpMethod === 'OPTIONS') onPreflight?.();
  };

  const corsOptions = {
    origins: [...allowedOrigins],
    // Nothing here rides on cookies or HTTP auth, so the browser sends none.
    credentials: false,
    methods: 'POST, OPTIONS',
    headers: 'Content-Type',
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    // The answer depends on Origin, so caches must key on it. http-cors adds `Vary: Origin` by
    // itself for several origins; for one it needs this option, which 6.4's runtime reads
    // although its type declaration does not list it.
    ...(allowedOrigins.length === 1 && { vary: 'Origin' }),
    // Answer the preflight here; it never reaches the later steps.
    disableBeforePreflightResponse: false,
  };
  return [{ before: originAllowlistBefore }, httpCors(corsOptions) as PipelineMiddleware];
}
