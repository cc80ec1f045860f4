// Secrets Manager, locally: GetSecretValue in the service's JSON protocol (so the real AWS SDK
// client can be pointed here) and the Parameters and Secrets Lambda Extension's
// `GET /secretsmanager/get`, which wants the session token as Lambda's extension does.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../lambda/platform/clock';
import { EXTENSION_TOKEN_HEADER } from '../lambda/platform/secrets';
import { sendJson } from './stand-in-server';

export const GET_SECRET_VALUE_TARGET = 'secretsmanager.GetSecretValue';
export const EXTENSION_SECRET_PATH = '/secretsmanager/get';
/** What the extension endpoint accepts unless told otherwise. */
export const EXTENSION_SESSION_TOKEN = 'local-session-token';

export class SecretsManagerStandIn {
  /** SecretString by SecretId, ahead of `secretString` and the default. */
  readonly secretValues = new Map<string, string>();
  /** What any other SecretId answers; unset, `defaultSecret()`. */
  secretString: string | undefined;

  constructor(
    private readonly options: {
      clock: Clock;
      sessionToken: string;
      /** The SecretString when nothing else is set (the emulator: its first OAuth client). */
      defaultSecret: () => string;
    },
  ) {}

  /** True for the requests this stand-in serves. */
  handles(req: IncomingMessage, path: string): boolean {
    return (
      (req.method === 'GET' && path === EXTENSION_SECRET_PATH) ||
      (req.method === 'POST' &&
        path === '/' &&
        req.headers['x-amz-target'] === GET_SECRET_VALUE_TARGET)
    );
  }

  answer(req: IncomingMessage, query: string | undefined, body: string, res: ServerResponse): void {
    if (req.method !== 'GET') {
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      this.getSecretValue(SecretId, res);
      return;
    }
    if (req.headers[EXTENSION_TOKEN_HEADER] !== this.options.sessionToken) {
      sendJson(res, 401, { message: 'missing or wrong session token' });
      return;
    }
    this.getSecretValue(new URLSearchParams(query).get('secretId') ?? '', res);
  }

  private getSecretValue(secretId: string | undefined, res: ServerResponse): void {
    const secretString =
      (secretId && this.secretValues.get(secretId)) ??
      this.secretString ??
      this.options.defaultSecret();
    sendJson(
      res,
      200,
      {
        ARN: secretId,
        Name: secretId,
        SecretString: secretString,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(this.options.clock() / 1000),
      },
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  }
}
