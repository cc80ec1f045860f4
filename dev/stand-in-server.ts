// The small HTTP server every local stand-in is built on (Genesys and the AWS services it plays,
// the site's IdP): a loopback listener, JSON answers, bounded records and the faults tests queue.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What any stand-in can be told to do instead of answering normally. */
export type HttpFault =
  /** Answer with this status (and Retry-After / extra headers / JSON body if given). */
  | {
      kind: 'status';
      status: number;
      retryAfter?: string;
      headers?: Record<string, string>;
      body?: unknown;
    }
  /** Wait this long before answering normally. */
  | { kind: 'latency'; ms: number }
  /** Close the connection without answering. */
  | { kind: 'drop' };

export interface StandInServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Listens on loopback (an ephemeral port unless given); a route that throws answers 500. */
export async function listen(
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  { host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {},
): Promise<StandInServer> {
  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const HTTP_FAULTS = new Set(['status', 'latency', 'drop']);

/**
 * Plays a queued fault (a stand-in's own kinds are left to it): waits out latency (then the caller answers normally), drops the
 * connection, or answers the status. True when the fault has answered the request.
 */
export async function playFault(
  queued: { kind: string } | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string> = {},
): Promise<boolean> {
  const fault = queued && HTTP_FAULTS.has(queued.kind) ? (queued as HttpFault) : undefined;
  if (fault?.kind === 'latency') {
    await delay(fault.ms);
    return false;
  }
  if (fault?.kind === 'drop') {
    req.socket.destroy();
    return true;
  }
  if (fault?.kind === 'status') {
    sendJson(res, fault.status, fault.body ?? { message: 'injected fault' }, {
      ...headers,
      ...fault.headers,
      ...(fault.retryAfter && { 'retry-after': fault.retryAfter }),
    });
    return true;
  }
  return false;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records stay bounded so a long load run does not grow the process. */
const RECORD_LIMIT = 1000;

export function remember<T>(records: T[], item: T): void {
  records.push(item);
  if (records.length > RECORD_LIMIT) records.shift();
}
